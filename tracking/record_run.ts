/**
 * The one-shot form: the pipeline hands over a finished (or failed) run with
 * everything it produced and the store records it in one go.
 *
 * @module
 */
import type { ArtifactInput, MetricInput, ModelInput, RunStore } from "./run_store.ts";
import type { RunRecord, RunStatus } from "./types.ts";

/** A complete run, as the pipeline knows it at its end. */
export interface RunInput {
  /** Experiment; leave unset to use the store's (MLFLOW_EXPERIMENT_NAME or openRunStore's). */
  readonly experiment?: string;
  readonly runName: string;
  readonly status: Exclude<RunStatus, "RUNNING">;
  /** Milliseconds since the epoch. */
  readonly startTime: number;
  /** Milliseconds since the epoch; defaults to now. */
  readonly endTime?: number;
  /** Flattened params: `{ "train.factors": "100" }`. */
  readonly params: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricInput[];
  readonly tags: Readonly<Record<string, string>>;
  readonly artifacts: readonly ArtifactInput[];
  /** Registered only when `status` is FINISHED. */
  readonly model?: ModelInput;
}

/**
 * Records a whole run: start, params, metrics, tags, artifacts, model
 * registration (FINISHED runs only), end. If a step throws, the run is ended
 * as FAILED before the error is rethrown, so no run is left RUNNING.
 *
 * @example
 * ```ts
 * import { LocalRunStore, recordRun } from "./mod.ts";
 * const root = await Deno.makeTempDir();
 * const run = await recordRun(new LocalRunStore(root), {
 *   runName: "doc", status: "FINISHED", startTime: Date.now(),
 *   params: { "train.factors": "20" }, metrics: [{ key: "rmse", value: 0.9 }],
 *   tags: {}, artifacts: [],
 * });
 * if (run.status !== "FINISHED" || run.params["train.factors"] !== "20") throw new Error();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function recordRun(store: RunStore, input: RunInput): Promise<RunRecord> {
  const run = await store.startRun({
    ...(input.experiment !== undefined ? { experiment: input.experiment } : {}),
    runName: input.runName,
    startTime: input.startTime,
    tags: input.tags,
  });
  try {
    if (Object.keys(input.params).length > 0) await run.logParams(input.params);
    if (input.metrics.length > 0) await run.logMetrics(input.metrics);
    for (const artifact of input.artifacts) await run.logArtifact(artifact);
    if (input.model && input.status === "FINISHED") await run.registerModel(input.model);
  } catch (error) {
    await run.end("FAILED", input.endTime).catch(() => {});
    throw error;
  }
  return await run.end(input.status, input.endTime);
}
