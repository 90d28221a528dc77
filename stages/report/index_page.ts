/**
 * The report's front page: headline numbers, an interactive runs chart,
 * static charts of RMSE, MAE and explained variance across runs, and the
 * sortable, paginated table of every run.
 *
 * @module
 */
import type { RunRecord } from "../../tracking/types.ts";
import { METRIC_KEYS } from "./keys.ts";
import { bestRun, type RunView, toRunView } from "./_run_view.ts";
import { runPagePath } from "./page_paths.ts";
import { escapeHtml, safeUrl } from "./_html.ts";
import { formatDateTime, formatNumber } from "./_format.ts";
import { renderPage } from "./_page.ts";
import { renderRunsTable } from "./_runs_table.ts";
import { renderRunsExplorer } from "./_runs_explorer.ts";
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
  const models = new Set(views.map((v) => v.model)).size;
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

/** Renders `reports/index.html`; with no runs, the empty page. */
export async function renderIndexPage(
  runs: readonly RunRecord[],
  options: IndexPageOptions = {},
): Promise<string> {
  if (runs.length === 0) return renderEmptyPage({ generatedAt: options.generatedAt });
  const views = runs.map(toRunView);
  const chronological = [...views].sort((a, b) => a.startTime - b.startTime);
  const best = bestRun(views);
  const table = renderRunsTable(views, {
    best,
    pageSize: options.pageSize ?? 50,
    compareHref: options.compareHref,
  });
  const explorer = renderRunsExplorer(chronological);
  const charts = await renderIndexCharts({
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
${explorer ? `<h2>Runs over time</h2>${explorer.figure}` : ""}
<h2>Metrics across runs</h2>
${charts}
<h2>All runs</h2>
<p class="muted">Click a column header to sort; the best run (lowest RMSE among finished runs) is highlighted. Failed runs show no metrics.</p>
${table.html}
${notebooks}`;
  return renderPage({
    title: options.title ?? "Experiment report",
    subtitle: `${views.length} run${
      views.length === 1 ? "" : "s"
    } of the movie recommender pipeline.`,
    body,
    root: "",
    scripts: [...(explorer?.scripts ?? []), table.script],
    generatedAt: options.generatedAt,
  });
}
