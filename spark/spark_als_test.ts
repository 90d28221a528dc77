/**
 * spark-als against a real Spark on `local[2]` and ml-latest-small (the API
 * fixture's data folder: the shared zip through our ETL, a deterministic
 * 80/20 split written as `interim/split/train.parquet`). Skipped with a
 * notice when PySpark or Java 17 is missing, unless `REQUIRE_SPARK=1`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fixture, writeModelDir } from "../api/_test_fixture.ts";
import { guard } from "../api/_raw_client.ts";
import { createApp } from "../api/app.ts";
import { ModelHolder } from "../api/model_holder.ts";
import { JsonLogger } from "../api/json_logger.ts";
import { loadFromSource, parseModelSource } from "../api/model_source.ts";
import { createModel, loadModel } from "../recommender/models/model_registry.ts";
import { _score } from "../recommender/core/_test_data.ts";
import { ratingsFromColumns } from "../recommender/core/ratings.ts";
import { findSpark, PYSPARK_VERSION, type SparkRuntime } from "./find_spark.ts";
import { fitSparkAls, SPARK_ALS_SCRIPT } from "./fit_spark_als.ts";
import { sparkModelsKey } from "./spark_models.ts";
import { runSparkJob } from "./run_spark_job.ts";
import { trainParams, trainStage } from "../stages/train.ts";
import { hashFile } from "../dag/hash.ts";

/** The runtime, or null (with a notice) when the Spark tests are skipped. */
function sparkRuntime(): SparkRuntime | null {
  try {
    return findSpark();
  } catch (err) {
    if (Deno.env.get("REQUIRE_SPARK") === "1") return null;
    console.log(
      `notice: Spark tests skipped: ${(err as Error).message} (REQUIRE_SPARK=1 fails instead)`,
    );
    return null;
  }
}

const runtime = sparkRuntime();
const ignore = runtime === null && Deno.env.get("REQUIRE_SPARK") !== "1";
/** The same factors and regularization for both models; 10 sweeps keep CI short. */
const SAME = { factors: 20, regularization: 0.15, iterations: 10 };

Deno.test({
  name: "spark-als on local[2]: test RMSE within 0.01 of als with the same factors and " +
    "regularization, and the API serves its artifact",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const rt = runtime ?? findSpark(); // REQUIRE_SPARK=1 without Spark: fails with the reason
    const f = await fixture();
    const logs: string[] = [];
    const spark = await fitSparkAls(f.train, {
      config: { ...SAME, master: "local[2]" },
      trainPath: join(f.dataDir, "interim", "split", "train.parquet"),
      validationFraction: 0,
      refit: true,
      seed: 42,
      runtime: rt,
      onLog: (line) => logs.push(line),
    });
    assert.ok(logs.some((l) => /started on local\[2\]/.test(l)), logs.join("\n"));
    assert.equal(spark.model.extra.sparkVersion, rt.pysparkVersion);
    const als = createModel("als", SAME);
    als.fit(f.train);
    const sparkRmse = _score(spark.model, f.test).rmse;
    const alsRmse = _score(als, f.test).rmse;
    console.log(`spark-als RMSE ${sparkRmse.toFixed(4)}, als ${alsRmse.toFixed(4)}`);
    assert.ok(
      Math.abs(sparkRmse - alsRmse) <= 0.01,
      `spark-als RMSE ${sparkRmse} vs als ${alsRmse}`,
    );

    // The artifact is an ordinary model file: it loads, and the API serves it as the champion.
    const artifact = await spark.model.save();
    const copy = loadModel(structuredClone(artifact));
    assert.deepEqual(copy.predict(1, 296), spark.model.predict(1, 296));
    const dataDir = await Deno.makeTempDir({ prefix: "spark_als_api_" });
    try {
      for (const part of ["processed/movies.parquet", "interim/split/train.parquet"]) {
        await Deno.mkdir(join(dataDir, part, ".."), { recursive: true });
        await Deno.copyFile(join(f.dataDir, part), join(dataDir, part));
      }
      await writeModelDir(join(dataDir, "models", "spark-als"), artifact);
      await Deno.mkdir(join(dataDir, "selection"));
      await Deno.writeTextFile(
        join(dataDir, "selection", "champions.json"),
        JSON.stringify({ rating: { model: "spark-als" }, ranking: { model: "spark-als" } }),
      );
      const loaded = await loadFromSource(parseModelSource({ dataDir }));
      const holder = new ModelHolder(() => Promise.resolve(loaded), { initial: loaded });
      const app = createApp({ holder, logger: new JsonLogger({ level: "off" }) });
      const health = await (await app.request("/health")).json();
      assert.equal(health.model, "spark-als");
      const predicted = await (await app.request("/predict/1/296")).json();
      assert.equal(predicted.scorer, "model");
      assert.ok(Math.abs(predicted.rating - spark.model.predict(1, 296).rating) < 1e-5);
      const recommended = await (await app.request("/recommend/1?k=5")).json();
      assert.equal(recommended.items.length, 5, JSON.stringify(recommended));
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

/** Pids of `pid` and all its descendants. */
function processTree(pid: number): number[] {
  const out = new TextDecoder().decode(
    new Deno.Command("ps", { args: ["-eo", "pid=,ppid="], stdout: "piped" }).outputSync().stdout,
  );
  const children = new Map<number, number[]>();
  for (const line of out.trim().split("\n")) {
    const [p, pp] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** True while the process runs (a zombie, exited but not yet reaped by its parent, does not). */
function alive(pid: number): boolean {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/**
 * Resolves when every process of `pids` has exited: an event, not a poll. The
 * processes are not our children, so Deno cannot wait for them; Linux's pidfd
 * can (readable when the process exits), through the job's own Python.
 */
async function exited(python: string, pids: readonly number[]): Promise<void> {
  const script = [
    "import os, select, sys",
    "for pid in map(int, sys.argv[1:]):",
    "    try:",
    "        fd = os.pidfd_open(pid)",
    "    except ProcessLookupError:",
    "        continue",
    "    select.select([fd], [], [])",
  ].join("\n");
  const out = await new Deno.Command(python, {
    args: ["-c", script, ...pids.map(String)],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test({
  name: "an aborted spark-als fit kills the job: the Python driver and its JVM are gone",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const rt = runtime ?? findSpark();
    const f = await fixture();
    const folders = new Set<string>();
    for await (const e of Deno.readDir(Deno.env.get("TMPDIR") ?? "/tmp")) folders.add(e.name);
    const ac = new AbortController();
    let tree: number[] = [];
    const fit = fitSparkAls(f.train, {
      config: { ...SAME, master: "local[2]" },
      validationFraction: 0,
      refit: true,
      seed: 42,
      runtime: rt,
      onLog: (line) => {
        if (!/started on/.test(line) || ac.signal.aborted) return;
        // The job is up (driver and JVM): find them by our own process tree, then abort.
        tree = processTree(Deno.pid).filter((p) => p !== Deno.pid);
        ac.abort(new Error("test abort"));
      },
      signal: ac.signal,
    });
    await assert.rejects(fit, /test abort/);
    assert.ok(tree.length >= 2, `expected the driver and the JVM, found pids ${tree}`);
    // A process the abort left behind would block this for ever: the guard turns that into a
    // failure (it never decides a passing run).
    await guard(exited(rt.python, tree), 120_000, "the driver and the JVM to exit");
    assert.deepEqual(tree.filter(alive), [], "processes left after the abort");
    const left: string[] = [];
    for await (const e of Deno.readDir(Deno.env.get("TMPDIR") ?? "/tmp")) {
      if (/^spark-als-/.test(e.name) && folders.has(e.name) === false) left.push(e.name);
    }
    assert.deepEqual(left, [], "temporary folders left after the abort");
  },
});

Deno.test("deno task setup installs the PySpark version spark/ expects", async () => {
  const setup = await Deno.readTextFile(new URL("../.ci/setup.sh", import.meta.url));
  assert.match(
    setup,
    new RegExp(`PYSPARK_PIN="pyspark==${PYSPARK_VERSION.replaceAll(".", "\\.")}"`),
  );
});

Deno.test("the train stage's cache key holds the PySpark job's hash only when a Spark model is trained", async () => {
  assert.equal(await sparkModelsKey(["als", "svd"]), "");
  const script = await Deno.readFile(SPARK_ALS_SCRIPT);
  const sha = createHash("sha256").update(script).digest("hex");
  assert.equal(await sparkModelsKey(["als", "spark-als"]), `spark/als_train.py:${sha}`);
  assert.equal(
    await trainStage.extraKey!(trainParams.parse({ models: ["spark-als"] }), ".", { hashFile }),
    `spark/als_train.py:${sha}`,
  );
});

Deno.test("spark-als with implicitPrefs is a ranking model, never a rating champion", () => {
  assert.equal((createModel("spark-als") as { task?: string }).task, "rating");
  const implicit = createModel("spark-als", { implicitPrefs: true }) as { task?: string };
  assert.equal(implicit.task, "ranking");
  assert.throws(
    () =>
      createModel("spark-als", { implicitPrefs: true }).fit(
        ratingsFromColumns({ userId: [1], movieId: [1], rating: [4] }),
      ),
    /implicit mode runs only in Spark/,
  );
});

Deno.test({
  name: "a failing Spark job rejects with its last log lines",
  ignore,
  async fn() {
    const rt = runtime ?? findSpark();
    await assert.rejects(
      runSparkJob(SPARK_ALS_SCRIPT, ["--factors=many"], { runtime: rt, master: "local[1]" }),
      /exited with code 2 on master local\[1\].*\n.*invalid int value: 'many'/s,
    );
  },
});
