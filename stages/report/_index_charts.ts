/**
 * The static charts of the index page: each metric of the latest runs over
 * time (Observable Plot), one data mark per run, confidence intervals as
 * error bars. The charts over every run are drawn in the browser
 * (`_live_charts.ts`).
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { METRIC_KEYS } from "../run_keys.ts";
import { metricDef } from "./_metric_defs.ts";
import type { RunView } from "./_run_view.ts";
import { runPagePath } from "./page_paths.ts";
import { renderPlot } from "./_plot_chart.ts";
import { renderFigure } from "./_page.ts";
import { BEST_COLOR, modelColors } from "./_chart_style.ts";
import { formatDateTime, formatNumber } from "./_format.ts";

/** Options of {@linkcode renderIndexCharts}. */
export interface IndexChartOptions {
  /** Runs sorted by start time, oldest first. */
  readonly chronological: readonly RunView[];
  readonly best?: RunView;
  /** How many of the latest runs the over-time charts show. */
  readonly latestN: number;
}

interface _Point {
  readonly runId: string;
  readonly seq: number;
  readonly x: number;
  readonly value: number;
  readonly low?: number;
  readonly high?: number;
  readonly model: string;
  readonly href: string;
  readonly title: string;
}

function _title(v: RunView, metric: string, value: number, seq: number): string {
  const def = metricDef(metric);
  const params = v.keyParams.map(([k, p]) => `${k}=${p}`).join(" ");
  return [
    `Run #${seq}: ${v.name}`,
    `${v.model} · ${formatDateTime(v.startTime)} UTC`,
    `${def?.short ?? metric}: ${formatNumber(value, def?.digits ?? 4)}`,
    params,
  ].filter((s) => s !== "").join("\n");
}

function _points(
  runs: readonly RunView[],
  seqOf: ReadonlyMap<string, number>,
  metric: string,
  x: (v: RunView) => number | undefined,
): _Point[] {
  const points: _Point[] = [];
  for (const v of runs) {
    const m = v.metrics[metric];
    const xv = x(v);
    if (v.status !== "FINISHED" || !m || xv === undefined) continue;
    const seq = seqOf.get(v.id) ?? 0;
    points.push({
      runId: v.id,
      seq,
      x: xv,
      value: m.value,
      low: m.low,
      high: m.high,
      model: v.model,
      href: runPagePath(v.id),
      title: _title(v, metric, m.value, seq),
    });
  }
  return points;
}

function _metricLabel(metric: string): string {
  const def = metricDef(metric);
  const label = def?.short ?? metric;
  return def ? `${label} (${def.better} is better)` : label;
}

function _plotPoints(
  points: readonly _Point[],
  options: {
    readonly xLabel: string;
    readonly metric: string;
    readonly models: { domain: string[]; range: string[] };
    readonly bestId?: string;
    readonly xType?: "linear" | "log";
    /** Draw each model's mean at each x, joined by a line (sweeps). */
    readonly trend?: boolean;
  },
): string {
  const ci = points.filter((p) => p.low !== undefined && p.high !== undefined);
  const best = points.filter((p) => p.runId === options.bestId);
  const byHref = new Map(points.map((p) => [p.href, p.runId]));
  return renderPlot({
    width: 600,
    height: 300,
    marginLeft: 60,
    marginBottom: 40,
    style: { fontSize: "11px", background: "white" },
    x: {
      label: options.xLabel,
      type: options.xType,
      nice: options.xType !== "log",
      ticks: options.xType === "log"
        ? [...new Set(points.map((p) => p.x))].sort((a, b) => a - b)
        : undefined,
      tickFormat: options.xType === "log" ? (d: number) => String(+d.toPrecision(6)) : undefined,
    },
    y: { label: _metricLabel(options.metric), grid: true, nice: true, zero: false },
    color: { ...options.models, legend: options.models.domain.length > 1 },
    marks: [
      ...(options.trend
        ? [Plot.line(
          points,
          Plot.groupX({ y: "mean" }, {
            x: "x",
            y: "value",
            z: "model",
            stroke: "model",
            strokeOpacity: 0.7,
            strokeWidth: 1.5,
            sort: "x",
            className: "model-trend",
          }),
        )]
        : []),
      Plot.ruleX(ci, {
        x: "x",
        y1: "low",
        y2: "high",
        stroke: "model",
        strokeOpacity: 0.55,
        strokeWidth: 1.5,
        className: "ci-bar",
      }),
      Plot.dot(points, {
        x: "x",
        y: "value",
        fill: "model",
        r: 3.5,
        stroke: "white",
        strokeWidth: 0.5,
        href: "href",
        title: "title",
        className: "run-points",
      }),
      Plot.dot(best, {
        x: "x",
        y: "value",
        r: 8,
        stroke: BEST_COLOR,
        strokeWidth: 2,
        fill: "none",
        className: "best-ring",
      }),
    ],
  }, [{ className: "run-points", runIdByHref: byHref }]);
}

function _overTime(options: IndexChartOptions, metric: string, title: string): string {
  const all = options.chronological;
  const seqOf = new Map(all.map((v, i) => [v.id, i + 1]));
  const latest = all.slice(Math.max(0, all.length - options.latestN));
  const points = _points(latest, seqOf, metric, (v) => seqOf.get(v.id));
  const finishedWithMetric = _points(all, seqOf, metric, () => 0).length;
  const models = modelColors(latest.filter((v) => v.hasModel && !v.failed).map((v) => v.model));
  const chart = points.length > 0
    ? _plotPoints(points, {
      xLabel: "Run number (chronological) →",
      metric,
      models,
      bestId: options.best?.id,
    })
    : `<p class="muted">No finished run has ${metricDef(metric)?.short ?? metric} yet.</p>`;
  const def = metricDef(metric);
  const note = finishedWithMetric > points.length
    ? `Showing the latest ${options.latestN} runs of ${all.length}; ${finishedWithMetric} finished runs have this metric.`
    : undefined;
  return renderFigure({
    id: `${metric}-over-time`,
    title,
    caption: `${def?.label ?? metric} of each finished run in the order the runs were made (${
      def?.better ?? "?"
    } is better); bars are confidence intervals of k-fold runs, the ring marks the best run.`,
    chart,
    marks: points.length,
    note,
  });
}

/**
 * Renders the index page's static chart figures: each metric of the latest
 * runs over time (bounded by `latestN`, so their size does not grow with the
 * number of runs).
 */
export function renderIndexCharts(options: IndexChartOptions): string[] {
  return [
    _overTime(options, METRIC_KEYS.rmse, "RMSE across runs"),
    _overTime(options, METRIC_KEYS.mae, "MAE across runs"),
    _overTime(options, METRIC_KEYS.explainedVariance, "Explained variance across runs"),
  ];
}
