/**
 * One run's page: status, metrics with confidence intervals, params, loss
 * curves, error histogram, predicted vs. actual, sample recommendations with
 * titles, similar movies, data summary and stage timings.
 *
 * @module
 */
import type { RunRecord } from "../../tracking/types.ts";
import type { RunReportData } from "../run_report_data.ts";
import { METRIC_DEFS } from "./_metric_defs.ts";
import { toRunView } from "./_run_view.ts";
import { escapeHtml, safeUrl } from "./_html.ts";
import { formatCount, formatDateTime, formatDuration, formatNumber, MISSING } from "./_format.ts";
import { renderPage } from "./_page.ts";
import {
  renderErrorHistogram,
  renderLossChart,
  renderPredictedVsActual,
  renderStageTimings,
} from "./_run_charts.ts";

/** Options of {@linkcode renderRunPage}. */
export interface RunPageOptions {
  /** Href (relative to the run page) of the compare page against the best run. */
  readonly compareHref?: string;
  /** True when this is the best run. */
  readonly isBest?: boolean;
  readonly generatedAt?: Date;
  /** Content key embedded in the page (see `writeReports`); none by default. */
  readonly reportKey?: string;
}

function _facts(rows: readonly (readonly [string, string])[]): string {
  return `<dl class="facts">${
    rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join("")
  }</dl>`;
}

function _movie(title: string, detail: string): string {
  return `<li>${escapeHtml(title)} <small>${escapeHtml(detail)}</small></li>`;
}

/** One recommendation: its score (raw when known) and a visible mark when it ties a neighbour. */
function _recommendation(
  list: RunReportData["sampleUsers"][number]["recommendations"],
  k: number,
  top: number | undefined,
): string {
  const m = list[k]!;
  const shown = (x: (typeof list)[number] | undefined) =>
    x === undefined ? undefined : (x.rawScore ?? x.score).toFixed(3);
  const score = shown(m)!;
  const tied = score === shown(list[k - 1]) || score === shown(list[k + 1]);
  const clipped = m.rawScore === undefined && top !== undefined && m.score >= top;
  const detail = m.rawScore !== undefined && m.rawScore !== m.score
    ? `${m.rawScore.toFixed(3)} (shown as ${m.score.toFixed(2)})`
    : score;
  return `<li${tied ? ' class="tied"' : ""}>${escapeHtml(m.title)} <small>${
    escapeHtml(detail)
  }</small>${
    tied
      ? ` <span class="tie" title="Same score as a neighbour: ties are ordered by the model's internal movie order">= tie</span>`
      : ""
  }${
    clipped
      ? ` <span class="tie" title="Clipped to the top of the rating scale">clipped</span>`
      : ""
  }</li>`;
}

function _recommendations(data: RunReportData): string {
  if (data.sampleUsers.length === 0) return "";
  const top = data.dataSummary.ratingScale.max;
  const cards = data.sampleUsers.map((u) =>
    `<div class="card user-card">
<h3>User ${escapeHtml(u.userId)}${
      u.scorer ? ` <small class="muted">answered by ${escapeHtml(u.scorer)}</small>` : ""
    }</h3>
<div class="two-col">
<div><strong>Rated highly</strong><ul class="movies">${
      u.topRated.map((m) => _movie(m.title, `★ ${m.rating}`)).join("")
    }</ul></div>
<div><strong>Top ${u.recommendations.length} recommended</strong><ol class="movies">${
      u.recommendations.map((_, k) => _recommendation(u.recommendations, k, top)).join("")
    }</ol></div>
</div></div>`
  );
  const ties = data.sampleUsers.some((u) =>
    u.recommendations.some((m, k, all) =>
      k > 0 && (all[k - 1]!.rawScore ?? all[k - 1]!.score) === (m.rawScore ?? m.score)
    )
  );
  return `<h2>Recommendations for sample users</h2>
<p class="muted">Movies each user rated highly in the training data, next to the model's top picks with their predicted score to three decimals${
    ties
      ? `; <span class="tie">= tie</span> marks scores equal to a neighbour's, which the ranking orders by the model's internal movie order, and <span class="tie">clipped</span> a prediction cut at the top of the rating scale`
      : ""
  }.</p>
<div class="grid">${cards.join("\n")}</div>`;
}

function _similar(data: RunReportData): string {
  if (data.similarMovies.length === 0) return "";
  const cards = data.similarMovies.map((m) =>
    `<div class="card">
<h3>${escapeHtml(m.title)}</h3>
<ol class="movies">${m.similar.map((s) => _movie(s.title, s.score.toFixed(2))).join("")}</ol>
</div>`
  );
  return `<h2>Similar movies</h2>
<p class="muted">Nearest movies in the model's item space (similarity score) for a few well-known titles.</p>
<div class="grid">${cards.join("\n")}</div>`;
}

function _dataSummary(data: RunReportData): string {
  const d = data.dataSummary;
  const scale = `${d.ratingScale.min} – ${d.ratingScale.max}${
    d.ratingScale.step ? ` in steps of ${d.ratingScale.step}` : ""
  }`;
  return `<div class="card"><h3>Data</h3>${
    _facts([
      ["Ratings", formatCount(d.ratings)],
      ["Users", formatCount(d.users)],
      ["Movies", formatCount(d.movies)],
      ["Train / test", `${formatCount(d.trainRatings)} / ${formatCount(d.testRatings)}`],
      ["Rating scale", escapeHtml(scale)],
      ["Ratings from", `${escapeHtml(d.dateRange.first)} to ${escapeHtml(d.dateRange.last)}`],
    ])
  }</div>`;
}

/** Renders `reports/runs/<runId>.html`. Without report data, the sections that need it are left out. */
export async function renderRunPage(
  run: RunRecord,
  data?: RunReportData,
  options: RunPageOptions = {},
): Promise<string> {
  const v = toRunView(run);
  const status = v.failed
    ? `<div class="card alert" role="alert"><strong>This run ${
      escapeHtml(v.status.toLowerCase())
    }.</strong> It has no evaluation metrics; they are shown as “${MISSING}”, not as zero.</div>`
    : "";
  const kpis = METRIC_DEFS.map((d) => {
    const m = v.metrics[d.key];
    const value = m ? formatNumber(m.value, d.digits) : MISSING;
    const ci = m?.low !== undefined && m.high !== undefined
      ? `CI ${formatNumber(m.low, d.digits)} – ${formatNumber(m.high, d.digits)}`
      : `${d.better} is better`;
    return `<div class="kpi" data-metric="${escapeHtml(d.key)}" title="${
      escapeHtml(d.label)
    }"><div class="label">${
      escapeHtml(d.short)
    }</div><div class="value">${value}</div><div class="ci">${ci}</div></div>`;
  }).join("\n");
  const mlflow = v.mlflowUrl
    ? `<a href="${escapeHtml(safeUrl(v.mlflowUrl))}">open in MLflow</a>`
    : `<span class="muted">not synced</span>`;
  const facts = _facts([
    ["Run id", `<code>${escapeHtml(v.id)}</code>`],
    ["Experiment", escapeHtml(run.experiment)],
    ["Status", escapeHtml(v.status.toLowerCase())],
    ["Model", escapeHtml(v.model)],
    ["Started", `${formatDateTime(run.startTime)} UTC`],
    ["Duration", formatDuration(v.durationSeconds)],
    [
      "Dataset",
      `${escapeHtml(v.datasetName ?? MISSING)}${
        v.datasetHash ? ` <small>${escapeHtml(v.datasetHash.slice(0, 12))}</small>` : ""
      }`,
    ],
    ["Git commit", v.gitCommit ? `<code>${escapeHtml(v.gitCommit.slice(0, 12))}</code>` : MISSING],
    ["Cached stages", v.cachedStages.length ? escapeHtml(v.cachedStages.join(", ")) : "none"],
    ["MLflow", mlflow],
    ...(options.compareHref
      ? [["Compare", `<a href="${escapeHtml(options.compareHref)}">with the best run</a>`] as const]
      : []),
  ]);
  const params = Object.entries(run.params).sort((a, b) => a[0].localeCompare(b[0]));
  const paramsTable = params.length > 0
    ? `<div class="table-wrap"><table id="params"><thead><tr><th>Param</th><th>Value</th></tr></thead><tbody>${
      params.map(([k, p]) =>
        `<tr><td><code>${escapeHtml(k)}</code></td><td>${escapeHtml(p)}</td></tr>`
      )
        .join("")
    }</tbody></table></div>`
    : `<p class="muted">No params logged.</p>`;
  const charts = [
    renderLossChart(run),
    data ? await renderErrorHistogram(data) : undefined,
    data ? renderPredictedVsActual(data) : undefined,
    data ? await renderStageTimings(data) : undefined,
  ].filter((c): c is string => c !== undefined);
  const missingData = data
    ? ""
    : `<p class="muted" id="no-report-data">No report data for this run (the evaluate stage did not write <code>report_data.json</code>): error histogram, predictions, recommendations and timings are not shown.</p>`;
  const body = `${status}
<div class="kpis" id="metrics">${kpis}</div>
<h2>Run</h2>
<div class="grid"><div class="card">${facts}</div>${data ? _dataSummary(data) : ""}</div>
${charts.length > 0 ? `<h2>Charts</h2><div class="grid">${charts.join("\n")}</div>` : ""}
${missingData}
${data ? _recommendations(data) : ""}
${data ? _similar(data) : ""}
<h2>Params</h2>
${paramsTable}`;
  return renderPage({
    title: `Run ${v.name}`,
    subtitle: `${v.model} · ${v.status.toLowerCase()}${
      options.isBest ? " · best run" : ""
    } · started ${formatDateTime(run.startTime)} UTC`,
    body,
    root: "../",
    generatedAt: options.generatedAt,
    reportKey: options.reportKey,
  });
}
