/**
 * Finds a run from what a person types: a full id, a unique id prefix (local
 * or MLflow id), or an exact run name that only one run (of those a filter
 * keeps) has; an ambiguous name lists its candidates.
 *
 * @module
 */
import type { RunStore } from "./run_store.ts";
import type { RunRecord } from "./types.ts";

/** Options of {@linkcode findRun}. */
export interface FindRunOptions {
  /** A name need only be unique among the runs this keeps (e.g. a `--filter`); ids match any run. */
  readonly filter?: (run: RunRecord) => boolean;
  /** Said in the error when a name is ambiguous, e.g. `--filter`. */
  readonly narrowHint?: string;
}

/** `6cdc1b4d  2025-01-06 09:00  FINISHED  rmse 0.8612`: one candidate of an ambiguous name. */
function _candidate(r: RunRecord): string {
  const rmse = r.metrics.rmse?.at(-1)?.value;
  return `  ${r.runId.slice(0, 8)}  ${
    new Date(r.startTime).toISOString().slice(0, 16).replace("T", " ")
  }  ${r.status}${rmse !== undefined ? `  rmse ${rmse.toFixed(4)}` : ""}`;
}

/**
 * The one run `ref` names: a full id, a unique id prefix, or a run name that
 * only one candidate has; throws a clear error when none or several match,
 * listing the candidates of an ambiguous name.
 */
export async function findRun(
  store: RunStore,
  ref: string,
  options: FindRunOptions = {},
): Promise<RunRecord> {
  const wanted = ref.trim().toLowerCase();
  if (!wanted) throw new Error("Missing run id: give a run id or a unique prefix of one");
  const all = await store.listRuns();
  // An id is an id; only a name needs the filter to tell runs apart.
  let matches = all.filter((r) =>
    r.runId.startsWith(wanted) || (r.mlflowRunId?.startsWith(wanted) ?? false)
  );
  let byName = false;
  if (matches.length === 0) {
    matches = (options.filter ? all.filter(options.filter) : all)
      .filter((r) => r.runName === ref.trim());
    byName = true;
  }
  if (matches.length === 0) {
    throw new Error(
      `No run matches "${ref}" in ${store.location}${
        options.filter ? " (with the filter)" : ""
      }: see \`deno task runs list\` for run ids and names`,
    );
  }
  if (matches.length > 1) {
    const shown = matches.slice(0, 10).map(_candidate).join("\n");
    const more = matches.length > 10 ? `\n  ... and ${matches.length - 10} more` : "";
    throw new Error(
      byName
        ? `Run name "${ref}" matches ${matches.length} runs: give one of their ids${
          options.narrowHint ? ` or narrow them with ${options.narrowHint}` : ""
        }:\n${shown}${more}`
        : `Run id "${ref}" is ambiguous: it matches ${matches.length} runs: give more characters:\n${shown}${more}`,
    );
  }
  // listRuns may hold only the latest metric values (MLflow); getRun has the history.
  return await store.getRun(matches[0]!.runId);
}
