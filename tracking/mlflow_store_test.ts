/**
 * Against the real MLflow server in MLFLOW_TRACKING_URI (`bash .ci/mlflow.sh start`).
 * Everything written through our client is read back through MLflow's own REST API.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { mlflowTestEnv } from "./_mlflow_test_env.ts";
import { MlflowClient } from "./mlflow_client.ts";
import { MlflowRunStore } from "./mlflow_store.ts";
import { recordRun } from "./record_run.ts";
import { withRun } from "./with_run.ts";

const env = mlflowTestEnv();
const unique = () => crypto.randomUUID().slice(0, 8);

function client(): MlflowClient {
  return new MlflowClient({ uri: env.uri(), retries: 2, backoffMs: 50 });
}

async function modelFolder(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mlflow_model_" });
  await Deno.mkdir(join(dir, "model"));
  await Deno.writeTextFile(join(dir, "model", "manifest.json"), '{"kind":"biased-mf"}');
  await Deno.writeFile(join(dir, "model", "data.bin"), new Uint8Array(4096).fill(7));
  return dir;
}

Deno.test({
  name:
    "MlflowRunStore: a recorded run reads back through runs/search, get-history, artifacts/list and the champion alias",
  ignore: env.ignore,
  fn: async () => {
    const c = client();
    const experiment = `test-roundtrip-${unique()}`;
    const modelName = `movie-recommender-${unique()}`;
    const store = new MlflowRunStore(c, { experiment });
    const dir = await modelFolder();
    try {
      const epochs = [1.4, 1.1, 0.95, 0.9];
      const record = await recordRun(store, {
        runName: "train-mf",
        status: "FINISHED",
        startTime: Date.now() - 60_000,
        params: { "train.factors": "50", "train.epochs": "4" },
        metrics: [
          ...epochs.map((v, step) => ({
            key: "train_loss",
            value: v,
            step,
            timestamp: 1000 + step,
          })),
          { key: "rmse", value: 0.88 },
          { key: "mae", value: 0.67 },
        ],
        tags: { "git.commit": "deadbeef", "dataset.name": "ml-latest-small" },
        artifacts: [{ localPath: join(dir, "model"), artifactPath: "model" }],
        model: { registeredName: modelName, artifactPath: "model", rmse: 0.88 },
      });
      assert.equal(record.model?.champion, true);

      const exp = await c.getExperimentByName(experiment);
      assert.ok(exp);
      const found = await c.searchRuns({
        experimentIds: [exp.experiment_id],
        filter: "metrics.rmse < 1",
      });
      assert.deepEqual(found.map((r) => r.info.run_id), [record.runId]);
      assert.equal(found[0]?.info.status, "FINISHED");
      const none = await c.searchRuns({
        experimentIds: [exp.experiment_id],
        filter: "metrics.rmse < 0.5",
      });
      assert.equal(none.length, 0);
      const params = Object.fromEntries((found[0]?.data.params ?? []).map((p) => [p.key, p.value]));
      assert.deepEqual(params, { "train.factors": "50", "train.epochs": "4" });

      const history = await c.getMetricHistory(record.runId, "train_loss");
      assert.deepEqual(
        history.sort((a, b) => (a.step ?? 0) - (b.step ?? 0)).map((m) => [m.step, m.value]),
        epochs.map((v, i) => [i, v]),
      );
      assert.deepEqual(await c.listArtifactsRecursive(record.runId), [
        "model/data.bin",
        "model/manifest.json",
      ]);
      const champion = await c.getModelVersionByAlias(modelName, "champion");
      assert.equal(champion?.run_id, record.runId);
      assert.equal(champion?.source, `${found[0]?.info.artifact_uri}/model`);

      const back = await store.getRun(record.runId);
      assert.equal(back.experiment, experiment);
      assert.equal(back.runName, "train-mf");
      assert.equal(back.tags["git.commit"], "deadbeef");
      assert.deepEqual(back.metrics.train_loss?.map((p) => p.value), epochs);
      assert.deepEqual(back.artifacts, ["model/data.bin", "model/manifest.json"]);
      assert.equal(
        back.mlflowUrl,
        `${c.baseUrl}/#/experiments/${exp.experiment_id}/runs/${record.runId}`,
      );
      const listed = await store.listRuns({ experiment });
      assert.deepEqual(listed.map((r) => r.runId), [record.runId]);
      assert.equal(listed[0]?.metrics.rmse?.[0]?.value, 0.88);

      // The artifact proxy takes a file for the run after it has FINISHED (the report page).
      const page = join(dir, "page.html");
      await Deno.writeTextFile(page, "<html>run page</html>");
      await store.logArtifacts(record.runId, [{ localPath: page, artifactPath: "report.html" }]);
      assert.deepEqual(await c.listArtifactsRecursive(record.runId), [
        "model/data.bin",
        "model/manifest.json",
        "report.html",
      ]);
      const proxied = found[0]!.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, "");
      const res = await fetch(
        `${c.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${proxied}/report.html`,
      );
      assert.equal(await res.text(), "<html>run page</html>");
      const ended = await c.getRun(record.runId);
      assert.equal(ended.info.status, "FINISHED");
      assert.equal(ended.info.end_time, found[0]?.info.end_time);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "MlflowRunStore.logArtifacts() refuses a run still RUNNING and uploads nothing",
  ignore: env.ignore,
  fn: async () => {
    const c = client();
    const store = new MlflowRunStore(c, { experiment: `test-attach-${unique()}` });
    const dir = await modelFolder();
    const run = await store.startRun({ runName: "open" });
    try {
      await assert.rejects(
        store.logArtifacts(run.runId, [
          { localPath: join(dir, "model", "manifest.json"), artifactPath: "report.html" },
        ]),
        /Cannot attach artifacts to run [0-9a-f]{32}: it is still RUNNING/,
      );
      assert.deepEqual(await c.listArtifactsRecursive(run.runId), []);
    } finally {
      await run.end("FINISHED");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "MlflowRunStore moves champion only when the new version's RMSE is lower",
  ignore: env.ignore,
  fn: async () => {
    const c = client();
    const store = new MlflowRunStore(c, { experiment: `test-champion-${unique()}` });
    const modelName = `mf-${unique()}`;
    const dir = await modelFolder();
    try {
      const outcomes: [string, boolean][] = [];
      for (const rmse of [0.92, 0.97, 0.89, 0.89]) {
        const r = await recordRun(store, {
          runName: `rmse ${rmse}`,
          status: "FINISHED",
          startTime: Date.now(),
          params: {},
          metrics: [{ key: "rmse", value: rmse }],
          tags: {},
          artifacts: [{ localPath: join(dir, "model"), artifactPath: "model" }],
          model: { registeredName: modelName, artifactPath: "model", rmse },
        });
        outcomes.push([r.model?.version ?? "", r.model?.champion ?? false]);
      }
      assert.deepEqual(outcomes, [["1", true], ["2", false], ["3", true], ["4", false]]);
      assert.equal((await c.getModelVersionByAlias(modelName, "champion"))?.version, "3");
      assert.equal(await store.aliasRmse(modelName), 0.89);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "logBatch() splits 2,500 metrics and 250 params into 3 calls and MLflow keeps every point",
  ignore: env.ignore,
  fn: async () => {
    const c = client();
    const store = new MlflowRunStore(c, { experiment: `test-chunks-${unique()}` });
    const run = await store.startRun({ runName: "chunks" });
    const metrics = Array.from({ length: 2500 }, (_, step) => ({
      key: "val_loss",
      value: 1 / (step + 1),
      step,
      timestamp: 1_700_000_000_000 + step,
    }));
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p.${i}`, String(i)]));
    const calls = await c.logBatch(run.runId, { metrics, params });
    assert.equal(calls, 3);
    const history = await c.getMetricHistory(run.runId, "val_loss");
    assert.equal(history.length, 2500);
    assert.deepEqual(
      history.map((m) => m.step ?? 0).sort((a, b) => a - b),
      metrics.map((m) => m.step),
    );
    const got = await c.getRun(run.runId);
    assert.equal(got.data.params?.length, 250);
    await run.end("FINISHED");
  },
});

Deno.test({
  name: "withRun() against MLflow leaves a FAILED run when the pipeline throws",
  ignore: env.ignore,
  fn: async () => {
    const c = client();
    const store = new MlflowRunStore(c, { experiment: `test-failed-${unique()}` });
    let runId = "";
    await assert.rejects(
      withRun(store, { runName: "boom" }, (run) => {
        runId = run.runId;
        return Promise.reject(new Error("Train stage crashed"));
      }),
      /Train stage crashed/,
    );
    const run = await c.getRun(runId);
    assert.equal(run.info.status, "FAILED");
    assert.ok(run.info.end_time);
    assert.equal(run.data.tags?.find((t) => t.key === "error")?.value, "Train stage crashed");
    // A FAILED run takes a late file too (the report page of a failed pipeline).
    const dir = await Deno.makeTempDir({ prefix: "mlflow_failed_" });
    try {
      await Deno.writeTextFile(join(dir, "page.html"), "<html>failed</html>");
      await store.logArtifacts(runId, [
        { localPath: join(dir, "page.html"), artifactPath: "report.html" },
      ]);
      assert.deepEqual(await c.listArtifactsRecursive(runId), ["report.html"]);
      assert.equal((await c.getRun(runId)).info.status, "FAILED");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "MLflow 4xx errors carry MLflow's error_code and message",
  ignore: env.ignore,
  fn: async () => {
    const c = client();
    await assert.rejects(
      c.getRun("0123456789abcdef0123456789abcdef"),
      (e: Error & { errorCode?: string; status?: number }) => {
        assert.equal(e.errorCode, "RESOURCE_DOES_NOT_EXIST");
        assert.match(
          e.message,
          /rejected GET \/api\/2\.0\/mlflow\/runs\/get \(HTTP 404\): RESOURCE_DOES_NOT_EXIST: /,
        );
        return true;
      },
    );
  },
});

Deno.test({
  name:
    "MlflowRunStore: the dataset is the run's input, the model a READY logged model and its version tagged with algorithm, dataset, split and params hash",
  ignore: env.ignore,
  fn: async () => {
    const c = client();
    const experiment = `test-inputs-${unique()}`;
    const modelName = `movie-recommender-${unique()}`;
    const store = new MlflowRunStore(c, { experiment });
    const dir = await modelFolder();
    try {
      const params = {
        "split.kind": "random",
        "split.seed": "42",
        "train.model": "biased-mf",
        "train.factors": "50",
      };
      const record = await recordRun(store, {
        runName: "biased-mf factors=50",
        status: "FINISHED",
        startTime: Date.now() - 1000,
        params,
        metrics: [{ key: "rmse", value: 0.86 }],
        tags: {
          model: "biased-mf",
          "dataset.name": "ml-latest-small",
          "dataset.hash": "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
          "dataset.source": "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip",
          "dataset.ratings": "100836",
          "mlflow.user": "data-scientist",
        },
        artifacts: [{ localPath: join(dir, "model"), artifactPath: "model" }],
        model: { registeredName: modelName, artifactPath: "model", rmse: 0.86 },
      });
      // Read back with MLflow's own REST API, not through our store.
      const got = await c.request<{
        run: {
          info: { user_id?: string };
          inputs?: { dataset_inputs?: { dataset: Record<string, string>; tags?: unknown[] }[] };
          outputs?: { model_outputs?: { model_id: string }[] };
        };
      }>("GET", "/api/2.0/mlflow/runs/get", { query: { run_id: record.runId } });
      const input = got.run.inputs?.dataset_inputs?.[0];
      assert.equal(input?.dataset.name, "ml-latest-small");
      assert.equal(input?.dataset.digest, "696d65a3dfce");
      assert.equal(input?.dataset.source_type, "http");
      assert.match(input?.dataset.source ?? "", /ml-latest-small\.zip/);
      assert.deepEqual(
        JSON.parse(input?.dataset.schema ?? "{}").mlflow_colspec.map((c: { name: string }) =>
          c.name
        ),
        ["userId", "movieId", "rating", "timestamp"],
      );
      assert.equal(JSON.parse(input?.dataset.profile ?? "{}").num_rows, 100836);
      const modelId = got.run.outputs?.model_outputs?.[0]?.model_id;
      assert.ok(modelId, "the run has no logged model as output");
      const logged = await c.getLoggedModel(modelId);
      assert.equal(logged.name, "biased-mf");
      assert.equal(logged.status, "LOGGED_MODEL_READY");
      assert.equal(logged.source_run_id, record.runId);
      const search = await c.request<{ models?: { info: { model_id: string } }[] }>(
        "POST",
        "/api/2.0/mlflow/logged-models/search",
        {
          body: {
            experiment_ids: [
              got.run.info ? (await c.getExperimentByName(experiment))!.experiment_id : "",
            ],
          },
        },
      );
      assert.deepEqual(search.models?.map((m) => m.info.model_id), [modelId]);
      const version = await c.getModelVersionByAlias(modelName, "champion");
      const tags = Object.fromEntries((version?.tags ?? []).map((t) => [t.key, t.value]));
      assert.equal(tags.algorithm, "biased-mf");
      assert.equal(tags.dataset, "ml-latest-small");
      assert.equal(tags.dataset_digest, "696d65a3dfce");
      assert.equal(tags.split, "random seed=42");
      assert.match(tags.params_hash ?? "", /^[0-9a-f]{12}$/);
      assert.equal(tags.rmse, "0.86");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
