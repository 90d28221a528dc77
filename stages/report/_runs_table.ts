/**
 * The index page's runs table: the first page of rows is in the HTML (so the
 * page shows runs without script); once `index-data.js` has loaded, the
 * script sorts (click a header) and pages every run from the data, so the
 * page stays small at 1,000 runs. Params get one column each (only the
 * params some run has), a failed run shows "failed" and dashes, never zeros.
 *
 * @module
 */
import { escapeHtml } from "./_html.ts";
import { formatDuration, formatNumber, MISSING } from "./_format.ts";
import type { IndexData, IndexRun } from "./index_data.ts";

/** Options of {@linkcode renderRunsTable}. */
export interface RunsTableOptions {
  readonly pageSize: number;
}

/** Param columns: every key param some run has, swept ones first. */
export function paramColumns(data: IndexData): string[] {
  const keys = new Set<string>();
  for (const r of data.runs) for (const k of Object.keys(r.params)) keys.add(k);
  const swept = data.sweptParams.filter((k) => keys.has(k));
  return [...swept, ...[...keys].filter((k) => !swept.includes(k)).sort()];
}

function _metricCell(r: IndexRun, key: string, digits: number): string {
  const m = r.metrics[key];
  if (!m) {
    const why = r.failed ? "No value: the run failed" : "Not measured in this run";
    return `<td class="num" data-sort="" title="${why}"><span class="muted">${MISSING}</span></td>`;
  }
  const [value, low, high] = m;
  const ci = low !== null && high !== null
    ? `<br><small title="Confidence interval over folds">[${formatNumber(low, digits)}, ${
      formatNumber(high, digits)
    }]</small>`
    : "";
  return `<td class="num" data-sort="${value}">${formatNumber(value, digits)}${ci}</td>`;
}

function _row(r: IndexRun, data: IndexData, params: readonly string[]): string {
  const classes = [r.best ? "best" : "", r.failed ? "failed" : ""].filter((c) => c).join(" ");
  const status = r.failed ? "failed" : r.status === "RUNNING" ? "running" : "finished";
  const dataset = r.dataset
    ? `<span${r.datasetHash ? ` title="content hash ${escapeHtml(r.datasetHash)}"` : ""}>${
      escapeHtml(r.dataset)
    }</span>`
    : MISSING;
  const model = r.model === null
    ? `<span class="muted" title="The pipeline failed before training: no model">${MISSING}</span>`
    : escapeHtml(r.model);
  return `<tr data-run-id="${escapeHtml(r.id)}"${classes ? ` class="${classes}"` : ""}>
<td data-sort="${r.start}">${escapeHtml(r.date)}</td>
<td data-sort="${escapeHtml(r.name)}"><a href="${escapeHtml(r.href)}">${escapeHtml(r.name)}</a>${
    r.best ? ` <span class="badge best">best</span>` : ""
  }</td>
<td data-sort="${escapeHtml(r.status)}"><span class="badge ${status}">${
    escapeHtml(r.status.toLowerCase())
  }</span></td>
<td>${dataset}</td>
<td>${model}</td>
${
    params.map((k) => {
      const v = r.params[k];
      return v === undefined
        ? `<td class="num param" data-sort=""><span class="muted">${MISSING}</span></td>`
        : `<td class="num param" data-sort="${escapeHtml(v)}">${escapeHtml(v)}</td>`;
    }).join("")
  }
${data.metrics.map((d) => _metricCell(r, d.key, d.digits)).join("\n")}
<td class="num" data-sort="${r.duration ?? ""}">${formatDuration(r.duration ?? undefined)}</td>
<td>${r.cached ? escapeHtml(r.cached) : MISSING}</td>
<td>${r.compare ? `<a href="${escapeHtml(r.compare)}">vs. best</a>` : ""}</td>
</tr>`;
}

/** Renders the table (first page of rows), its pager and the script that pages the data. */
export function renderRunsTable(
  data: IndexData,
  options: RunsTableOptions,
): { html: string; script: string } {
  const params = paramColumns(data);
  const header = [
    `<th data-type="num" data-col="start" aria-sort="descending">Date (UTC)</th>`,
    `<th data-type="text" data-col="name">Run</th>`,
    `<th data-type="text" data-col="status">Status</th>`,
    `<th data-type="text" data-col="dataset">Dataset</th>`,
    `<th data-type="text" data-col="model">Model</th>`,
    ...params.map((k) =>
      `<th class="num" data-type="num" data-col="param" data-param="${
        escapeHtml(k)
      }" title="param ${escapeHtml(k)}${data.sweptParams.includes(k) ? " (swept)" : ""}">${
        escapeHtml(k)
      }</th>`
    ),
    ...data.metrics.map((d) =>
      `<th class="num" data-type="num" data-col="metric" data-metric="${d.key}" title="${
        escapeHtml(d.label)
      } (${d.better} is better)">${escapeHtml(d.short)}</th>`
    ),
    `<th class="num" data-type="num" data-col="duration">Duration</th>`,
    `<th data-type="text" data-col="cached">Cached stages</th>`,
    `<th data-type="text" data-col="compare">Compare</th>`,
  ];
  const first = data.runs.slice(0, options.pageSize).map((r) => _row(r, data, params));
  const pages = Math.max(1, Math.ceil(data.runs.length / options.pageSize));
  const html = `<div class="table-wrap">
<table id="runs-table" class="sortable" data-page-size="${options.pageSize}" data-runs="${data.runs.length}">
<thead><tr>${header.join("")}</tr></thead>
<tbody>
${first.join("\n")}
</tbody>
</table>
<div class="pager" id="runs-pager"${pages <= 1 ? " hidden" : ""}>
<button type="button" data-page="prev" disabled>← Previous</button>
<span id="runs-page-info" aria-live="polite">Runs 1–${
    Math.min(options.pageSize, data.runs.length)
  } of ${data.runs.length} · page 1 of ${pages}</span>
<button type="button" data-page="next" disabled>Next →</button>
</div>
</div>`;
  return { html, script: _TABLE_SCRIPT };
}

const _TABLE_SCRIPT = `(function () {
  var table = document.getElementById("runs-table");
  if (!table) return;
  window.addEventListener("report-data", function (event) {
    var data = event.detail;
    var tbody = table.tBodies[0];
    var pageSize = Number(table.getAttribute("data-page-size")) || 50;
    var pager = document.getElementById("runs-pager");
    var info = document.getElementById("runs-page-info");
    var prev = pager.querySelector('[data-page="prev"]');
    var next = pager.querySelector('[data-page="next"]');
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var order = data.runs.slice();
    var page = 0;
    function el(tag, attrs, text) {
      var e = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      if (text !== undefined) e.textContent = text;
      return e;
    }
    function missing(title) {
      var td = el("td", { "class": "num", "data-sort": "" });
      if (title) td.title = title;
      td.appendChild(el("span", { "class": "muted" }, "\\u2014"));
      return td;
    }
    function fmtDuration(s) {
      if (s === null || !isFinite(s) || s < 0) return "\\u2014";
      if (s < 60) return (s < 10 ? s.toFixed(1) : String(Math.round(s))) + " s";
      var t = Math.round(s), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), x = t % 60;
      function two(n) { return (n < 10 ? "0" : "") + n; }
      return h > 0 ? h + " h " + two(m) + " m" : m + " m " + two(x) + " s";
    }
    function row(r) {
      var tr = el("tr", { "data-run-id": r.id });
      var cls = [r.best ? "best" : "", r.failed ? "failed" : ""].filter(Boolean).join(" ");
      if (cls) tr.className = cls;
      tr.appendChild(el("td", { "data-sort": String(r.start) }, r.date));
      var name = el("td", { "data-sort": r.name });
      name.appendChild(el("a", { href: r.href }, r.name));
      if (r.best) { name.appendChild(document.createTextNode(" ")); name.appendChild(el("span", { "class": "badge best" }, "best")); }
      tr.appendChild(name);
      var st = el("td", { "data-sort": r.status });
      st.appendChild(el("span", { "class": "badge " + (r.failed ? "failed" : r.status === "RUNNING" ? "running" : "finished") }, r.status.toLowerCase()));
      tr.appendChild(st);
      var ds = el("td");
      if (r.dataset) { var s = el("span", {}, r.dataset); if (r.datasetHash) s.title = "content hash " + r.datasetHash; ds.appendChild(s); } else ds.textContent = "\\u2014";
      tr.appendChild(ds);
      var model = el("td");
      if (r.model === null) model.appendChild(el("span", { "class": "muted", title: "The pipeline failed before training: no model" }, "\\u2014"));
      else model.textContent = r.model;
      tr.appendChild(model);
      headers.forEach(function (th) {
        var col = th.getAttribute("data-col");
        if (col === "param") {
          var v = r.params[th.getAttribute("data-param")];
          if (v === undefined) { var td = missing(); td.className = "num param"; tr.appendChild(td); }
          else tr.appendChild(el("td", { "class": "num param", "data-sort": v }, v));
        } else if (col === "metric") {
          var k = th.getAttribute("data-metric");
          var m = r.metrics[k];
          var def = data.metrics.filter(function (d) { return d.key === k; })[0];
          if (!m) { tr.appendChild(missing(r.failed ? "No value: the run failed" : "Not measured in this run")); return; }
          var cell = el("td", { "class": "num", "data-sort": String(m[0]) }, m[0].toFixed(def.digits));
          if (m[1] !== null && m[2] !== null) {
            cell.appendChild(el("br"));
            cell.appendChild(el("small", { title: "Confidence interval over folds" }, "[" + m[1].toFixed(def.digits) + ", " + m[2].toFixed(def.digits) + "]"));
          }
          tr.appendChild(cell);
        }
      });
      tr.appendChild(el("td", { "class": "num", "data-sort": r.duration === null ? "" : String(r.duration) }, fmtDuration(r.duration)));
      tr.appendChild(el("td", {}, r.cached || "\\u2014"));
      var cmp = el("td");
      if (r.compare) cmp.appendChild(el("a", { href: r.compare }, "vs. best"));
      tr.appendChild(cmp);
      return tr;
    }
    function sortKey(r, th) {
      var col = th.getAttribute("data-col");
      if (col === "start") return r.start;
      if (col === "name") return r.name;
      if (col === "status") return r.status;
      if (col === "dataset") return r.dataset || "";
      if (col === "model") return r.model || "";
      if (col === "duration") return r.duration === null ? "" : r.duration;
      if (col === "cached") return r.cached;
      if (col === "param") { var v = r.params[th.getAttribute("data-param")]; return v === undefined ? "" : v; }
      if (col === "metric") { var m = r.metrics[th.getAttribute("data-metric")]; return m ? m[0] : ""; }
      return "";
    }
    function render() {
      var pages = Math.max(1, Math.ceil(order.length / pageSize));
      page = Math.max(0, Math.min(page, pages - 1));
      while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
      order.slice(page * pageSize, (page + 1) * pageSize).forEach(function (r) { tbody.appendChild(row(r)); });
      var first = order.length === 0 ? 0 : page * pageSize + 1;
      var last = Math.min(order.length, (page + 1) * pageSize);
      info.textContent = "Runs " + first + "\\u2013" + last + " of " + order.length +
        " \\u00b7 page " + (page + 1) + " of " + pages;
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
      pager.hidden = pages <= 1;
      table.setAttribute("data-page", String(page + 1));
    }
    headers.forEach(function (th) {
      th.tabIndex = 0;
      function sort() {
        var numeric = th.getAttribute("data-type") === "num";
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        order.sort(function (a, b) {
          var ka = sortKey(a, th), kb = sortKey(b, th);
          if (ka === "" && kb === "") return 0;
          if (ka === "") return 1;   // missing values (failed runs) always last
          if (kb === "") return -1;
          var c = numeric ? Number(ka) - Number(kb) : String(ka).localeCompare(String(kb));
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
    table.setAttribute("data-live", "true");
  });
})();`;
