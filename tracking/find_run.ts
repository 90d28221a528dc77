/**
 * Finds a run from what a person types: a full id, a unique id prefix (local
 * or MLflow id), or an exact run name that only one run has.
 *
 * @module
 */
import type { RunStore } from "./run_store.ts";
import type { RunRecord } from "./types.ts";

/** The one run `ref` names; throws a clear error when none or several match. */
export async function findRun(store: RunStore, ref: string): Promise<RunRecord> {
  const wanted = ref.trim().toLowerCase();
  if (!wanted) throw new Error("Missing run id: give a run id or a unique prefix of one");
  const runs = await store.listRuns();
  let matches = runs.filter((r) =>
    r.runId.startsWith(wanted) || (r.mlflowRunId?.startsWith(wanted) ?? false)
  );
  if (matches.length === 0) matches = runs.filter((r) => r.runName === ref.trim());
  if (matches.length === 0) {
    throw new Error(
      `No run matches "${ref}" in ${store.location}: see \`deno task runs list\` for run ids`,
    );
  }
  if (matches.length > 1) {
    const ids = matches.slice(0, 5).map((r) => r.runId.slice(0, 12)).join(", ");
    throw new Error(
      `Run id "${ref}" is ambiguous: it matches ${matches.length} runs (${ids}): give more characters`,
    );
  }
  // listRuns may hold only the latest metric values (MLflow); getRun has the history.
  return await store.getRun(matches[0]!.runId);
}
