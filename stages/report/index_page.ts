/**
 * The report's front page: headline numbers, the recent runs' metrics as
 * static charts, interactive charts drawn from `index-data.js` (runs explorer,
 * RMSE by model, sweeps faceted by model, param vs. metric, parallel
 * coordinates, overlaid loss curves) and the sortable, paginated runs table.
 *
 * @module
 */
import type { RunRecord } from "../../tracking/types.ts";
import { METRIC_KEYS } from "../run_keys.ts";
import { bestRun, type RunView, toRunView } from "./_run_view.ts";
import { runPagePath } from "./page_paths.ts";
import { escapeHtml, safeUrl } from "./_html.ts";
import { formatDateTime, formatNumber } from "./_format.ts";
import { renderPage } from "./_page.ts";
import { renderRunsTable } from "./_runs_table.ts";
import { renderLiveCharts } from "./_live_charts.ts";
import { liveBootScript } from "./_live_boot.ts";
import { curvesData, type IndexData, indexData } from "./index_data.ts";
import { renderIndexCharts } from "./_index_charts.ts";
import { renderEmptyPage } from "./empty_page.ts";

/** A link to a notebook, listed on the index page. */
export interface NotebookLink {
  readonly title: string;
  readonly href: string;
}

/** Options of {@linkcode renderIndexPage}. */
export interface IndexPageOptions {
  /** Page title. Default "Experiment report". */
  readonly title?: string;
  readonly notebooks?: readonly NotebookLink[];
  /** Href (relative to the index) of a run's compare page against the best run, when one exists. */
  readonly compareHref?: (runId: string) => string | undefined;
  /** Table rows per page. Default 50. */
  readonly pageSize?: number;
  /** How many of the latest runs the over-time charts show. Default 100. */
  readonly latestN?: number;
  /** Shown in the footer. */
  readonly generatedAt?: Date;
}

function _kpi(label: string, value: string, detail = ""): string {
  return `<div class="kpi"><div class="label">${
    escapeHtml(label)
  }</div><div class="value">${value}</div>${detail ? `<div class="ci">${detail}</div>` : ""}</div>`;
}

function _summary(views: readonly RunView[], best: RunView | undefined): string {
  const finished = views.filter((v) => v.status === "FINISHED").length;
  const failed = views.filter((v) => v.failed).length;
  // Failed pipelines trained no model: they are not a model.
  const models = new Set(views.filter((v) => v.hasModel && !v.failed).map((v) => v.model)).size;
  const latest = views.reduce<RunView | undefined>(
    (a, v) => (a === undefined || v.startTime > a.startTime ? v : a),
    undefined,
  );
  const bestRmse = best?.metrics[METRIC_KEYS.rmse];
  return `<div class="kpis" id="summary">
${_kpi("Runs", String(views.length), `${finished} finished · ${failed} failed`)}
${_kpi("Models", String(models))}
${
    _kpi(
      "Best RMSE",
      bestRmse ? formatNumber(bestRmse.value) : "—",
      best
        ? `<a href="${runPagePath(best.id)}">${escapeHtml(best.name)}</a> · ${
          escapeHtml(best.model)
        }`
        : "no finished run",
    )
  }
${
    _kpi(
      "Best MAE",
      formatNumber(best?.metrics[METRIC_KEYS.mae]?.value),
      best ? "of the best run" : "",
    )
  }
${
    _kpi(
      "Latest run",
      latest ? escapeHtml(formatDateTime(latest.startTime).slice(0, 10)) : "—",
      latest ? `<a href="${runPagePath(latest.id)}">${escapeHtml(latest.name)}</a>` : "",
    )
  }
</div>`;
}

/** The index page and the data it loads (written beside it by `writeReports`). */
export interface RenderedIndex {
  readonly html: string;
  readonly data: IndexData;
  /** Per-epoch losses of every finished run (`curves-data.js`). */
  readonly curves: ReturnType<typeof curvesData>;
}

/** Where the page finds Vega's browser bundle, relative to the index. */
export const VEGA_ASSET = "assets/vega.min.js";

/**
 * Renders `reports/index.html` with its data; with no runs, the empty page.
 * The page is small whatever the number of runs: the table's first page and
 * the recent-runs charts are in the HTML, everything else is drawn in the
 * browser from `index-data.js`.
 */
export function renderIndex(
  runs: readonly RunRecord[],
  options: IndexPageOptions = {},
): RenderedIndex {
  const views = runs.map(toRunView);
  const best = bestRun(views);
  const data = indexData(views, { best, compareHref: options.compareHref });
  if (runs.length === 0) {
    return { html: renderEmptyPage({ generatedAt: options.generatedAt }), data, curves: {} };
  }
  const chronological = [...views].sort((a, b) => a.startTime - b.startTime);
  const table = renderRunsTable(data, { pageSize: options.pageSize ?? 50 });
  const live = renderLiveCharts(chronological, data);
  const charts = renderIndexCharts({
    chronological,
    best,
    latestN: options.latestN ?? 100,
  });
  const notebooks = options.notebooks && options.notebooks.length > 0
    ? `<h2>Notebooks</h2><ul class="card">${
      options.notebooks.map((n) =>
        `<li><a href="${escapeHtml(safeUrl(n.href))}">${escapeHtml(n.title)}</a></li>`
      ).join("")
    }</ul>`
    : "";
  const body = `${_summary(views, best)}
<h2>Runs over time</h2>${live.explorer}
<h2>Metrics across runs</h2>
<div class="grid">${[...charts, live.byModel].join("\n")}</div>
${
    live.sweeps.length > 0
      ? `<h2>Sweeps</h2><p class="muted">A param is charted only where it varied, and only for the models that have it; each model gets its own panel and axes.</p>${
        live.sweeps.join("\n")
      }`
      : ""
  }
${
    live.compare.length > 0
      ? `<h2>Compare runs</h2><div class="grid">${live.compare.join("\n")}</div>`
      : ""
  }
${live.curves ? `<h2>Training curves</h2>${live.curves}` : ""}
<h2>All runs</h2>
<p class="muted">Click a column header to sort; the best run (lowest RMSE among finished runs) is highlighted. Failed runs show no metrics and no model. Params get a column each; a dash means the run's model has no such setting.</p>
${table.html}
${notebooks}`;
  const html = renderPage({
    title: options.title ?? "Experiment report",
    subtitle: `${views.length} run${
      views.length === 1 ? "" : "s"
    } of the movie recommender pipeline.`,
    body,
    root: "",
    externalScripts: [VEGA_ASSET],
    scripts: [table.script, liveBootScript()],
    generatedAt: options.generatedAt,
  });
  return { html, data, curves: curvesData(views) };
}

/** Renders `reports/index.html` alone (see {@linkcode renderIndex}). */
export function renderIndexPage(
  runs: readonly RunRecord[],
  options: IndexPageOptions = {},
): Promise<string> {
  return Promise.resolve(renderIndex(runs, options).html);
}
