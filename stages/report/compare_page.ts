/**
 * Two runs side by side: only the params (and key tags) that differ, and the
 * metric deltas with their direction (what DVC's `exp diff` shows).
 *
 * @module
 */
import type { RunRecord } from "../../tracking/types.ts";
import { TAG_KEYS } from "./keys.ts";
import { METRIC_DEFS } from "./_metric_defs.ts";
import { toRunView } from "./_run_view.ts";
import { runPagePath } from "./page_paths.ts";
import { escapeHtml } from "./_html.ts";
import { formatNumber, MISSING } from "./_format.ts";
import { renderPage } from "./_page.ts";

/** Options of {@linkcode renderComparePage}. */
export interface ComparePageOptions {
  /** Path from the page to the report root. Default `"../"` (pages live in `compare/`). */
  readonly root?: string;
  readonly generatedAt?: Date;
  /** Content key embedded in the page (see `writeReports`); none by default. */
  readonly reportKey?: string;
}

/** One metric of two runs. */
export interface MetricDelta {
  readonly key: string;
  readonly a?: number;
  readonly b?: number;
  /** `b - a`, when both runs have the metric. */
  readonly delta?: number;
  /** Whether B is better than A on this metric. */
  readonly verdict: "better" | "worse" | "same" | "n/a";
}

/** The metric deltas of B against A (A is the baseline). */
export function metricDeltas(a: RunRecord, b: RunRecord): MetricDelta[] {
  const va = toRunView(a);
  const vb = toRunView(b);
  return METRIC_DEFS.flatMap((d): MetricDelta[] => {
    const x = va.metrics[d.key]?.value;
    const y = vb.metrics[d.key]?.value;
    if (x === undefined && y === undefined) return [];
    if (x === undefined || y === undefined) {
      return [{ key: d.key, a: x, b: y, verdict: "n/a" as const }];
    }
    const delta = y - x;
    const same = Math.abs(delta) < 0.5 * 10 ** -d.digits;
    const improved = d.better === "lower" ? delta < 0 : delta > 0;
    return [{
      key: d.key,
      a: x,
      b: y,
      delta,
      verdict: same ? "same" as const : improved ? "better" as const : "worse" as const,
    }];
  });
}

/** Params (and the key tags) whose values differ between the runs. */
export function differingParams(
  a: RunRecord,
  b: RunRecord,
): { key: string; a?: string; b?: string }[] {
  const rows: { key: string; a?: string; b?: string }[] = [];
  const keys = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort();
  for (const k of keys) {
    if (a.params[k] !== b.params[k]) rows.push({ key: k, a: a.params[k], b: b.params[k] });
  }
  for (const tag of [TAG_KEYS.model, TAG_KEYS.datasetHash, TAG_KEYS.gitCommit]) {
    if (a.tags[tag] !== b.tags[tag]) {
      rows.push({ key: `tag: ${tag}`, a: a.tags[tag], b: b.tags[tag] });
    }
  }
  return rows;
}

/** Renders the compare page of run B against run A (the baseline). */
export function renderComparePage(
  a: RunRecord,
  b: RunRecord,
  options: ComparePageOptions = {},
): string {
  const root = options.root ?? "../";
  const va = toRunView(a);
  const vb = toRunView(b);
  const link = (v: typeof va) => `<a href="${root}${runPagePath(v.id)}">${escapeHtml(v.name)}</a>`;
  const deltas = metricDeltas(a, b);
  const arrow = { better: "▲ better", worse: "▼ worse", same: "= same", "n/a": MISSING };
  const metricRows = deltas.map((d) => {
    const def = METRIC_DEFS.find((m) => m.key === d.key)!;
    const rel = d.delta !== undefined && d.a !== undefined && d.a !== 0
      ? ` <small>(${d.delta >= 0 ? "+" : ""}${
        ((d.delta / Math.abs(d.a)) * 100).toFixed(1)
      }%)</small>`
      : "";
    const sign = d.delta !== undefined && d.delta > 0 ? "+" : "";
    return `<tr data-metric="${d.key}" data-verdict="${d.verdict}"><td title="${
      escapeHtml(def.label)
    }">${escapeHtml(def.short)} <small class="muted">${def.better} is better</small></td>
<td class="num">${formatNumber(d.a, def.digits)}</td><td class="num">${
      formatNumber(d.b, def.digits)
    }</td>
<td class="num">${
      d.delta !== undefined ? sign + formatNumber(d.delta, def.digits) : MISSING
    }${rel}</td>
<td class="${d.verdict === "better" ? "better" : d.verdict === "worse" ? "worse" : "muted"}">${
      arrow[d.verdict]
    }</td></tr>`;
  }).join("\n");
  const params = differingParams(a, b);
  const paramTable = params.length === 0
    ? `<p class="muted" id="no-param-diff">Both runs used the same params.</p>`
    : `<div class="table-wrap"><table id="param-diff"><thead><tr><th>Param</th><th>A</th><th>B</th></tr></thead><tbody>${
      params.map((p) =>
        `<tr><td><code>${escapeHtml(p.key)}</code></td><td>${escapeHtml(p.a ?? MISSING)}</td><td>${
          escapeHtml(p.b ?? MISSING)
        }</td></tr>`
      ).join("")
    }</tbody></table></div>`;
  const failed = [va, vb].filter((v) => v.failed).map((v) =>
    `<p class="card alert" role="alert"><strong>${escapeHtml(v.name)} ${
      escapeHtml(v.status.toLowerCase())
    }</strong>: its metrics are missing, not zero.</p>`
  ).join("");
  const body = `<div class="grid">
<div class="card"><h3>A (baseline)</h3>${link(va)} <small>${escapeHtml(va.model)}</small></div>
<div class="card"><h3>B</h3>${link(vb)} <small>${escapeHtml(vb.model)}</small></div>
</div>
${failed}
<h2>Metrics</h2>
<p class="muted">Δ is B − A; the verdict says whether B is better than A for that metric.</p>
<div class="table-wrap"><table id="metric-diff"><thead><tr><th>Metric</th><th class="num">A</th><th class="num">B</th><th class="num">Δ</th><th>B vs. A</th></tr></thead>
<tbody>${
    metricRows || `<tr><td colspan="5" class="muted">Neither run has metrics.</td></tr>`
  }</tbody></table></div>
<h2>Params that differ</h2>
${paramTable}`;
  return renderPage({
    title: `Compare ${va.name} and ${vb.name}`,
    subtitle: "Only the params that differ, and how each metric moved from A to B.",
    body,
    root,
    generatedAt: options.generatedAt,
    reportKey: options.reportKey,
  });
}
