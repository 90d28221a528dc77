/**
 * HTML experiment reports: `reports/index.html` (runs table and charts across
 * runs, drawn from `index-data.js` beside it), a page per run and compare
 * pages; everything opens offline from file://.
 *
 * ```ts ignore
 * import { writeReports } from "./stages/report/mod.ts";
 * await writeReports({ runs, outDir: "reports", runData: (runId) => dataOf(runId) });
 * ```
 *
 * @module
 */
export {
  CI_HIGH_SUFFIX,
  CI_LOW_SUFFIX,
  ciHighKey,
  ciLowKey,
  METRIC_KEYS,
  PARAM_KEYS,
  REPORT_DATA_ARTIFACT,
  REPORT_PAGE_ARTIFACT,
  SWEEP_PARAM_ALIASES,
  TAG_KEYS,
} from "../run_keys.ts";
export {
  MAX_PREDICTION_SAMPLE,
  parseRunReportData,
  type RunReportData,
  RunReportDataSchema,
} from "../run_report_data.ts";
export {
  type IndexPageOptions,
  type NotebookLink,
  type RenderedIndex,
  renderIndex,
  renderIndexPage,
} from "./index_page.ts";
export { INDEX_DATA_FILES, type IndexData, indexData, type IndexRun } from "./index_data.ts";
export { modelColor, modelColors, PALETTE } from "./model_palette.ts";
// The chart renderers and styles the pages use, for notebooks that draw the same charts.
export { renderPlot } from "./_plot_chart.ts";
export { renderVegaLite } from "./_vega_chart.ts";
export { BEST_COLOR, VEGA_CONFIG } from "./_chart_style.ts";
export { escapeHtml } from "./_html.ts";
export { renderRunPage, type RunPageOptions } from "./run_page.ts";
export {
  type ComparePageOptions,
  differingParams,
  type MetricDelta,
  metricDeltas,
  renderComparePage,
} from "./compare_page.ts";
export { renderEmptyPage } from "./empty_page.ts";
export {
  type RunDataSource,
  writeReports,
  type WriteReportsOptions,
  type WriteReportsResult,
} from "./write_reports.ts";
export { comparePagePath, fileSafeId, runPagePath } from "./page_paths.ts";
export {
  listNotebooks,
  readReportData,
  reportDataSource,
  reportFromStore,
  type ReportFromStoreOptions,
} from "./cli.ts";
