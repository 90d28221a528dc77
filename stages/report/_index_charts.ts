/**
 * The static charts of the index page: each metric across runs over time and
 * against the sweep params (Observable Plot), RMSE grouped by model
 * (Vega-Lite). One data mark per run; confidence intervals as error bars.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { TopLevelSpec } from "vega-lite";
import { METRIC_KEYS } from "./keys.ts";
import { metricDef } from "./_metric_defs.ts";
import type { RunView } from "./_run_view.ts";
import { runPagePath } from "./page_paths.ts";
import { renderPlot } from "./_plot_chart.ts";
import { renderVegaLite } from "./_vega_chart.ts";
import { renderFigure } from "./_page.ts";
import { BEST_COLOR, modelColors, VEGA_CONFIG } from "./_chart_style.ts";
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
  const models = modelColors(all.map((v) => v.model));
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

function _sweep(
  options: IndexChartOptions,
  param: "factors" | "regularization",
): string | undefined {
  const all = options.chronological;
  const seqOf = new Map(all.map((v, i) => [v.id, i + 1]));
  const points = _points(all, seqOf, METRIC_KEYS.rmse, (v) => v[param]);
  const distinct = new Set(points.map((p) => p.x));
  if (distinct.size < 2) return undefined;
  const positive = points.every((p) => p.x > 0);
  const xs = points.map((p) => p.x);
  const logScale = positive && Math.max(...xs) / Math.min(...xs) >= 20;
  const label = param === "factors" ? "Latent factors" : "Regularisation";
  const chart = _plotPoints(points, {
    xLabel: `${label}${logScale ? " (log scale)" : ""} →`,
    metric: METRIC_KEYS.rmse,
    models: modelColors(all.map((v) => v.model)),
    bestId: options.best?.id,
    xType: logScale ? "log" : "linear",
    trend: true,
  });
  return renderFigure({
    id: `rmse-vs-${param}`,
    title: `RMSE vs. ${label.toLowerCase()}`,
    caption:
      `Test RMSE of every finished run against its ${label.toLowerCase()} setting, one dot per run coloured by model; the lines join each model's mean RMSE, so the sweep's sweet spot is the lowest point.`,
    chart,
    marks: points.length,
  });
}

async function _byModel(options: IndexChartOptions): Promise<string> {
  const all = options.chronological;
  const rows = all.flatMap((v) => {
    const m = v.metrics[METRIC_KEYS.rmse];
    if (v.status !== "FINISHED" || !m) return [];
    // Deterministic jitter from the run id, so rebuilding gives the same chart.
    let h = 0;
    for (let i = 0; i < v.id.length; i++) h = (h * 31 + v.id.charCodeAt(i)) >>> 0;
    return [{
      runId: v.id,
      model: v.model,
      rmse: m.value,
      jitter: (h % 1000) / 1000,
      run: v.name,
      date: formatDateTime(v.startTime),
    }];
  });
  const colors = modelColors(all.map((v) => v.model));
  if (rows.length === 0) {
    return renderFigure({
      id: "rmse-by-model",
      title: "RMSE by model",
      caption: "Test RMSE of each finished run, grouped by model.",
      chart: `<p class="muted">No finished run has an RMSE yet.</p>`,
      marks: 0,
    });
  }
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 520,
    height: 280,
    background: "white",
    config: VEGA_CONFIG,
    data: { values: rows },
    layer: [
      {
        name: "model_runs",
        mark: { type: "circle", size: 36, opacity: 0.75 },
        encoding: {
          x: {
            field: "model",
            type: "nominal",
            title: "Model",
            sort: colors.domain,
            axis: { labelAngle: 0 },
          },
          xOffset: { field: "jitter", type: "quantitative", scale: { domain: [-0.4, 1.4] } },
          y: {
            field: "rmse",
            type: "quantitative",
            title: "RMSE (lower is better)",
            scale: { zero: false, nice: true },
          },
          color: {
            field: "model",
            type: "nominal",
            scale: { domain: colors.domain, range: colors.range },
            legend: null,
          },
          tooltip: [{ field: "run" }, { field: "date" }, { field: "rmse", format: ".4f" }],
        },
      },
      {
        name: "model_mean",
        mark: { type: "tick", color: "#1d232b", thickness: 2, size: 34 },
        encoding: {
          x: { field: "model", type: "nominal", sort: colors.domain },
          y: { aggregate: "mean", field: "rmse", type: "quantitative" },
        },
      },
    ],
  };
  const svg = await renderVegaLite(spec, ["model_runs_marks"]);
  return renderFigure({
    id: "rmse-by-model",
    title: "RMSE by model",
    caption:
      "Test RMSE of every finished run grouped by model, one dot per run (spread sideways so they do not overlap); the dark tick is the model's mean.",
    chart: svg,
    marks: rows.length,
  });
}

/** Renders the index page's static chart figures. */
export async function renderIndexCharts(options: IndexChartOptions): Promise<string> {
  const figures = [
    _overTime(options, METRIC_KEYS.rmse, "RMSE across runs"),
    _overTime(options, METRIC_KEYS.mae, "MAE across runs"),
    _overTime(options, METRIC_KEYS.explainedVariance, "Explained variance across runs"),
    await _byModel(options),
    _sweep(options, "factors"),
    _sweep(options, "regularization"),
  ].filter((f): f is string => f !== undefined);
  return `<div class="grid">${figures.join("\n")}</div>`;
}
