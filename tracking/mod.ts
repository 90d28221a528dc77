/**
 * Experiment tracking: every pipeline run recorded in a local run store
 * (`runs/`) and, with `MLFLOW_TRACKING_URI` set, pushed to an MLflow server.
 *
 * Pipeline use:
 * ```ts ignore
 * const store = openRunStore({ experiment: "movie-recommender" });
 * const record = await recordRun(store, { runName, status, startTime, params, metrics, tags, artifacts, model });
 * ```
 *
 * Streaming form (a crash still leaves a FAILED run): `withRun(store, { runName }, async (run) => {
 * run.logParams(...); run.logMetrics(...); ... })`.
 *
 * Tag conventions: `git.commit`, `git.dirty`, `dataset.name`, `dataset.hash`,
 * `deno.version`, `stage.<name>.key` (lock-file key); a stage whose result came
 * from the cache: `stage.<name>.cached` = "true" and `stage.<name>.from_run` = the
 * run id that computed it. Metric keys use MLflow's characters (letters, digits,
 * `_ - . / ` and space): `ndcg_at_10`, not `NDCG@10`.
 *
 * @module
 */
export type { MetricPoint, RunModel, RunRecord, RunStatus } from "./types.ts";
export { latestMetric } from "./types.ts";
export type {
  ActiveRun,
  ArtifactInput,
  ListRunsOptions,
  MetricInput,
  ModelInput,
  RegisteredVersion,
  RunInit,
  RunStore,
} from "./run_store.ts";
export { recordRun, type RunInput } from "./record_run.ts";
export { withRun, type WithRunResult } from "./with_run.ts";
export { openRunStore, type OpenRunStoreOptions } from "./open.ts";
export { LocalRunStore, type LocalRunStoreOptions } from "./local_store.ts";
export { CHAMPION, LocalModelRegistry, type LocalModelVersion } from "./local_registry.ts";
export { MlflowClient, type MlflowClientOptions } from "./mlflow_client.ts";
export { MlflowError } from "./mlflow_error.ts";
export { LOCAL_RUN_ID_TAG, MlflowRunStore, type PushResult } from "./mlflow_store.ts";
export { SyncingRunStore, type SyncSummary } from "./syncing_store.ts";
export { Redactor, redactUri } from "./redactor.ts";
export { newRunId } from "./run_id.ts";
