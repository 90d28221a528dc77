/**
 * The streaming form: open a run, log while the pipeline works, and let the run
 * end FINISHED when the callback returns or FAILED when it throws.
 *
 * @module
 */
import type { ActiveRun, RunInit, RunStore } from "./run_store.ts";
import type { RunRecord } from "./types.ts";

/** What {@linkcode withRun} returns. */
export interface WithRunResult<T> {
  readonly result: T;
  readonly record: RunRecord;
}

/**
 * Starts a run, calls `fn` with it, and ends it FINISHED; if `fn` throws, the
 * run ends FAILED with the error's message in the tag `error` and the error is
 * rethrown. A killed process leaves the run RUNNING (as in MLflow).
 *
 * @example
 * ```ts
 * import { LocalRunStore, withRun } from "./mod.ts";
 * const root = await Deno.makeTempDir();
 * const { record } = await withRun(new LocalRunStore(root), { runName: "doc" }, async (run) => {
 *   await run.logMetrics([{ key: "loss", value: 1.2, step: 0 }, { key: "loss", value: 0.8, step: 1 }]);
 * });
 * if (record.metrics.loss?.length !== 2) throw new Error();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function withRun<T>(
  store: RunStore,
  init: RunInit,
  fn: (run: ActiveRun) => Promise<T>,
): Promise<WithRunResult<T>> {
  const run = await store.startRun(init);
  let result: T;
  try {
    result = await fn(run);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await run.setTags({ error: message.slice(0, 1000) }).catch(() => {});
    await run.end("FAILED").catch(() => {});
    throw error;
  }
  return { result, record: await run.end("FINISHED") };
}
