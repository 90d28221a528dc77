/**
 * Writes the whole report: `index.html` with its data (`index-data.js`,
 * `index-data.json`, `curves-data.js`, `assets/vega.min.js`), one page per run under `runs/`, and
 * compare pages under `compare/` (each model's best run against every other
 * run of that model, plus any pair asked for). Every file is written
 * atomically.
 *
 * The build is incremental: each run and compare page carries a content key
 * (`<meta name="report-key">`, a hash of everything the page shows plus the
 * generator's own code version). A page whose file already holds the key it
 * would get now is neither rendered nor written. The index is always written.
 * Pages of runs that no longer exist are deleted.
 *
 * @module
 */
import { join } from "node:path";
import type { RunRecord } from "../../tracking/types.ts";
import type { RunReportData } from "../run_report_data.ts";
import { bestRun, toRunView } from "./_run_view.ts";
import { comparePagePath, fileSafeId, runPagePath } from "./page_paths.ts";
import { type NotebookLink, renderIndex, VEGA_ASSET } from "./index_page.ts";
import { dataScript, INDEX_DATA_FILES } from "./index_data.ts";
import { vegaBrowserBundle } from "./_vega_bundle.ts";
import { renderRunPage } from "./run_page.ts";
import { renderComparePage } from "./compare_page.ts";
import { pageKey, readPageKey, sha256Hex } from "./_page_key.ts";
import { stableJson } from "./_stable_json.ts";
import { writeFileAtomic } from "../../lib/atomic.ts";
import { REPORT_PAGE_ARTIFACT } from "../run_keys.ts";

/**
 * A run's report data, read lazily: a cheap fingerprint that changes whenever
 * the data does (e.g. a hash of the file's bytes), and the parsed data, loaded
 * only when the run's page has to be rendered again.
 */
export interface RunDataSource {
  readonly fingerprint: string;
  readonly load: () => RunReportData | undefined | Promise<RunReportData | undefined>;
}

/** Inputs of {@linkcode writeReports}. */
export interface WriteReportsOptions {
  readonly runs: readonly RunRecord[];
  /** Folder to write into. Default `reports`. */
  readonly outDir?: string;
  /**
   * A run's report data (its `report_data.json` artifact), when it has one.
   * Called for every run (the page key hashes the data); prefer
   * {@linkcode WriteReportsOptions.runDataSource}, which is used instead when given.
   */
  readonly runData?: (
    runId: string,
  ) => RunReportData | undefined | Promise<RunReportData | undefined>;
  /** A run's report data, read lazily (see {@linkcode RunDataSource}); undefined when it has none. */
  readonly runDataSource?: (
    runId: string,
  ) => RunDataSource | undefined | Promise<RunDataSource | undefined>;
  readonly notebooks?: readonly NotebookLink[];
  /** Also write the compare page of this pair (A is the baseline). */
  readonly compare?: readonly [string, string];
  /**
   * Delete pages of runs that are not in `runs` (deleted runs). Default true;
   * false when `runs` is only part of the store (one experiment), so other
   * experiments' pages in the same folder stay.
   */
  readonly removeStale?: boolean;
  /** Table rows per page on the index. Default 50. */
  readonly pageSize?: number;
  /** Runs shown on the over-time charts. Default 100. */
  readonly latestN?: number;
  /** Shown in page footers (of the pages written by this build). Default now. */
  readonly generatedAt?: Date;
}

/** What {@linkcode writeReports} wrote (absolute or `outDir`-joined paths). */
export interface WriteReportsResult {
  readonly index: string;
  /** Every run's page, whether written by this build or already up to date. */
  readonly runPages: readonly string[];
  /** Every best-vs-other compare page, whether written by this build or already up to date. */
  readonly comparePages: readonly string[];
  /** The on-demand compare page, when `compare` was given. */
  readonly comparePage?: string;
  /** Run and compare pages rendered and written by this build (the index not counted). */
  readonly written: number;
  /** Run and compare pages left as they were because their content key had not changed. */
  readonly skipped: number;
  /** Run pages written and left up to date (they add up to `runPages.length`). */
  readonly runs: { readonly written: number; readonly upToDate: number };
  /**
   * Compare pages written and left up to date: the best-vs-other ones, the
   * on-demand one and those asked for in earlier builds.
   */
  readonly compares: { readonly written: number; readonly upToDate: number };
  /** One line that adds up: `12 run pages: 6 written, 6 up to date; 10 compare pages: ...`. */
  readonly summary: string;
  /** Pages deleted because their run no longer exists. */
  readonly removed: readonly string[];
  /** Problems that did not stop the report (e.g. unreadable report data). */
  readonly warnings: readonly string[];
}

/** Names the writer gives run pages (see `fileSafeId`); temp files start with a dot. */
const _RUN_PAGE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.html$/;
/** Names the writer gives compare pages: `<id>_vs_<id>.html`. */
const _COMPARE_PAGE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*_vs_[A-Za-z0-9_-][A-Za-z0-9._-]*\.html$/;

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
 * The run as a page's key sees it: without its page snapshot (`report.html`,
 * attached by the report stage after writing the page), so attaching the
 * snapshot does not make the page it was taken from out of date.
 */
function _keyed(run: RunRecord): RunRecord {
  return run.artifacts.includes(REPORT_PAGE_ARTIFACT)
    ? { ...run, artifacts: run.artifacts.filter((a) => a !== REPORT_PAGE_ARTIFACT) }
    : run;
}

/** Writes `text` unless the file already holds exactly it (data files, the 0.5 MB Vega bundle). */
async function _writeIfChanged(path: string, text: string): Promise<void> {
  try {
    if ((await Deno.readTextFile(path)) === text) return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await writeFileAtomic(path, text);
}

/** Files of `dir` (not folders); none when it does not exist. */
async function _listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/** The pair of current runs a compare page's file name stands for, if any. */
function _comparePair(
  name: string,
  idOfFile: ReadonlyMap<string, string>,
): [string, string] | undefined {
  const stem = name.slice(0, -".html".length);
  for (let at = stem.indexOf("_vs_"); at >= 0; at = stem.indexOf("_vs_", at + 1)) {
    const a = idOfFile.get(stem.slice(0, at));
    const b = idOfFile.get(stem.slice(at + 4));
    if (a !== undefined && b !== undefined) return [a, b];
  }
  return undefined;
}

/**
 * Writes the report for `runs` into `outDir`, rendering only the pages whose
 * content changed since the last build.
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
  const counts = { runWritten: 0, runSkipped: 0, compareWritten: 0, compareSkipped: 0 };

  /** Writes the compare page of (a, b) unless its file is up to date; returns its path. */
  const writeCompare = async (a: string, b: string): Promise<string> => {
    const path = join(outDir, comparePagePath(a, b));
    const runA = byId.get(a)!;
    const runB = byId.get(b)!;
    const key = await pageKey({ page: "compare", a: _keyed(runA), b: _keyed(runB) });
    if ((await readPageKey(path)) === key) {
      counts.compareSkipped++;
    } else {
      await writeFileAtomic(
        path,
        renderComparePage(runA, runB, { generatedAt, reportKey: key }),
      );
      counts.compareWritten++;
    }
    return path;
  };

  const comparePages: string[] = [];
  const wanted = new Set<string>();
  for (const [runId, baselineId] of baselineOf) {
    comparePages.push(await writeCompare(baselineId, runId));
    wanted.add(comparePagePath(baselineId, runId));
  }
  let comparePage: string | undefined;
  if (options.compare) {
    const [a, b] = options.compare;
    if (!wanted.has(comparePagePath(a, b))) {
      comparePage = await writeCompare(a, b);
      wanted.add(comparePagePath(a, b));
    } else {
      comparePage = join(outDir, comparePagePath(a, b));
    }
  }

  // Compare pages asked for in earlier builds: kept up to date while both runs exist, else deleted.
  const removed: string[] = [];
  const idOfFile = new Map(runs.map((r) => [fileSafeId(r.runId), r.runId]));
  for (const name of await _listFiles(join(outDir, "compare"))) {
    if (!_COMPARE_PAGE_NAME.test(name) || wanted.has(`compare/${name}`)) continue;
    const pair = _comparePair(name, idOfFile);
    if (pair && comparePagePath(pair[0], pair[1]) === `compare/${name}`) {
      await writeCompare(pair[0], pair[1]);
    } else if (options.removeStale !== false) {
      const path = join(outDir, "compare", name);
      await Deno.remove(path);
      removed.push(path);
    }
  }

  const runPages: string[] = [];
  for (const run of runs) {
    // How the data is fingerprinted and loaded: lazily from a source, or eagerly from runData.
    let fingerprint: string | null = null;
    let load: (() => RunReportData | undefined | Promise<RunReportData | undefined>) | undefined;
    let dataFailed = false;
    const dataWarning = (error: unknown) => {
      dataFailed = true;
      warnings.push(`Run ${run.runId}: report data left out: ${(error as Error).message}`);
    };
    try {
      if (options.runDataSource) {
        const source = await options.runDataSource(run.runId);
        if (source) {
          fingerprint = source.fingerprint;
          load = source.load;
        }
      } else if (options.runData) {
        const data = await options.runData(run.runId);
        if (data) {
          fingerprint = sha256Hex(stableJson(data));
          load = () => data;
        }
      }
    } catch (error) {
      dataWarning(error);
    }
    const baseline = baselineOf.get(run.runId);
    const compareHref = baseline ? `../${comparePagePath(baseline, run.runId)}` : undefined;
    const isBest = overallBest?.id === run.runId;
    const path = join(outDir, runPagePath(run.runId));
    runPages.push(path);
    const key = await pageKey({
      page: "run",
      run: _keyed(run),
      data: fingerprint,
      compareHref,
      isBest,
    });
    // A page whose data could not be read carries no key, so it is retried (and warned) next time.
    if (!dataFailed && (await readPageKey(path)) === key) {
      counts.runSkipped++;
      continue;
    }
    let data: RunReportData | undefined;
    try {
      data = await load?.();
    } catch (error) {
      dataWarning(error);
    }
    const html = await renderRunPage(run, data, {
      compareHref,
      isBest,
      generatedAt,
      reportKey: dataFailed ? undefined : key,
    });
    await writeFileAtomic(path, html);
    counts.runWritten++;
  }
  const pageNames = new Set(runs.map((r) => runPagePath(r.runId)));
  for (const name of options.removeStale === false ? [] : await _listFiles(join(outDir, "runs"))) {
    if (!_RUN_PAGE_NAME.test(name) || pageNames.has(`runs/${name}`)) continue;
    const path = join(outDir, "runs", name);
    await Deno.remove(path);
    removed.push(path);
  }

  const index = join(outDir, "index.html");
  const rendered = renderIndex(runs, {
    notebooks: options.notebooks,
    pageSize: options.pageSize,
    latestN: options.latestN,
    generatedAt,
    compareHref: (runId) => {
      const baseline = baselineOf.get(runId);
      return baseline ? comparePagePath(baseline, runId) : undefined;
    },
  });
  // The data first, so an index never points at data older than itself.
  await _writeIfChanged(
    join(outDir, INDEX_DATA_FILES.script),
    dataScript(INDEX_DATA_FILES.global, rendered.data),
  );
  await _writeIfChanged(join(outDir, INDEX_DATA_FILES.json), JSON.stringify(rendered.data));
  await _writeIfChanged(
    join(outDir, INDEX_DATA_FILES.curvesScript),
    dataScript(INDEX_DATA_FILES.curvesGlobal, rendered.curves),
  );
  await _writeIfChanged(join(outDir, VEGA_ASSET), vegaBrowserBundle());
  await writeFileAtomic(index, rendered.html);
  const compareTotal = counts.compareWritten + counts.compareSkipped;
  const summary = `${runPages.length} run page${
    runPages.length === 1 ? "" : "s"
  }: ${counts.runWritten} written, ${counts.runSkipped} up to date; ${compareTotal} compare page${
    compareTotal === 1 ? "" : "s"
  }: ${counts.compareWritten} written, ${counts.compareSkipped} up to date${
    removed.length > 0 ? `; ${removed.length} of deleted runs removed` : ""
  }`;
  return {
    index,
    runPages,
    comparePages,
    comparePage,
    written: counts.runWritten + counts.compareWritten,
    skipped: counts.runSkipped + counts.compareSkipped,
    runs: { written: counts.runWritten, upToDate: counts.runSkipped },
    compares: { written: counts.compareWritten, upToDate: counts.compareSkipped },
    summary,
    removed,
    warnings,
  };
}
