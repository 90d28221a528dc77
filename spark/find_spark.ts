/**
 * Finds what a Spark job needs on this machine: the project's Python with
 * PySpark (`.venv`, installed by `deno task setup`) and a Java 17 or newer
 * (`JAVA_HOME`, else `java` on the PATH), with errors that say how to fix a
 * missing piece.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** The PySpark version `.ci/setup.sh` installs (keep the two equal). */
export const PYSPARK_VERSION = "4.1.1";

/** What {@linkcode findSpark} found. */
export interface SparkRuntime {
  /** The Python that runs the job (has `pyspark`). */
  readonly python: string;
  readonly pysparkVersion: string;
  /** The `java` binary Spark will start. */
  readonly java: string;
  /** Java's major version (17, 21, ...). */
  readonly javaMajor: number;
  /** `JAVA_HOME` to hand the job (derived from `java` when unset). */
  readonly javaHome: string;
}

/** The repository root (this file is `spark/find_spark.ts`). */
export const REPO_ROOT: string = dirname(dirname(fileURLToPath(import.meta.url)));

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  try {
    const r = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .outputSync();
    const dec = new TextDecoder();
    return { ok: r.success, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
  } catch {
    return { ok: false, out: "" };
  }
}

/**
 * The Spark runtime, or an Error naming what is missing and how to install
 * it. `python` defaults to `$SPARK_PYTHON`, else `<repo>/.venv/bin/python`.
 *
 * @example
 * ```ts ignore
 * import { findSpark } from "./find_spark.ts";
 * const rt = findSpark(); // throws "Cannot run Spark: ..." when PySpark or Java is missing
 * console.log(rt.pysparkVersion, rt.javaMajor);
 * ```
 */
export function findSpark(options: { python?: string } = {}): SparkRuntime {
  const python = options.python ?? Deno.env.get("SPARK_PYTHON") ??
    join(REPO_ROOT, ".venv", "bin", "python");
  const py = run(python, ["-c", "import pyspark; print(pyspark.__version__)"]);
  if (!py.ok) {
    throw new Error(
      `Cannot run Spark: ${python} cannot import pyspark; run \`deno task setup\` (installs pyspark==${PYSPARK_VERSION} into .venv) or set SPARK_PYTHON to a Python that has it`,
    );
  }
  const javaHome = Deno.env.get("JAVA_HOME");
  const java = javaHome ? join(javaHome, "bin", "java") : "java";
  const jv = run(java, ["-version"]);
  if (!jv.ok) {
    throw new Error(
      `Cannot run Spark: no Java found (${
        javaHome ? `JAVA_HOME=${javaHome} has no bin/java` : "java is not on the PATH"
      }); install Java 17 or newer (apt-get install openjdk-17-jre-headless) or set JAVA_HOME`,
    );
  }
  const m = jv.out.match(/version "(\d+)(?:\.(\d+))?/);
  const major = m ? (m[1] === "1" ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 17)) {
    throw new Error(
      `Cannot run Spark: ${java} is Java ${
        Number.isNaN(major) ? "of an unknown version" : major
      }, Spark ${PYSPARK_VERSION} needs Java 17 or newer; install it or point JAVA_HOME at one`,
    );
  }
  let home = javaHome;
  if (!home) {
    const props = run(java, ["-XshowSettings:properties", "-version"]).out;
    home = props.match(/^\s*java\.home = (.+)$/m)?.[1]?.trim() ?? "";
  }
  return {
    python,
    pysparkVersion: py.out.trim(),
    java,
    javaMajor: major,
    javaHome: home,
  };
}
