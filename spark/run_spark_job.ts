/**
 * Runs a PySpark script of `spark/` as a subprocess: `python -u script args`
 * with the spark-submit options (master and the rest) in
 * `PYSPARK_SUBMIT_ARGS`, so pyspark starts the JVM as the script's child.
 * The script's stdout is JSON lines (progress events); its stderr is Spark's
 * log, of which errors are passed on and the tail is kept for the error
 * message. On abort the script is killed (SIGTERM, then SIGKILL); if this
 * process dies, the script sees its stdin close and exits, and the JVM exits
 * with it.
 *
 * @module
 */
import { findSpark, type SparkRuntime } from "./find_spark.ts";

/** One progress line of a Spark script (`{"event": "phase", "message": ...}`). */
export interface SparkJobEvent {
  readonly event: string;
  /** Seconds since the script started. */
  readonly t?: number;
  readonly [key: string]: unknown;
}

/** Options of {@linkcode runSparkJob}. */
export interface RunSparkJobOptions {
  /** Python and Java (default: {@linkcode findSpark}). */
  readonly runtime?: SparkRuntime;
  /** Spark master; default `$SPARK_MASTER`, else `local[*]`. */
  readonly master?: string;
  /** More spark-submit options (`--driver-memory 8g`, `--conf k=v`, ...). */
  readonly submitOptions?: readonly string[];
  /** Aborting kills the job. */
  readonly signal?: AbortSignal;
  /** Each progress event, as it comes. */
  readonly onEvent?: (event: SparkJobEvent) => void;
  /** Spark log lines worth showing (errors, Python tracebacks). */
  readonly onLog?: (line: string) => void;
}

/** The master a job runs on: the option, else `$SPARK_MASTER`, else `local[*]`. */
export function sparkMaster(master?: string): string {
  return master ?? Deno.env.get("SPARK_MASTER") ?? "local[*]";
}

/** The lines of a byte stream (without their `\n`), as they arrive. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./[\]*-]+$/.test(s) ? s : `'${s.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Runs `script` with `args` and resolves with its progress events; rejects
 * with the log's last lines when it fails, or with the signal's reason when
 * aborted (the job is then killed).
 *
 * @example
 * ```ts ignore
 * import { runSparkJob } from "./run_spark_job.ts";
 * const events = await runSparkJob("spark/als_train.py", ["--help"], { master: "local[2]" });
 * ```
 */
export async function runSparkJob(
  script: string,
  args: readonly string[],
  options: RunSparkJobOptions = {},
): Promise<SparkJobEvent[]> {
  options.signal?.throwIfAborted();
  const runtime = options.runtime ?? findSpark();
  const master = sparkMaster(options.master);
  const submit = ["--master", master, ...(options.submitOptions ?? []), "pyspark-shell"];
  const child = new Deno.Command(runtime.python, {
    args: ["-u", script, ...args],
    env: {
      PYSPARK_SUBMIT_ARGS: submit.map(shellQuote).join(" "),
      PYSPARK_PYTHON: runtime.python,
      PYSPARK_DRIVER_PYTHON: runtime.python,
      ...(runtime.javaHome ? { JAVA_HOME: runtime.javaHome } : {}),
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Held open for the job's lifetime: the script exits when it closes.
  const stdin = child.stdin.getWriter();
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const kill = () => {
    try {
      child.kill("SIGTERM");
      killTimer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5000);
    } catch { /* already gone */ }
  };
  options.signal?.addEventListener("abort", kill, { once: true });

  const events: SparkJobEvent[] = [];
  const tail: string[] = [];
  const readStdout = (async () => {
    for await (const line of lines(child.stdout)) {
      let event: SparkJobEvent | undefined;
      try {
        const parsed = JSON.parse(line);
        if (parsed && typeof parsed.event === "string") event = parsed;
      } catch { /* a plain print */ }
      if (event) {
        events.push(event);
        options.onEvent?.(event);
      } else if (line.trim()) options.onLog?.(line);
    }
  })();
  const readStderr = (async () => {
    let traceback = false;
    for await (const line of lines(child.stderr)) {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (line.startsWith("Traceback")) traceback = true;
      if (traceback || / ERROR |Exception:|^\S*Error:/.test(line)) options.onLog?.(line);
    }
  })();
  const status = await child.status;
  await Promise.all([readStdout, readStderr]);
  options.signal?.removeEventListener("abort", kill);
  clearTimeout(killTimer);
  await stdin.close().catch(() => {});
  options.signal?.throwIfAborted();
  if (!status.success) {
    const last = tail.filter((l) => l.trim() && !/ WARN /.test(l)).slice(-12).join("\n  ");
    throw new Error(
      `Cannot run the Spark job ${script}: it exited with ${
        status.signal ? `signal ${status.signal}` : `code ${status.code}`
      } on master ${master}; its last log lines:\n  ${
        last || "(none)"
      }\nCheck the master, the spark-submit options and the input paths`,
    );
  }
  return events;
}
