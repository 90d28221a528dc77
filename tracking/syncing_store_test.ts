/**
 * Local first, then MLflow: faults keep the run locally (unsynced) and `syncRuns()`
 * pushes it to the real MLflow server later. Secrets never reach records or logs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { mlflowTestEnv } from "./_mlflow_test_env.ts";
import { LocalRunStore } from "./local_store.ts";
import { MlflowClient } from "./mlflow_client.ts";
import { LOCAL_RUN_ID_TAG } from "./mlflow_store.ts";
import { openRunStore } from "./open.ts";
import { recordRun, type RunInput } from "./record_run.ts";
import { SyncingRunStore } from "./syncing_store.ts";
import { walkFiles } from "./_walk_files.ts";

const env = mlflowTestEnv();
const unique = () => crypto.randomUUID().slice(0, 8);
const fast = { retries: 1, backoffMs: 1 };

function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function fixture(): Promise<{ dir: string; input: (rmse: number) => RunInput }> {
  const dir = await Deno.makeTempDir({ prefix: "sync_test_" });
  await Deno.mkdir(join(dir, "model"));
  await Deno.writeTextFile(join(dir, "model", "manifest.json"), '{"kind":"biased-mf"}');
  await Deno.writeFile(join(dir, "model", "data.bin"), new Uint8Array(1024).fill(3));
  const modelName = `sync-model-${unique()}`;
  return {
    dir,
    input: (rmse) => ({
      runName: `train rmse ${rmse}`,
      status: "FINISHED",
      startTime: Date.now() - 5000,
      params: { "train.factors": "32" },
      metrics: [
        { key: "train_loss", value: 1.2, step: 0 },
        { key: "train_loss", value: 0.9, step: 1 },
        { key: "rmse", value: rmse },
      ],
      tags: { "dataset.name": "tiny" },
      artifacts: [{ localPath: join(dir, "model"), artifactPath: "model" }],
      model: { registeredName: modelName, artifactPath: "model", rmse },
    }),
  };
}

async function allText(dir: string): Promise<string> {
  let text = "";
  for await (const f of walkFiles(dir)) text += await Deno.readTextFile(f).catch(() => "");
  return text;
}

Deno.test("openRunStore() without MLFLOW_TRACKING_URI is the local store; MLFLOW_EXPERIMENT_NAME wins over the default", () => {
  const a = openRunStore({ root: "/tmp/x", env: {}, experiment: "movies" });
  assert.ok(a instanceof LocalRunStore);
  assert.equal(a.experiment, "movies");
  const b = openRunStore({
    root: "/tmp/x",
    env: { MLFLOW_EXPERIMENT_NAME: "nightly" },
    experiment: "movies",
  });
  assert.equal(b.experiment, "nightly");
});

Deno.test("a malformed MLFLOW_TRACKING_URI warns and keeps runs locally, unsynced; strict throws", async () => {
  const { dir, input } = await fixture();
  try {
    const warnings: string[] = [];
    const store = openRunStore({
      root: join(dir, "runs"),
      env: { MLFLOW_TRACKING_URI: "htp:/127.0.0.1 5000" },
      warn: (m) => warnings.push(m),
    });
    assert.ok(store instanceof LocalRunStore);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /MLFLOW_TRACKING_URI.*deno task runs sync/);
    const run = await recordRun(store, input(0.9));
    assert.equal(run.synced, false);
    assert.equal(run.status, "FINISHED");
    assert.throws(
      () => openRunStore({ root: dir, env: { MLFLOW_TRACKING_URI: "nope" }, strict: true }),
      /Invalid MLFLOW_TRACKING_URI "nope"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "MLflow unreachable: the run is kept locally unsynced with a warning, then syncRuns() pushes it to the real MLflow",
  ignore: env.ignore,
  fn: async () => {
    const { dir, input } = await fixture();
    const experiment = `test-sync-${unique()}`;
    const root = join(dir, "runs");
    try {
      const warnings: string[] = [];
      const down = openRunStore({
        root,
        env: {
          MLFLOW_TRACKING_URI: `http://127.0.0.1:${closedPort()}`,
          MLFLOW_EXPERIMENT_NAME: experiment,
        },
        warn: (m) => warnings.push(m),
        client: fast,
      });
      assert.ok(down instanceof SyncingRunStore);
      const local = await recordRun(down, input(0.91));
      assert.equal(local.synced, false);
      assert.match(local.syncError ?? "", /Cannot reach MLflow.*connection refused/);
      assert.equal(local.model?.champion, true, "the local registry still registers the model");
      assert.ok(warnings.some((w) => /not pushed to MLflow.*deno task runs sync/.test(w)));
      // A file attached to the unsynced run waits locally and goes with the run on sync.
      const page = join(dir, "page.html");
      await Deno.writeTextFile(page, "<html>run page</html>");
      await down.logArtifacts(local.runId, [{ localPath: page, artifactPath: "report.html" }]);
      const attached = await down.getRun(local.runId);
      assert.equal(attached.synced, false);
      assert.deepEqual(attached.artifacts, [
        "model/data.bin",
        "model/manifest.json",
        "report.html",
      ]);

      const up = openRunStore({
        root,
        env: { MLFLOW_TRACKING_URI: env.uri(), MLFLOW_EXPERIMENT_NAME: experiment },
        warn: (m) => warnings.push(m),
      }) as SyncingRunStore;
      const summary = await up.syncRuns();
      assert.deepEqual(summary.pushed.map((r) => r.runId), [local.runId]);
      assert.deepEqual(summary.failed, []);
      const after = await up.getRun(local.runId);
      assert.equal(after.synced, true);
      assert.equal(after.syncError, undefined);
      assert.match(after.mlflowRunId ?? "", /^[0-9a-f]{32}$/);
      assert.equal(after.model?.mlflowChampion, true);

      const c = new MlflowClient({ uri: env.uri() });
      const exp = await c.getExperimentByName(experiment);
      const found = await c.searchRuns({
        experimentIds: [exp!.experiment_id],
        filter: `metrics.rmse < 1 and tags.\`${LOCAL_RUN_ID_TAG}\` = '${local.runId}'`,
      });
      assert.deepEqual(found.map((r) => r.info.run_id), [after.mlflowRunId]);
      assert.equal(found[0]?.info.status, "FINISHED");
      assert.equal(found[0]?.info.start_time, local.startTime);
      assert.deepEqual((await c.getMetricHistory(after.mlflowRunId!, "train_loss")).length, 2);
      assert.deepEqual(await c.listArtifactsRecursive(after.mlflowRunId!), [
        "model/data.bin",
        "model/manifest.json",
        "report.html",
      ]);
      const champion = await c.getModelVersionByAlias(local.model!.registeredName, "champion");
      assert.equal(champion?.run_id, after.mlflowRunId);

      const again = await up.syncRuns();
      assert.equal(again.pushed.length, 0, "nothing left to sync");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "openRunStore() with a live MLflow: the run is stored locally and in MLflow, marked synced",
  ignore: env.ignore,
  fn: async () => {
    const { dir, input } = await fixture();
    const experiment = `test-live-${unique()}`;
    try {
      const store = openRunStore({
        root: join(dir, "runs"),
        env: { MLFLOW_TRACKING_URI: env.uri() },
        experiment,
      });
      const run = await recordRun(store, input(0.8));
      assert.equal(run.synced, true);
      assert.equal(run.experiment, experiment);
      assert.ok(run.mlflowUrl?.startsWith(env.uri().replace(/\/$/, "")));
      const c = new MlflowClient({ uri: env.uri() });
      const mlflowRun = await c.getRun(run.mlflowRunId!);
      assert.equal(mlflowRun.info.status, "FINISHED");
      assert.equal(mlflowRun.data.params?.[0]?.value, "32");

      // A file attached to the pushed run goes to its MLflow run at once; it stays synced.
      const page = join(dir, "page.html");
      await Deno.writeTextFile(page, "<html>run page</html>");
      await store.logArtifacts(run.runId, [{ localPath: page, artifactPath: "report.html" }]);
      assert.equal((await store.getRun(run.runId)).synced, true);
      assert.deepEqual(await c.listArtifactsRecursive(run.mlflowRunId!), [
        "model/data.bin",
        "model/manifest.json",
        "report.html",
      ]);

      // MLflow down while attaching: kept locally, the run marked unsynced with a warning ...
      const warnings: string[] = [];
      const down = openRunStore({
        root: join(dir, "runs"),
        env: { MLFLOW_TRACKING_URI: `http://127.0.0.1:${closedPort()}` },
        experiment,
        warn: (m) => warnings.push(m),
        client: fast,
      });
      await down.logArtifacts(run.runId, [{ localPath: page, artifactPath: "notes/late.html" }]);
      const kept = await down.getRun(run.runId);
      assert.equal(kept.synced, false);
      assert.match(kept.syncError ?? "", /Cannot reach MLflow/);
      assert.ok(kept.artifacts.includes("notes/late.html"));
      assert.ok(warnings.some((w) => /not uploaded to MLflow.*deno task runs sync/.test(w)));
      // ... and sync uploads what the MLflow run lacks, into the same MLflow run.
      const summary = await (store as SyncingRunStore).syncRuns();
      assert.deepEqual(summary.pushed.map((r) => r.mlflowRunId), [run.mlflowRunId]);
      assert.equal((await store.getRun(run.runId)).synced, true);
      assert.deepEqual(await c.listArtifactsRecursive(run.mlflowRunId!), [
        "model/data.bin",
        "model/manifest.json",
        "notes/late.html",
        "report.html",
      ]);
      const exp = await c.getExperimentByName(experiment);
      const copies = await c.searchRuns({
        experimentIds: [exp!.experiment_id],
        filter: `tags.\`${LOCAL_RUN_ID_TAG}\` = '${run.runId}'`,
      });
      assert.equal(copies.length, 1, "no second MLflow run for the local run");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "server dies mid-push: the partial MLflow run is replaced by sync, never duplicated",
  ignore: env.ignore,
  fn: async () => {
    const { dir, input } = await fixture();
    const experiment = `test-midway-${unique()}`;
    const root = join(dir, "runs");
    const target = env.uri().replace(/\/$/, "");
    let forwarded = 0;
    // A reverse proxy to the real MLflow whose backend "dies" after a few requests.
    const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      if (forwarded >= 6) {
        await req.body?.cancel();
        return new Response("<html><body>502 Bad Gateway</body></html>", {
          status: 502,
          headers: { "content-type": "text/html" },
        });
      }
      forwarded++;
      const url = new URL(req.url);
      const res = await fetch(target + url.pathname + url.search, {
        method: req.method,
        headers: req.headers,
        ...(req.body ? { body: await req.arrayBuffer() } : {}),
      });
      return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
    });
    try {
      const warnings: string[] = [];
      const flaky = openRunStore({
        root,
        env: { MLFLOW_TRACKING_URI: `http://127.0.0.1:${proxy.addr.port}` },
        experiment,
        warn: (m) => warnings.push(m),
        client: fast,
      });
      const local = await recordRun(flaky, input(0.7));
      assert.equal(local.synced, false);
      assert.match(local.syncError ?? "", /HTTP 502/);

      const c = new MlflowClient({ uri: env.uri() });
      const exp = await c.getExperimentByName(experiment);
      const filter = `tags.\`${LOCAL_RUN_ID_TAG}\` = '${local.runId}'`;
      const partial = await c.searchRuns({ experimentIds: [exp!.experiment_id], filter });
      assert.equal(partial.length, 1);
      assert.equal(partial[0]?.info.status, "RUNNING", "the push stopped midway");

      const up = openRunStore({
        root,
        env: { MLFLOW_TRACKING_URI: env.uri() },
        experiment,
      }) as SyncingRunStore;
      const summary = await up.syncRuns();
      assert.equal(summary.pushed.length, 1);
      const runs = await c.searchRuns({ experimentIds: [exp!.experiment_id], filter });
      assert.equal(runs.length, 1, "exactly one active MLflow run for the local run");
      assert.equal(runs[0]?.info.status, "FINISHED");
      assert.notEqual(runs[0]?.info.run_id, partial[0]?.info.run_id);
      assert.equal((await c.getMetricHistory(runs[0]!.info.run_id, "train_loss")).length, 2);
    } finally {
      await proxy.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "syncRuns() also pushes runs recorded before MLflow was configured",
  ignore: env.ignore,
  fn: async () => {
    const { dir, input } = await fixture();
    const experiment = `test-sync-local-${unique()}`;
    const root = join(dir, "runs");
    try {
      const offline = openRunStore({ root, env: { MLFLOW_EXPERIMENT_NAME: experiment } });
      assert.ok(!(offline instanceof SyncingRunStore), "no MLflow configured: the local store");
      const local = await recordRun(offline, input(0.93));
      assert.equal(local.synced, undefined, "never offered to MLflow");

      const up = openRunStore({
        root,
        env: { MLFLOW_TRACKING_URI: env.uri(), MLFLOW_EXPERIMENT_NAME: experiment },
      }) as SyncingRunStore;
      const summary = await up.syncRuns();
      assert.deepEqual(summary.pushed.map((r) => r.runId), [local.runId]);
      const after = await up.getRun(local.runId);
      assert.equal(after.synced, true);
      const c = new MlflowClient({ uri: env.uri() });
      const exp = await c.getExperimentByName(experiment);
      const found = await c.searchRuns({
        experimentIds: [exp!.experiment_id],
        filter: `tags.\`${LOCAL_RUN_ID_TAG}\` = '${local.runId}'`,
      });
      assert.deepEqual(found.map((r) => r.info.run_id), [after.mlflowRunId]);
      assert.equal((await up.syncRuns()).pushed.length, 0, "nothing left to sync");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("secrets in the token, the URI and basic auth never appear in run records, warnings or errors", async (t) => {
  const token = "tok-SECRET-7f3a9c1d2e";
  const password = "pa55-SECRET-w0rd";
  const seenAuth: string[] = [];
  // A chatty server that echoes what it got (URL and Authorization header) in its errors.
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.body?.cancel();
    const auth = req.headers.get("authorization") ?? "";
    seenAuth.push(auth);
    return Response.json(
      { error_code: "UNAUTHENTICATED", message: `bad credentials ${auth} for ${req.url}` },
      { status: 401 },
    );
  });
  const port = server.addr.port;
  const { dir, input } = await fixture();
  try {
    const basic = btoa(`alice:${password}`);
    const cases: [string, Record<string, string>, string, string[]][] = [
      [
        "bearer token",
        { MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`, MLFLOW_TRACKING_TOKEN: token },
        `Bearer ${token}`,
        [token],
      ],
      [
        "password in the URI",
        { MLFLOW_TRACKING_URI: `http://alice:${password}@127.0.0.1:${port}` },
        `Basic ${basic}`,
        [password, basic],
      ],
      [
        "username and password variables",
        {
          MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`,
          MLFLOW_TRACKING_USERNAME: "alice",
          MLFLOW_TRACKING_PASSWORD: password,
        },
        `Basic ${basic}`,
        [password, basic],
      ],
    ];
    for (const [name, envVars, expectedAuth, secrets] of cases) {
      await t.step(name, async () => {
        const root = join(dir, `runs-${unique()}`);
        const logs: string[] = [];
        const store = openRunStore({ root, env: envVars, warn: (m) => logs.push(m), client: fast });
        const base = input(0.9);
        // A careless caller leaks the secret into params and tags; it is masked too.
        const run = await recordRun(store, {
          ...base,
          params: {
            ...base.params,
            "env.uri": envVars.MLFLOW_TRACKING_URI!,
            "env.secret": secrets[0]!,
          },
          tags: { ...base.tags, auth: `secret=${secrets[0]}` },
        });
        assert.equal(seenAuth.at(-1), expectedAuth, "credentials were sent");
        assert.equal(run.synced, false);
        assert.match(
          run.syncError ?? "",
          /HTTP 401.*UNAUTHENTICATED: bad credentials (Bearer|Basic) \*\*\*/,
        );
        assert.equal(run.params["env.secret"], "***");
        assert.equal(run.tags.auth, "secret=***");
        const everything = [JSON.stringify(run), ...logs, store.location, await allText(root)].join(
          "\n",
        );
        for (const secret of secrets) {
          assert.ok(!everything.includes(secret), `secret "${secret.slice(0, 6)}..." leaked`);
        }
        assert.ok(logs.length >= 1);
      });
    }
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("after MLflow did not answer once, later runs are kept unsynced without waiting through retries again", async () => {
  // A TCP server that accepts and drops every connection: MLflow "does not answer".
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      connections++;
      conn.close();
    }
  })();
  const root = await Deno.makeTempDir({ prefix: "sync_down_" });
  const warnings: string[] = [];
  const store = openRunStore({
    root,
    env: { MLFLOW_TRACKING_URI: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}` },
    client: { retries: 2, backoffMs: 1 },
    warn: (m) => warnings.push(m),
  });
  try {
    const { input } = await fixture();
    const first = await recordRun(store, input(0.9));
    const afterFirst = connections;
    const second = await recordRun(store, input(0.8));
    assert.equal(first.synced, false);
    assert.equal(second.synced, false);
    assert.ok(afterFirst >= 3, `the first push tried and retried (${afterFirst} connections)`);
    assert.equal(connections, afterFirst, "the second push did not try again");
    assert.ok(warnings.some((w) => w.includes("no further runs are pushed in this process")));
    assert.equal((await store.listRuns()).filter((r) => r.synced === false).length, 2);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    await Deno.remove(root, { recursive: true });
  }
});
