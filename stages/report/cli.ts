/**
 * `deno task report`: reads every run from the run store (the local store
 * under `runs/`, or the one `MLFLOW_TRACKING_URI` selects) and writes the HTML
 * report under `reports/`.
 *
 * ```sh
 * deno task report                      # reports/index.html + a page per run
 * deno task report --compare A B        # also reports/compare/A_vs_B.html
 * deno task report --out public --runs-root runs --experiment movie-recommender
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, relative, resolve } from "node:path";
import { LocalRunStore, openRunStore, type RunRecord, type RunStore } from "../../tracking/mod.ts";
import { REPORT_DATA_ARTIFACT } from "../run_keys.ts";
import { parseRunReportData, type RunReportData } from "../run_report_data.ts";
import type { NotebookLink } from "./index_page.ts";
import { type RunDataSource, writeReports, type WriteReportsResult } from "./write_reports.ts";
import { sha256Hex } from "./_page_key.ts";

const USAGE =
  `Usage: deno task report [--out DIR] [--runs-root DIR] [--experiment NAME] [--compare A B]

Writes the HTML experiment report (index, one page per run, compare pages).
  --out DIR          where to write (default: reports)
  --runs-root DIR    local run store folder (default: runs)
  --experiment NAME  only runs of this experiment (default: all)
  --compare A B      also write the compare page of runs A (baseline) and B
  --help             show this help`;

/**
 * Reads a run's `report_data.json` from its artifact folder.
 * Returns undefined when the run has none; throws when it is invalid.
 */
export async function readReportData(artifactsDir: string): Promise<RunReportData | undefined> {
  const source = await reportDataSource(artifactsDir);
  return source ? await source.load() : undefined;
}

/**
 * A run's `report_data.json` for an incremental build: its bytes are read and
 * hashed (the fingerprint), and parsed only when {@linkcode RunDataSource.load}
 * is called. Undefined when the run has none.
 */
export async function reportDataSource(artifactsDir: string): Promise<RunDataSource | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(join(artifactsDir, REPORT_DATA_ARTIFACT));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return {
    fingerprint: sha256Hex(bytes),
    load: () => parseRunReportData(new TextDecoder().decode(bytes)),
  };
}

/** Notebook files (`.ipynb`, `.html`) in `dir`, linked relative to `outDir`. */
export async function listNotebooks(dir: string, outDir: string): Promise<NotebookLink[]> {
  const links: NotebookLink[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !/\.(ipynb|html)$/i.test(entry.name)) continue;
      const href = relative(resolve(outDir), resolve(dir, entry.name)).split("\\").join("/");
      links.push({ title: entry.name, href: href.split("/").map(encodeURIComponent).join("/") });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return links.sort((a, b) => a.title.localeCompare(b.title));
}

/** Options of {@linkcode reportFromStore}. */
export interface ReportFromStoreOptions {
  readonly outDir?: string;
  readonly experiment?: string;
  readonly compare?: readonly [string, string];
  /** Folder of notebooks to link from the index. Default `notebooks`. */
  readonly notebooksDir?: string;
}

/**
 * Writes the report for every run of `store`. Report data is read from the
 * local store's artifacts (runs only in MLflow get pages without it). Only
 * pages whose content changed are rendered (see {@linkcode writeReports});
 * the result's `written` and `skipped` say how many.
 */
export async function reportFromStore(
  store: RunStore,
  options: ReportFromStoreOptions = {},
): Promise<WriteReportsResult> {
  const outDir = options.outDir ?? "reports";
  const runs: RunRecord[] = await store.listRuns({ experiment: options.experiment });
  const local = store instanceof LocalRunStore
    ? store
    : (store as { local?: unknown }).local instanceof LocalRunStore
    ? (store as unknown as { local: LocalRunStore }).local
    : undefined;
  const byId = new Map(runs.map((r) => [r.runId, r]));
  return await writeReports({
    runs,
    outDir,
    compare: options.compare,
    // Only part of the store is listed: leave the other experiments' pages alone.
    removeStale: options.experiment === undefined,
    notebooks: await listNotebooks(options.notebooksDir ?? "notebooks", outDir),
    runDataSource: (runId) => {
      const run = byId.get(runId);
      return run && local ? reportDataSource(local.artifactsDir(run)) : undefined;
    },
  });
}

/** Runs the CLI; returns the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        out: { type: "string", default: "reports" },
        "runs-root": { type: "string", default: "runs" },
        experiment: { type: "string" },
        compare: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let compare: [string, string] | undefined;
  if (values.compare) {
    if (positionals.length !== 2) {
      console.error(`--compare needs exactly two run ids, got ${positionals.length}\n\n${USAGE}`);
      return 2;
    }
    compare = [positionals[0]!, positionals[1]!];
  } else if (positionals.length > 0) {
    console.error(`Unexpected argument: ${positionals[0]}\n\n${USAGE}`);
    return 2;
  }
  try {
    const store = openRunStore({ root: values["runs-root"] });
    const result = await reportFromStore(store, {
      outDir: values.out,
      experiment: values.experiment,
      compare,
    });
    for (const w of result.warnings) console.warn(`Warning: ${w}`);
    console.log(`Report: ${result.index} (${result.summary})`);
    if (result.comparePage) console.log(`Compare: ${result.comparePage}`);
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
