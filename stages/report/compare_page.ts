/**
 * Two runs side by side: their loss curves overlaid, the metric deltas with
 * their direction and, for k-fold runs, their intervals (chart and table),
 * and only the params (and key tags) that differ (DVC's `exp diff` and
 * `plots diff`, MLflow's compare view).
 *
 * @module
 */
import type { RunRecord } from "../../tracking/types.ts";
import { TAG_KEYS } from "../run_keys.ts";
import { METRIC_DEFS } from "./_metric_defs.ts";
import { toRunView } from "./_run_view.ts";
import { runPagePath } from "./page_paths.ts";
import { escapeHtml } from "./_html.ts";
import { formatNumber, MISSING } from "./_format.ts";
import { renderFigure, renderPage } from "./_page.ts";
import { formatDateTime } from "./_format.ts";
import { renderPlot } from "./_plot_chart.ts";
import { modelColor } from "./model_palette.ts";
import { METRIC_KEYS } from "../run_keys.ts";
import * as Plot from "@observablehq/plot";
import type { RunView } from "./_run_view.ts";

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
  /**
   * Half-width of the delta's 95% interval when both runs have confidence
   * intervals (k-fold): the two half-widths combined as independent, √(a² + b²).
   */
  readonly deltaHalfWidth?: number;
  /** True when that interval excludes zero. */
  readonly significant?: boolean;
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
    const ma = va.metrics[d.key]!;
    const mb = vb.metrics[d.key]!;
    const half = ma.low !== undefined && ma.high !== undefined && mb.low !== undefined &&
        mb.high !== undefined
      ? Math.hypot((ma.high - ma.low) / 2, (mb.high - mb.low) / 2)
      : undefined;
    return [{
      key: d.key,
      a: x,
      b: y,
      delta,
      verdict: same ? "same" as const : improved ? "better" as const : "worse" as const,
      ...(half !== undefined ? { deltaHalfWidth: half, significant: Math.abs(delta) > half } : {}),
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

/** `biased-mf factors=20 (6cdc1b4d, 2025-01-06 09:00)`: a run told apart from its namesakes. */
function _label(v: RunView): string {
  return `${v.name} (${v.id.slice(0, 8)}, ${formatDateTime(v.startTime)})`;
}

/** Training and validation loss of both runs on one chart per loss; A dashed. */
function _lossOverlay(va: RunView, vb: RunView, root: string): string | undefined {
  const rows = [[va, "A"], [vb, "B"]].flatMap(([v, side]) => {
    const view = v as RunView;
    return [
      { key: METRIC_KEYS.trainLoss, loss: "training" },
      { key: METRIC_KEYS.validationLoss, loss: "validation" },
    ].flatMap((s) =>
      (view.run.metrics[s.key] ?? []).filter((p) => Number.isFinite(p.value)).map((p) => ({
        side: side as string,
        run: `${side}: ${_label(view)}`,
        model: view.model,
        loss: s.loss,
        epoch: p.step,
        value: p.value,
        href: `${root}${runPagePath(view.id)}`,
      }))
    );
  });
  if (rows.length === 0) return undefined;
  const losses = [...new Set(rows.map((r) => r.loss))];
  const models = [...new Set(rows.map((r) => r.model))].sort();
  const runIdByHref = new Map([
    [`${root}${runPagePath(va.id)}`, va.id],
    [`${root}${runPagePath(vb.id)}`, vb.id],
  ]);
  const chart = renderPlot({
    width: 620,
    height: 280,
    marginLeft: 56,
    marginBottom: 40,
    style: { fontSize: "11px", background: "white" },
    fx: { label: null, domain: losses },
    x: { label: "Epoch →", tickFormat: "d" },
    y: { label: "↑ Loss", grid: true, nice: true, zero: false },
    color: { domain: models, range: models.map(modelColor), legend: models.length > 1 },
    marks: [
      Plot.frame({ stroke: "#e1e5ea" }),
      ...(["A", "B"] as const).map((side) =>
        Plot.line(rows.filter((r) => r.side === side), {
          fx: "loss",
          x: "epoch",
          y: "value",
          z: "run",
          stroke: "model",
          strokeWidth: 2,
          strokeDasharray: side === "A" ? "6,3" : undefined,
          href: "href",
          title: "run",
          className: "compare-loss",
        })
      ),
    ],
  }, [{ className: "compare-loss", runIdByHref }]);
  const drawn = new Set(rows.map((r) => `${r.side}\0${r.loss}`)).size;
  return renderFigure({
    id: "compare-loss",
    title: "Loss per epoch, A and B overlaid",
    caption:
      "Each run's per-epoch loss, coloured by model: A (the baseline) dashed, B solid; one panel per loss.",
    chart,
    marks: drawn,
  });
}

/** Each metric's change from A to B as a share of A, with its interval when both have folds. */
function _deltaChart(deltas: readonly MetricDelta[]): string | undefined {
  const rows = deltas.flatMap((d) => {
    if (d.delta === undefined || d.a === undefined || d.a === 0) return [];
    const def = METRIC_DEFS.find((m) => m.key === d.key)!;
    const scale = 100 / Math.abs(d.a);
    return [{
      metric: `${def.short} (${def.better})`,
      pct: d.delta * scale,
      low: d.deltaHalfWidth !== undefined ? (d.delta - d.deltaHalfWidth) * scale : undefined,
      high: d.deltaHalfWidth !== undefined ? (d.delta + d.deltaHalfWidth) * scale : undefined,
      verdict: d.verdict,
      title: `${def.short}: ${d.delta >= 0 ? "+" : ""}${formatNumber(d.delta, def.digits)} (${
        (d.delta * scale).toFixed(2)
      }%)${
        d.deltaHalfWidth !== undefined ? ` ± ${formatNumber(d.deltaHalfWidth, def.digits)}` : ""
      } · ${d.verdict}`,
    }];
  });
  if (rows.length === 0) return undefined;
  const ci = rows.filter((r) => r.low !== undefined);
  const chart = renderPlot({
    width: 620,
    height: 40 + 26 * rows.length,
    marginLeft: 150,
    marginBottom: 36,
    style: { fontSize: "11px", background: "white" },
    x: { label: "Change from A to B (% of A) →", grid: true, nice: true },
    y: { label: null, domain: rows.map((r) => r.metric) },
    color: {
      domain: ["better", "worse", "same"],
      range: ["#1f7a43", "#b3261e", "#9498a0"],
      legend: true,
    },
    marks: [
      Plot.ruleX([0], { stroke: "#1d232b" }),
      Plot.ruleY(ci, {
        y: "metric",
        x1: "low",
        x2: "high",
        stroke: "verdict",
        strokeWidth: 2,
        className: "delta-ci",
      }),
      Plot.dot(rows, {
        y: "metric",
        x: "pct",
        fill: "verdict",
        r: 4.5,
        title: "title",
        className: "delta-points",
      }),
    ],
  }, [{ className: "delta-points" }]);
  return renderFigure({
    id: "metric-deltas",
    title: "Metric deltas",
    caption:
      "How each metric moved from A to B, as a share of A's value, green where B is better; bars are 95% intervals of the delta when both runs have k-fold confidence intervals (a bar crossing zero: no clear difference).",
    chart,
    marks: rows.length,
  });
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
  const digitsOf = (key: string) => METRIC_DEFS.find((m) => m.key === key)?.digits ?? 4;
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
    }${rel}${
      d.deltaHalfWidth !== undefined
        ? `<br><small title="95% interval of the delta from both runs' fold intervals">± ${
          formatNumber(d.deltaHalfWidth, digitsOf(d.key))
        }${d.significant ? "" : " (not significant)"}</small>`
        : ""
    }</td>
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
  const card = (v: RunView, what: string) =>
    `<div class="card"><h3>${what}</h3>${link(v)} <small>${
      escapeHtml(v.model)
    }</small><br><small class="muted">run <code>${escapeHtml(v.id.slice(0, 8))}</code> · ${
      formatDateTime(v.startTime)
    } UTC · ${escapeHtml(v.status.toLowerCase())}</small></div>`;
  const charts = [_lossOverlay(va, vb, root), _deltaChart(deltas)].filter((c): c is string =>
    c !== undefined
  );
  const body = `<div class="grid">
${card(va, "A (baseline)")}
${card(vb, "B")}
</div>
${failed}
${charts.length > 0 ? `<h2>Charts</h2><div class="grid">${charts.join("\n")}</div>` : ""}
<h2>Metrics</h2>
<p class="muted">Δ is B − A; the verdict says whether B is better than A for that metric.</p>
<div class="table-wrap"><table id="metric-diff"><thead><tr><th>Metric</th><th class="num">A</th><th class="num">B</th><th class="num">Δ</th><th>B vs. A</th></tr></thead>
<tbody>${
    metricRows || `<tr><td colspan="5" class="muted">Neither run has metrics.</td></tr>`
  }</tbody></table></div>
<h2>Params that differ</h2>
${paramTable}`;
  return renderPage({
    title: `Compare ${_label(va)} and ${_label(vb)}`,
    subtitle:
      "Loss curves overlaid, how each metric moved from A to B (with intervals for k-fold runs), and only the params that differ.",
    body,
    root,
    generatedAt: options.generatedAt,
    reportKey: options.reportKey,
  });
}
