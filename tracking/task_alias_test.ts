import assert from "node:assert/strict";
import { join } from "node:path";
import { mlflowTestEnv } from "./_mlflow_test_env.ts";
import { MlflowClient } from "./mlflow_client.ts";
import { MlflowRunStore } from "./mlflow_store.ts";
import { LocalRunStore } from "./local_store.ts";
import { recordRun } from "./record_run.ts";
import type { RunStore } from "./run_store.ts";
import type { TaskAliasRequest } from "./task_alias.ts";
import { openRunStore } from "./open.ts";
import { SyncingRunStore } from "./syncing_store.ts";

const env = mlflowTestEnv();
const unique = () => crypto.randomUUID().slice(0, 8);

/** Registers one version asking for `champion-ranking` with the given holdout value and context. */
async function register(
  store: RunStore,
  dir: string,
  name: string,
  ask: Omit<TaskAliasRequest, "alias" | "higherIsBetter">,
) {
  const record = await recordRun(store, {
    runName: `ease ${ask.value}`,
    status: "FINISHED",
    startTime: 1_700_000_000_000,
    params: {},
    metrics: [{ key: "rmse", value: 0.87 }],
    tags: { model: "ease" },
    artifacts: [{ localPath: join(dir, "model"), artifactPath: "model" }],
    model: {
      registeredName: name,
      artifactPath: "model",
      rmse: 0.87,
      taskAliases: [{ alias: "champion-ranking", higherIsBetter: true, ...ask }],
    },
  });
  return record.model!.version;
}

/** Registers four versions and checks where the alias goes after each. */
async function expectRule(
  store: RunStore,
  aliasOf: (name: string) => Promise<string | undefined>,
) {
  const dir = await Deno.makeTempDir({ prefix: "task_alias_" });
  await Deno.mkdir(join(dir, "model"));
  await Deno.writeTextFile(join(dir, "model", "manifest.json"), '{"model":"ease"}');
  const name = `movierec-alias-${unique()}`;
  try {
    const v1 = await register(store, dir, name, { value: 0.30, context: "data-a:split-1" });
    assert.equal(await aliasOf(name), v1, "the first version takes the free alias");
    await register(store, dir, name, { value: 0.29, context: "data-a:split-1" });
    assert.equal(await aliasOf(name), v1, "a worse holdout value does not move it");
    const v3 = await register(store, dir, name, { value: 0.31, context: "data-a:split-1" });
    assert.equal(await aliasOf(name), v3, "a better one on the same data and split does");
    await register(store, dir, name, { value: 0.90, context: "data-b:split-1" });
    assert.equal(await aliasOf(name), v3, "a value measured on other data is not comparable");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("task aliases move only between versions measured on the same data and split (local registry)", async () => {
  const root = await Deno.makeTempDir({ prefix: "task_alias_local_" });
  try {
    const store = new LocalRunStore(root);
    await expectRule(
      store,
      async (name) => (await store.registry.alias(name, "champion-ranking"))?.version,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "task aliases move only between versions measured on the same data and split (MLflow)",
  ignore: env.ignore,
  fn: async () => {
    const client = new MlflowClient({ uri: env.uri(), retries: 2, backoffMs: 50 });
    const store = new MlflowRunStore(client, { experiment: `test-alias-${unique()}` });
    await expectRule(
      store,
      async (name) => (await client.getModelVersionByAlias(name, "champion-ranking"))?.version,
    );
  },
});

Deno.test({
  name: "task aliases asked for in a local run reach MLflow when the run is synced",
  ignore: env.ignore,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "task_alias_sync_" });
    const experiment = `test-alias-sync-${unique()}`;
    const name = `movierec-alias-${unique()}`;
    try {
      await Deno.mkdir(join(root, "model"));
      await Deno.writeTextFile(join(root, "model", "manifest.json"), '{"model":"ease"}');
      const offline = openRunStore({
        root: join(root, "runs"),
        env: { MLFLOW_EXPERIMENT_NAME: experiment },
      });
      await register(offline, root, name, { value: 0.3, context: "data-a:split-1" });
      const up = openRunStore({
        root: join(root, "runs"),
        env: { MLFLOW_TRACKING_URI: env.uri(), MLFLOW_EXPERIMENT_NAME: experiment },
      }) as SyncingRunStore;
      const summary = await up.syncRuns();
      assert.equal(summary.pushed.length, 1);
      const client = new MlflowClient({ uri: env.uri() });
      const held = await client.getModelVersionByAlias(name, "champion-ranking");
      assert.equal(held?.run_id, summary.pushed[0]!.mlflowRunId);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
