/**
 * Writes the whole report: `index.html`, one page per run under `runs/`, and
 * compare pages under `compare/` (each model's best run against every other
 * run of that model, plus any pair asked for). Every file is written
 * atomically.
 *
 * @module
 */
import { join } from "node:path";
import type { RunRecord } from "../../tracking/types.ts";
import type { RunReportData } from "./run_report_data.ts";
import { bestRun, toRunView } from "./_run_view.ts";
import { comparePagePath, runPagePath } from "./page_paths.ts";
import { type NotebookLink, renderIndexPage } from "./index_page.ts";
import { renderRunPage } from "./run_page.ts";
import { renderComparePage } from "./compare_page.ts";
import { writeFileAtomic } from "../../dag/atomic.ts";

/** Inputs of {@linkcode writeReports}. */
export interface WriteReportsOptions {
  readonly runs: readonly RunRecord[];
  /** Folder to write into. Default `reports`. */
  readonly outDir?: string;
  /** A run's report data (its `report_data.json` artifact), when it has one. */
  readonly runData?: (
    runId: string,
  ) => RunReportData | undefined | Promise<RunReportData | undefined>;
  readonly notebooks?: readonly NotebookLink[];
  /** Also write the compare page of this pair (A is the baseline). */
  readonly compare?: readonly [string, string];
  /** Table rows per page on the index. Default 50. */
  readonly pageSize?: number;
  /** Runs shown on the over-time charts. Default 100. */
  readonly latestN?: number;
  /** Shown in page footers. Default now. */
  readonly generatedAt?: Date;
}

/** What {@linkcode writeReports} wrote (absolute or `outDir`-joined paths). */
export interface WriteReportsResult {
  readonly index: string;
  readonly runPages: readonly string[];
  readonly comparePages: readonly string[];
  /** The on-demand compare page, when `compare` was given. */
  readonly comparePage?: string;
  /** Problems that did not stop the report (e.g. unreadable report data). */
  readonly warnings: readonly string[];
}

/**
 * For each finished run, the best run of its model it is compared against
 * (none for the best itself; failed runs have nothing to compare).
 */
function _bestOfModel(runs: readonly RunRecord[]): Map<string, string> {
  const views = runs.map(toRunView);
  const byModel = new Map<string, typeof views>();
  for (const v of views) byModel.set(v.model, [...(byModel.get(v.model) ?? []), v]);
  const pairs = new Map<string, string>();
  for (const group of byModel.values()) {
    const best = bestRun(group);
    if (!best) continue;
    for (const v of group) {
      if (v.id !== best.id && v.status === "FINISHED") pairs.set(v.id, best.id);
    }
  }
  return pairs;
}

/**
 * Writes the report for `runs` into `outDir`.
 *
 * @throws {Error} When `compare` names a run that is not in `runs`, or a file cannot be written.
 */
export async function writeReports(options: WriteReportsOptions): Promise<WriteReportsResult> {
  const outDir = options.outDir ?? "reports";
  const generatedAt = options.generatedAt ?? new Date();
  const runs = options.runs;
  const byId = new Map(runs.map((r) => [r.runId, r]));
  if (options.compare) {
    for (const id of options.compare) {
      if (!byId.has(id)) {
        throw new Error(
          `Cannot compare runs: no run with id "${id}"; run \`deno task runs list\` to see the run ids`,
        );
      }
    }
  }
  const warnings: string[] = [];
  const baselineOf = _bestOfModel(runs);
  const overallBest = bestRun(runs.map(toRunView));

  const comparePages: string[] = [];
  for (const [runId, baselineId] of baselineOf) {
    const path = join(outDir, comparePagePath(baselineId, runId));
    await writeFileAtomic(
      path,
      renderComparePage(byId.get(baselineId)!, byId.get(runId)!, { generatedAt }),
    );
    comparePages.push(path);
  }
  let comparePage: string | undefined;
  if (options.compare) {
    const [a, b] = options.compare;
    comparePage = join(outDir, comparePagePath(a, b));
    await writeFileAtomic(
      comparePage,
      renderComparePage(byId.get(a)!, byId.get(b)!, { generatedAt }),
    );
  }

  const runPages: string[] = [];
  for (const run of runs) {
    let data: RunReportData | undefined;
    try {
      data = await options.runData?.(run.runId);
    } catch (error) {
      warnings.push(`Run ${run.runId}: report data left out: ${(error as Error).message}`);
    }
    const baseline = baselineOf.get(run.runId);
    const html = await renderRunPage(run, data, {
      compareHref: baseline ? `../${comparePagePath(baseline, run.runId)}` : undefined,
      isBest: overallBest?.id === run.runId,
      generatedAt,
    });
    const path = join(outDir, runPagePath(run.runId));
    await writeFileAtomic(path, html);
    runPages.push(path);
  }

  const index = join(outDir, "index.html");
  await writeFileAtomic(
    index,
    await renderIndexPage(runs, {
      notebooks: options.notebooks,
      pageSize: options.pageSize,
      latestN: options.latestN,
      generatedAt,
      compareHref: (runId) => {
        const baseline = baselineOf.get(runId);
        return baseline ? comparePagePath(baseline, runId) : undefined;
      },
    }),
  );
  return { index, runPages, comparePages, comparePage, warnings };
}
