import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalRunStore } from "./local_store.ts";
import { recordRun } from "./record_run.ts";
import { withRun } from "./with_run.ts";
import { latestMetric } from "./types.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "runs_test_" });
}

async function modelFolder(dir: string): Promise<string> {
  const model = join(dir, "model-src");
  await Deno.mkdir(join(model, "parts"), { recursive: true });
  await Deno.writeTextFile(join(model, "manifest.json"), '{"kind":"mf"}');
  await Deno.writeFile(join(model, "parts", "data.bin"), new Uint8Array([1, 2, 3, 4]));
  return model;
}

Deno.test("LocalRunStore round trip: recordRun() writes what getRun() and listRuns() read back", async () => {
  const dir = await tempDir();
  try {
    const store = new LocalRunStore(join(dir, "runs"), { experiment: "movies" });
    const model = await modelFolder(dir);
    const metrics = join(dir, "metrics.json");
    await Deno.writeTextFile(metrics, '{"rmse":0.87}');
    const written = await recordRun(store, {
      runName: "train-mf",
      status: "FINISHED",
      startTime: 1_700_000_000_000,
      endTime: 1_700_000_060_000,
      params: { "train.factors": "50", "train.lr": "0.01" },
      metrics: [
        { key: "train_loss", value: 1.5, step: 0, timestamp: 1 },
        { key: "train_loss", value: 1.1, step: 1, timestamp: 2 },
        { key: "train_loss", value: NaN, step: 2, timestamp: 3 },
        { key: "rmse", value: 0.87 },
      ],
      tags: { "git.commit": "abc123", "dataset.name": "ml-latest-small" },
      artifacts: [
        { localPath: model, artifactPath: "model" },
        { localPath: metrics, artifactPath: "metrics.json" },
      ],
      model: { registeredName: "movie-recommender", artifactPath: "model", rmse: 0.87 },
    });
    assert.match(written.runId, /^[0-9a-f]{32}$/);
    const read = await store.getRun(written.runId);
    assert.deepEqual(read, written);
    assert.equal(read.experiment, "movies");
    assert.equal(read.status, "FINISHED");
    assert.equal(read.endTime, 1_700_000_060_000);
    assert.deepEqual(read.params, { "train.factors": "50", "train.lr": "0.01" });
    assert.deepEqual(read.metrics.train_loss?.map((p) => p.step), [0, 1, 2]);
    assert.ok(Number.isNaN(read.metrics.train_loss?.[2]?.value));
    assert.equal(latestMetric(read, "rmse"), 0.87);
    assert.deepEqual(read.artifacts, [
      "metrics.json",
      "model/manifest.json",
      "model/parts/data.bin",
    ]);
    assert.deepEqual(read.model, {
      registeredName: "movie-recommender",
      artifactPath: "model",
      rmse: 0.87,
      version: "1",
      champion: true,
    });
    const runDir = join(dir, "runs", "movies", written.runId);
    assert.deepEqual(
      await Deno.readFile(join(runDir, "artifacts", "model", "parts", "data.bin")),
      new Uint8Array([1, 2, 3, 4]),
    );
    assert.deepEqual((await store.listRuns()).map((r) => r.runId), [written.runId]);
    assert.deepEqual(await store.listRuns({ experiment: "other" }), []);

    // The ended run gets a file attached later (the report stage's page snapshot).
    const page = join(dir, "page.html");
    await Deno.writeTextFile(page, "<html>run page</html>");
    await store.logArtifacts(written.runId, [{ localPath: page, artifactPath: "report.html" }]);
    const [listed] = await store.listRuns();
    assert.deepEqual(listed?.artifacts, [
      "metrics.json",
      "model/manifest.json",
      "model/parts/data.bin",
      "report.html",
    ]);
    assert.deepEqual(await store.getRun(written.runId), {
      ...written,
      artifacts: listed?.artifacts,
    });
    // A copy: rewriting the source in place leaves the snapshot as it was attached.
    await Deno.writeTextFile(page, "<html>changed</html>");
    assert.equal(
      await Deno.readTextFile(join(runDir, "artifacts", "report.html")),
      "<html>run page</html>",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LocalRunStore.logArtifacts() refuses a run still RUNNING and an unknown run", async () => {
  const dir = await tempDir();
  try {
    const store = new LocalRunStore(join(dir, "runs"));
    const page = join(dir, "page.html");
    await Deno.writeTextFile(page, "<html></html>");
    const run = await store.startRun({ runName: "open" });
    await assert.rejects(
      store.logArtifacts(run.runId, [{ localPath: page, artifactPath: "report.html" }]),
      /Cannot attach artifacts to run [0-9a-f]{32}: it is still RUNNING/,
    );
    assert.deepEqual((await store.getRun(run.runId)).artifacts, []);
    await assert.rejects(
      store.logArtifacts("f".repeat(32), [{ localPath: page, artifactPath: "report.html" }]),
      /Unknown run/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LocalRunStore lists runs newest first and filters by experiment", async () => {
  const dir = await tempDir();
  try {
    const store = new LocalRunStore(dir);
    const base = { status: "FINISHED" as const, params: {}, metrics: [], tags: {}, artifacts: [] };
    const a = await recordRun(store, { ...base, experiment: "a", runName: "old", startTime: 1000 });
    const b = await recordRun(store, {
      ...base,
      experiment: "b/c",
      runName: "new",
      startTime: 2000,
    });
    assert.deepEqual((await store.listRuns()).map((r) => r.runId), [b.runId, a.runId]);
    assert.deepEqual((await store.listRuns({ experiment: "b/c" })).map((r) => r.runName), ["new"]);
    assert.deepEqual((await store.listRuns({ limit: 1 })).map((r) => r.runName), ["new"]);
    await assert.rejects(store.getRun("0".repeat(32)), /Unknown run/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local registry moves champion only when RMSE improves", async () => {
  const dir = await tempDir();
  try {
    const store = new LocalRunStore(dir);
    const model = await modelFolder(dir);
    const results: { version?: string; champion?: boolean }[] = [];
    for (const rmse of [0.95, 0.9, 0.93, 0.9, 0.85]) {
      const run = await recordRun(store, {
        runName: `rmse-${rmse}`,
        status: "FINISHED",
        startTime: Date.now(),
        params: {},
        metrics: [{ key: "rmse", value: rmse }],
        tags: {},
        artifacts: [{ localPath: model, artifactPath: "model" }],
        model: { registeredName: "mf", artifactPath: "model", rmse },
      });
      results.push({ version: run.model?.version, champion: run.model?.champion });
    }
    assert.deepEqual(results.map((r) => r.champion), [true, true, false, false, true]);
    assert.deepEqual(results.map((r) => r.version), ["1", "2", "3", "4", "5"]);
    const champion = await store.registry.alias("mf");
    assert.equal(champion?.version, "5");
    assert.equal(champion?.rmse, 0.85);
    assert.match(champion?.source ?? "", /^Default\/[0-9a-f]{32}\/artifacts\/model$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("registerModel() refuses a model folder that was not logged", async () => {
  const dir = await tempDir();
  try {
    const store = new LocalRunStore(dir);
    await assert.rejects(
      recordRun(store, {
        runName: "no-model",
        status: "FINISHED",
        startTime: Date.now(),
        params: {},
        metrics: [],
        tags: {},
        artifacts: [],
        model: { registeredName: "mf", artifactPath: "model", rmse: 1 },
      }),
      /no artifacts under "model".*logArtifact/,
    );
    const [run] = await store.listRuns();
    assert.equal(run?.status, "FAILED");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withRun() ends the run FAILED with the error when the callback throws", async () => {
  const dir = await tempDir();
  try {
    const store = new LocalRunStore(dir);
    await assert.rejects(
      withRun(store, { runName: "crash" }, async (run) => {
        await run.logMetrics([{ key: "train_loss", value: 2, step: 0 }]);
        throw new Error("Out of memory in train stage");
      }),
      /Out of memory/,
    );
    const [run] = await store.listRuns();
    assert.equal(run?.status, "FAILED");
    assert.equal(run?.tags.error, "Out of memory in train stage");
    assert.equal(run?.metrics.train_loss?.length, 1);
    assert.ok(run?.endTime);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("logArtifact() rejects paths that escape the artifact folder", async () => {
  const dir = await tempDir();
  try {
    const store = new LocalRunStore(dir);
    const file = join(dir, "x.txt");
    await Deno.writeTextFile(file, "x");
    const run = await store.startRun({ runName: "escape" });
    await assert.rejects(
      run.logArtifact({ localPath: file, artifactPath: "../../evil.txt" }),
      /Invalid artifact path/,
    );
    await assert.rejects(
      run.logArtifact({ localPath: join(dir, "missing"), artifactPath: "m" }),
      /does not exist/,
    );
    await run.end("KILLED");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a corrupt run.json is reported with its path", async () => {
  const dir = await tempDir();
  try {
    const store = new LocalRunStore(dir);
    const run = await store.startRun({ runName: "x" });
    const path = join(dir, "Default", run.runId, "run.json");
    await Deno.writeTextFile(path, '{"formatVersion":1,"runId":"nope"}');
    await assert.rejects(store.getRun(run.runId), (e: Error) => e.message.includes(path));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LocalRunStore.listRuns() skips a damaged run.json with a warning naming it", async () => {
  const root = await Deno.makeTempDir();
  const warnings: string[] = [];
  const store = new LocalRunStore(root, { warn: (m) => warnings.push(m) });
  const good = await store.startRun({ runName: "good" });
  await good.end("FINISHED");
  const bad = await store.startRun({ runName: "bad" });
  await bad.end("FINISHED");
  const badPath = join(store.root, "Default", bad.runId, "run.json");
  await Deno.writeTextFile(badPath, "{ truncated");
  const runs = await store.listRuns();
  assert.deepEqual(runs.map((r) => r.runName), ["good"]);
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0]!.includes(bad.runId), warnings[0]);
  await Deno.remove(root, { recursive: true });
});
