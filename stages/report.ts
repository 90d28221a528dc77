/**
 * Report stage (always runs, also when an upstream stage failed): `runs/` ->
 * `reports/`. Rewrites the HTML experiment report from the run store: the
 * index, a page per run and the compare pages, rendering only the pages whose
 * content changed (`report/write_reports.ts`). The same as `deno task report`,
 * for the experiment in `tracking.experiment`. Then it attaches the page of
 * each run this invocation recorded to that run as the artifact `report.html`
 * (so MLflow shows the page beside the model); a page it cannot attach is a
 * warning.
 *
 * @module
 */
import { join, relative } from "node:path";
import { defineStage } from "../dag/stage.ts";
import { openRunStore, type RunStore } from "../tracking/mod.ts";
import { runPagePath } from "./report/page_paths.ts";
import { REPORT_PAGE_ARTIFACT, TAG_KEYS } from "./run_keys.ts";
import { trackingParams } from "./tracking_params.ts";
import { pathExists } from "../lib/path_exists.ts";
import { writeTextAtomic } from "../lib/atomic.ts";
import { sha256Hex } from "./report/_page_key.ts";
import { generatorVersion } from "./report/_generator_version.ts";

/** Options of {@linkcode attachRunPages}. */
export interface AttachRunPagesOptions {
  /** The report folder the pages were written to. */
  readonly outDir: string;
  /** The pages the report wrote or kept (`WriteReportsResult.runPages`). */
  readonly runPages: readonly string[];
  /** Only runs tagged with this pipeline invocation get their page. */
  readonly invocationId: string;
  /** Where a page that cannot be attached is reported. */
  readonly warn: (message: string) => void;
}

/**
 * Attaches each run page of the runs that `invocationId` recorded (tag
 * `pipeline.invocation`) to its run as {@linkcode REPORT_PAGE_ARTIFACT}; a run
 * that already has one keeps it. Never throws for a run it cannot attach to:
 * it warns and goes on. Returns how many runs got their page.
 */
export async function attachRunPages(
  store: RunStore,
  options: AttachRunPagesOptions,
): Promise<number> {
  const pages = new Set(options.runPages);
  const runs = (await store.listRuns({ experiment: store.experiment })).filter((r) =>
    r.tags[TAG_KEYS.invocation] === options.invocationId &&
    !r.artifacts.includes(REPORT_PAGE_ARTIFACT)
  );
  let attached = 0;
  for (const run of runs.reverse()) {
    const page = join(options.outDir, runPagePath(run.runId));
    if (!pages.has(page)) continue;
    try {
      await store.logArtifacts(run.runId, [{
        localPath: page,
        artifactPath: REPORT_PAGE_ARTIFACT,
      }]);
      attached++;
    } catch (error) {
      options.warn(
        `run ${run.runId}: report page not attached as ${REPORT_PAGE_ARTIFACT}: ` +
          (error as Error).message,
      );
    }
  }
  return attached;
}

/** The file in `reports/` holding {@linkcode buildState} of the last build. */
export const BUILD_STATE_FILE = ".build-state";

/**
 * What the report is built from: the generator's code version, every run of
 * the store's experiment as the store lists it (metrics, tags, artifacts)
 * and the notebooks the index links, hashed. Equal to the last build's:
 * every page is up to date.
 */
async function buildState(store: RunStore, notebooksDir: string): Promise<string> {
  const runs = await store.listRuns({ experiment: store.experiment });
  const notebooks: string[] = [];
  try {
    for await (const e of Deno.readDir(notebooksDir)) {
      if (e.isFile && /\.(ipynb|html)$/i.test(e.name)) notebooks.push(e.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return sha256Hex(JSON.stringify({
    generator: await generatorVersion(),
    location: store.location,
    experiment: store.experiment,
    runs,
    notebooks: notebooks.sort(),
  }));
}

/** The `report` stage. */
export const reportStage = defineStage({
  name: "report",
  section: "tracking",
  description:
    "Rewrite the HTML report (index, a page per run, compare pages) from the run store, and " +
    "attach this invocation's run pages to their runs",
  deps: ["runs"],
  outs: ["reports"],
  params: trackingParams,
  code: import.meta.url,
  always: true,
  reporting: true,
  async run(ctx) {
    if (!ctx.params.enabled) return { summary: "tracking off (tracking.enabled: false)" };
    const store = openRunStore({
      root: ctx.inputs["runs"]!,
      experiment: ctx.params.experiment,
      warn: (m) => ctx.progress.warn(m),
    });
    const outDir = ctx.outputs["reports"]!;
    // Nothing to render when no run changed since the last build by this generator (a no-op).
    const stamp = join(outDir, BUILD_STATE_FILE);
    const notebooksDir = join(outDir, "notebooks");
    const before = await buildState(store, notebooksDir);
    if (
      await pathExists(join(outDir, "index.html")) &&
      (await Deno.readTextFile(stamp).catch(() => "")) === before
    ) {
      return {
        summary: `${relative(ctx.root, join(outDir, "index.html"))} up to date (no run changed)`,
      };
    }
    // The generator (linkedom, Plot, Vega) loads only when there is a report to write: a
    // run with tracking off, --dry-run and --graph do not pay its ~0.17 s of imports.
    const { reportFromStore } = await import("./report/cli.ts");
    const report = await reportFromStore(store, {
      outDir,
      notebooksDir,
    });
    for (const w of report.warnings) ctx.progress.warn(w);
    const attached = await attachRunPages(store, {
      outDir,
      runPages: report.runPages,
      invocationId: ctx.runId,
      warn: (m) => ctx.progress.warn(m),
    });
    await writeTextAtomic(stamp, attached > 0 ? await buildState(store, notebooksDir) : before);
    return {
      summary: `${relative(ctx.root, report.index)} (${report.summary}); ${attached} page(s) ` +
        `attached to their runs as ${REPORT_PAGE_ARTIFACT}`,
    };
  },
});
