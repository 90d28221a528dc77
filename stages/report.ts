/**
 * Report stage (always runs, also when an upstream stage failed): `runs/` ->
 * `reports/`. Rewrites the HTML experiment report from the run store: the
 * index, a page per run and the compare pages, rendering only the pages whose
 * content changed (`report/write_reports.ts`). The same as `deno task report`,
 * for the experiment in `tracking.experiment`.
 *
 * @module
 */
import { join, relative } from "node:path";
import { defineStage } from "../dag/stage.ts";
import { openRunStore } from "../tracking/mod.ts";
import { reportFromStore } from "./report/cli.ts";
import { trackingParams } from "./tracking_params.ts";

/** The `report` stage. */
export const reportStage = defineStage({
  name: "report",
  section: "tracking",
  description: "Rewrite the HTML report (index, a page per run, compare pages) from the run store",
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
    const report = await reportFromStore(store, {
      outDir,
      notebooksDir: join(outDir, "notebooks"),
    });
    for (const w of report.warnings) ctx.progress.warn(w);
    return { summary: `${relative(ctx.root, report.index)} (${report.summary})` };
  },
});
