/**
 * The index page's runs table: one row per run, sortable by clicking a
 * header and paginated in the browser (inline vanilla JS). Without script
 * every row is shown.
 *
 * @module
 */
import { METRIC_KEYS } from "./keys.ts";
import { METRIC_DEFS } from "./_metric_defs.ts";
import type { MetricValue, RunView } from "./_run_view.ts";
import { runPagePath } from "./page_paths.ts";
import { escapeHtml } from "./_html.ts";
import { formatDateTime, formatDuration, formatNumber, MISSING } from "./_format.ts";

/** Options of {@linkcode renderRunsTable}. */
export interface RunsTableOptions {
  readonly best?: RunView;
  readonly pageSize: number;
  /** Href of the compare page of a run against the best run, when written. */
  readonly compareHref?: (runId: string) => string | undefined;
}

const ALWAYS = new Set<string>([METRIC_KEYS.rmse, METRIC_KEYS.mae, METRIC_KEYS.explainedVariance]);

function _statusBadge(v: RunView): string {
  const cls = v.failed ? "failed" : v.status === "RUNNING" ? "running" : "finished";
  return `<span class="badge ${cls}">${escapeHtml(v.status.toLowerCase())}</span>`;
}

function _metricCell(v: RunView, m: MetricValue | undefined, digits: number): string {
  if (!m) {
    const why = v.failed ? "No value: the run failed" : "Not measured in this run";
    return `<td class="num" data-sort="" title="${why}"><span class="muted">${MISSING}</span></td>`;
  }
  const ci = m.low !== undefined && m.high !== undefined
    ? `<br><small title="Confidence interval over folds">[${formatNumber(m.low, digits)}, ${
      formatNumber(m.high, digits)
    }]</small>`
    : "";
  return `<td class="num" data-sort="${m.value}">${formatNumber(m.value, digits)}${ci}</td>`;
}

/** Renders the table, its pager and the script that sorts and paginates it. */
export function renderRunsTable(
  runs: readonly RunView[],
  options: RunsTableOptions,
): { html: string; script: string } {
  const metrics = METRIC_DEFS.filter((d) =>
    ALWAYS.has(d.key) || runs.some((v) => v.metrics[d.key] !== undefined)
  );
  const header = [
    `<th data-type="num" aria-sort="descending">Date (UTC)</th>`,
    `<th data-type="text">Run</th>`,
    `<th data-type="text">Status</th>`,
    `<th data-type="text">Dataset</th>`,
    `<th data-type="text">Model</th>`,
    `<th data-type="text">Key params</th>`,
    ...metrics.map((d) =>
      `<th class="num" data-type="num" data-metric="${d.key}" title="${
        escapeHtml(d.label)
      } (${d.better} is better)">${escapeHtml(d.short)}</th>`
    ),
    `<th class="num" data-type="num">Duration</th>`,
    `<th data-type="text">Cached stages</th>`,
    `<th data-type="text">Compare</th>`,
  ];
  const newestFirst = [...runs].sort((a, b) => b.startTime - a.startTime);
  const rows = newestFirst.map((v) => {
    const isBest = options.best?.id === v.id;
    const classes = [isBest ? "best" : "", v.failed ? "failed" : ""].filter((c) => c).join(" ");
    const params = v.keyParams.map(([k, p]) => `${escapeHtml(k)}=${escapeHtml(p)}`).join(" ");
    const compare = options.compareHref?.(v.id);
    const dataset = v.datasetName
      ? `<span${v.datasetHash ? ` title="content hash ${escapeHtml(v.datasetHash)}"` : ""}>${
        escapeHtml(v.datasetName)
      }</span>`
      : MISSING;
    return `<tr data-run-id="${escapeHtml(v.id)}"${classes ? ` class="${classes}"` : ""}>
<td data-sort="${v.startTime}">${formatDateTime(v.startTime)}</td>
<td data-sort="${escapeHtml(v.name)}"><a href="${runPagePath(v.id)}">${escapeHtml(v.name)}</a>${
      isBest ? ` <span class="badge best">best</span>` : ""
    }</td>
<td data-sort="${escapeHtml(v.status)}">${_statusBadge(v)}</td>
<td>${dataset}</td>
<td>${escapeHtml(v.model)}</td>
<td class="params">${params || MISSING}</td>
${metrics.map((d) => _metricCell(v, v.metrics[d.key], d.digits)).join("\n")}
<td class="num" data-sort="${v.durationSeconds ?? ""}">${formatDuration(v.durationSeconds)}</td>
<td>${v.cachedStages.length > 0 ? escapeHtml(v.cachedStages.join(", ")) : MISSING}</td>
<td>${compare ? `<a href="${escapeHtml(compare)}">vs. best</a>` : ""}</td>
</tr>`;
  });
  const html = `<div class="table-wrap">
<table id="runs-table" class="sortable" data-page-size="${options.pageSize}">
<thead><tr>${header.join("")}</tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
<div class="pager" id="runs-pager" hidden>
<button type="button" data-page="prev">← Previous</button>
<span id="runs-page-info" aria-live="polite"></span>
<button type="button" data-page="next">Next →</button>
</div>
</div>`;
  return { html, script: _TABLE_SCRIPT };
}

const _TABLE_SCRIPT = `(function () {
  var table = document.getElementById("runs-table");
  if (!table) return;
  var tbody = table.tBodies[0];
  var order = Array.prototype.slice.call(tbody.rows);
  var pageSize = Number(table.getAttribute("data-page-size")) || 50;
  var pager = document.getElementById("runs-pager");
  var info = document.getElementById("runs-page-info");
  var prev = pager.querySelector('[data-page="prev"]');
  var next = pager.querySelector('[data-page="next"]');
  var page = 0;
  function render() {
    var pages = Math.max(1, Math.ceil(order.length / pageSize));
    page = Math.max(0, Math.min(page, pages - 1));
    order.forEach(function (row, i) {
      row.hidden = Math.floor(i / pageSize) !== page;
      tbody.appendChild(row);
    });
    var first = order.length === 0 ? 0 : page * pageSize + 1;
    var last = Math.min(order.length, (page + 1) * pageSize);
    info.textContent = "Runs " + first + "–" + last + " of " + order.length +
      " · page " + (page + 1) + " of " + pages;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
    pager.hidden = pages <= 1;
  }
  function key(row, col) {
    var cell = row.cells[col];
    if (!cell) return "";
    var s = cell.getAttribute("data-sort");
    return s === null ? cell.textContent.trim() : s;
  }
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, col) {
    th.tabIndex = 0;
    function sort() {
      var numeric = th.getAttribute("data-type") === "num";
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      order.sort(function (a, b) {
        var ka = key(a, col), kb = key(b, col);
        if (ka === "" && kb === "") return 0;
        if (ka === "") return 1;   // missing values (failed runs) always last
        if (kb === "") return -1;
        var c = numeric ? Number(ka) - Number(kb) : ka.localeCompare(kb);
        return c * dir;
      });
      page = 0;
      render();
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });
  prev.addEventListener("click", function () { page--; render(); });
  next.addEventListener("click", function () { page++; render(); });
  render();
})();`;
