/**
 * The index page's interactive charts, drawn in the browser by Vega from the
 * index data (`index-data.js`) rather than embedded as SVG, so the page stays
 * small at 1,000 runs: the runs explorer, RMSE by model, RMSE against each
 * swept param faceted by model (each panel scaled to its own runs), any param
 * against any metric, a parallel-coordinates view of the sweep and the
 * per-epoch loss curves of many runs overlaid. The Vega-Lite specs are
 * compiled here, at build time; the page holds only the Vega specs.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { METRIC_KEYS } from "../run_keys.ts";
import type { RunView } from "./_run_view.ts";
import { compileVegaLite } from "./_vega_chart.ts";
import { renderFigure } from "./_page.ts";
import { VEGA_CONFIG } from "./_chart_style.ts";
import { escapeHtml, scriptJson } from "./_html.ts";
import type { IndexData } from "./index_data.ts";

/** A field name safe in Vega expressions: `biased-mf.lr` -> `biased_mf_lr`. */
export function fieldName(prefix: "p" | "m", key: string): string {
  return `${prefix}_${key.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** What a live chart needs from the page. */
interface _LiveChart {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  /** Which rows the boot script feeds it: finished runs, scatter points or epoch curves. */
  readonly kind: "runs" | "scatter" | "curves";
  readonly spec: TopLevelSpec;
  /** Name of the Vega mark whose items are runs (tagged `datum-mark` with `data-run-id`). */
  readonly mark: string;
  /** Marks the chart draws when first shown (rows of finished runs it keeps). */
  readonly marks: number;
  readonly controls?: string;
  readonly extra?: Readonly<Record<string, string>>;
  readonly height?: number;
}

const _SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

function _colorScale(data: IndexData) {
  return { domain: [...data.colors.domain], range: [...data.colors.range] };
}

function _finished(views: readonly RunView[]): RunView[] {
  return views.filter((v) =>
    v.status === "FINISHED" && v.hasModel && v.metrics[METRIC_KEYS.rmse] !== undefined
  );
}

function _explorer(views: readonly RunView[], data: IndexData): _LiveChart {
  return {
    id: "runs-explorer",
    title: "Explore runs",
    caption:
      "RMSE of every finished run by start time, coloured by model: hover a dot for its details, scroll to zoom, drag to pan, double-click to reset, click to open the run.",
    kind: "runs",
    mark: "explorer_runs_marks",
    marks: _finished(views).length,
    spec: {
      $schema: _SCHEMA,
      width: 1120,
      height: 320,
      background: "white",
      config: VEGA_CONFIG,
      data: { name: "rows" },
      name: "explorer_runs",
      params: [{ name: "zoom", select: "interval", bind: "scales" }],
      mark: { type: "point", filled: true, size: 60, opacity: 0.8, cursor: "pointer" },
      encoding: {
        x: {
          field: "start",
          type: "temporal",
          title: "Run start (UTC)",
          axis: { format: "%b %d %H:%M", labelOverlap: true },
        },
        y: {
          field: "m_rmse",
          type: "quantitative",
          title: "RMSE (lower is better)",
          scale: { zero: false, nice: true },
        },
        color: { field: "model", type: "nominal", title: "Model", scale: _colorScale(data) },
        href: { field: "href" },
        tooltip: [
          { field: "run", title: "Run" },
          { field: "model", title: "Model" },
          { field: "date", title: "Started" },
          { field: "m_rmse", title: "RMSE", format: ".4f" },
          { field: "m_mae", title: "MAE", format: ".4f" },
          { field: "paramText", title: "Params" },
        ],
      },
    },
  };
}

function _byModel(views: readonly RunView[], data: IndexData): _LiveChart {
  return {
    id: "rmse-by-model",
    title: "RMSE by model",
    caption:
      "Test RMSE of every finished run grouped by model, one dot per run (spread sideways so they do not overlap); the dark tick is the model's mean. Failed runs trained no model and are not shown.",
    kind: "runs",
    mark: "model_runs_marks",
    marks: _finished(views).length,
    spec: {
      $schema: _SCHEMA,
      width: 520,
      height: 280,
      background: "white",
      config: VEGA_CONFIG,
      data: { name: "rows" },
      layer: [
        {
          name: "model_runs",
          mark: { type: "circle", size: 36, opacity: 0.75 },
          encoding: {
            x: {
              field: "model",
              type: "nominal",
              title: "Model",
              sort: [...data.colors.domain],
              axis: { labelAngle: data.colors.domain.length > 6 ? -35 : 0 },
            },
            xOffset: { field: "jitter", type: "quantitative", scale: { domain: [-0.4, 1.4] } },
            y: {
              field: "m_rmse",
              type: "quantitative",
              title: "RMSE (lower is better)",
              scale: { zero: false, nice: true },
            },
            color: { field: "model", type: "nominal", scale: _colorScale(data), legend: null },
            tooltip: [{ field: "run" }, { field: "date" }, { field: "m_rmse", format: ".4f" }],
          },
        },
        {
          mark: { type: "tick", color: "#1d232b", thickness: 2, size: 34 },
          encoding: {
            x: { field: "model", type: "nominal", sort: [...data.colors.domain] },
            y: { aggregate: "mean", field: "m_rmse", type: "quantitative" },
          },
        },
      ],
    },
  };
}

/** The models (with finished runs) for which the param takes two or more values. */
function _modelsSweeping(views: readonly RunView[], param: string): string[] {
  const values = new Map<string, Set<string>>();
  for (const v of _finished(views)) {
    const raw = v.keyParams.find(([k]) => k === param)?.[1];
    if (raw === undefined || !Number.isFinite(Number(raw))) continue;
    const set = values.get(v.model) ?? new Set<string>();
    values.set(v.model, set);
    set.add(raw);
  }
  return [...values].filter(([, s]) => s.size >= 2).map(([m]) => m).sort();
}

function _sweep(views: readonly RunView[], data: IndexData, param: string): _LiveChart {
  const models = _modelsSweeping(views, param);
  const field = fieldName("p", param);
  const marks = _finished(views).filter((v) =>
    models.includes(v.model) &&
    Number.isFinite(Number(v.keyParams.find(([k]) => k === param)?.[1] ?? NaN))
  ).length;
  const xs = _finished(views).flatMap((v) => {
    const raw = v.keyParams.find(([k]) => k === param)?.[1];
    return models.includes(v.model) && raw !== undefined ? [Number(raw)] : [];
  });
  const positive = xs.length > 0 && xs.every((x) => x > 0);
  const log = positive && Math.max(...xs) / Math.min(...xs) >= 20;
  return {
    id: `rmse-vs-${param.replace(/[^A-Za-z0-9_-]/g, "_")}`,
    title: `RMSE vs. ${param}`,
    caption:
      `Test RMSE of every finished run against ${param}, one panel per model that swept it (${models.length}), each panel's axes scaled to its own runs so small differences show; the line joins the model's mean RMSE at each value.`,
    kind: "runs",
    mark: "sweep_points_marks",
    marks,
    extra: { "data-param": param, "data-models": models.join(",") },
    spec: {
      $schema: _SCHEMA,
      background: "white",
      config: VEGA_CONFIG,
      data: { name: "rows" },
      transform: [
        { filter: { field: "model", oneOf: models } },
        { filter: `isValid(datum.${field}) && isFinite(datum.${field})` },
      ],
      facet: { field: "model", type: "nominal", title: null, sort: models },
      columns: Math.min(3, Math.max(1, models.length)),
      resolve: { scale: { y: "independent", x: "independent" } },
      spec: {
        width: models.length > 1 ? 300 : 520,
        height: 200,
        layer: [
          {
            mark: { type: "line", strokeWidth: 1.5, opacity: 0.7 },
            encoding: {
              x: { field, type: "quantitative" },
              y: { aggregate: "mean", field: "m_rmse", type: "quantitative" },
              color: { field: "model", type: "nominal", scale: _colorScale(data), legend: null },
            },
          },
          {
            name: "sweep_points",
            mark: { type: "point", filled: true, size: 40, opacity: 0.85 },
            encoding: {
              x: {
                field,
                type: "quantitative",
                title: `${param}${log ? " (log scale)" : ""}`,
                scale: log
                  ? { type: "log", nice: false, padding: 10 }
                  : { zero: false, nice: true },
              },
              y: {
                field: "m_rmse",
                type: "quantitative",
                title: "RMSE (lower is better)",
                scale: { zero: false, nice: true },
              },
              color: { field: "model", type: "nominal", scale: _colorScale(data), legend: null },
              tooltip: [
                { field: "run", title: "Run" },
                { field, title: param },
                { field: "m_rmse", title: "RMSE", format: ".4f" },
              ],
            },
          },
        ],
      },
    },
  };
}

function _options(items: readonly { value: string; label: string }[], selected: string): string {
  return items.map((o) =>
    `<option value="${escapeHtml(o.value)}"${o.value === selected ? " selected" : ""}>${
      escapeHtml(o.label)
    }</option>`
  ).join("");
}

/** Every numeric key param of the finished runs, sorted. */
function _numericParams(views: readonly RunView[]): string[] {
  const keys = new Set<string>();
  for (const v of _finished(views)) {
    for (const [k, raw] of v.keyParams) {
      if (raw.trim() !== "" && Number.isFinite(Number(raw))) keys.add(k);
    }
  }
  return [...keys].sort();
}

function _scatter(views: readonly RunView[], data: IndexData): _LiveChart | undefined {
  const params = _numericParams(views);
  if (params.length === 0) return undefined;
  const x = data.sweptParams[0] ?? params[0]!;
  const marks =
    _finished(views).filter((v) =>
      Number.isFinite(Number(v.keyParams.find(([k]) => k === x)?.[1] ?? NaN))
    ).length;
  const controls = `<div class="controls">
<label>Param <select data-role="x">${
    _options(params.map((p) => ({ value: p, label: p })), x)
  }</select></label>
<label>Metric <select data-role="y">${
    _options(
      data.metrics.map((m) => ({ value: m.key, label: `${m.short} (${m.better} is better)` })),
      METRIC_KEYS.rmse,
    )
  }</select></label>
</div>`;
  return {
    id: "param-vs-metric",
    title: "Any param against any metric",
    caption:
      "Pick a param and a metric: one dot per finished run that has both, coloured by model (MLflow's scatter view). Runs of models without that param are left out.",
    kind: "scatter",
    mark: "scatter_points_marks",
    marks,
    controls,
    spec: {
      $schema: _SCHEMA,
      width: 520,
      height: 300,
      background: "white",
      config: VEGA_CONFIG,
      data: { name: "rows" },
      params: [{ name: "xTitle", value: x }, { name: "yTitle", value: "RMSE" }],
      name: "scatter_points",
      mark: { type: "point", filled: true, size: 50, opacity: 0.8 },
      encoding: {
        x: {
          field: "x",
          type: "quantitative",
          scale: { zero: false, nice: true },
          axis: { title: { expr: "xTitle" } as unknown as string },
        },
        y: {
          field: "y",
          type: "quantitative",
          scale: { zero: false, nice: true },
          axis: { title: { expr: "yTitle" } as unknown as string },
        },
        color: { field: "model", type: "nominal", title: "Model", scale: _colorScale(data) },
        href: { field: "href" },
        tooltip: [
          { field: "run", title: "Run" },
          { field: "x", title: "param" },
          { field: "y", title: "metric", format: ".4f" },
        ],
      },
    },
  };
}

function _parallel(views: readonly RunView[], data: IndexData): _LiveChart | undefined {
  const params = data.sweptParams;
  if (params.length === 0) return undefined;
  const axes = [
    ...params.map((p) => ({ key: fieldName("p", p), label: p })),
    { key: "m_rmse", label: "RMSE" },
    { key: "m_mae", label: "MAE" },
  ];
  const fields = axes.map((a) => a.key);
  const labelOf = Object.fromEntries(axes.map((a) => [a.key, a.label]));
  const marks =
    _finished(views).filter((v) =>
      params.every((p) =>
        Number.isFinite(Number(v.keyParams.find(([k]) => k === p)?.[1] ?? NaN))
      ) &&
      v.metrics[METRIC_KEYS.mae] !== undefined
    ).length;
  const labelExpr = `${JSON.stringify(labelOf)}[datum.key]`;
  return {
    id: "sweep-parallel",
    title: "The sweep in parallel coordinates",
    caption: `One line per finished run that has every swept param (${
      params.join(", ")
    }) and the errors, each axis scaled from its smallest to its largest value, coloured by model: lines that end low on RMSE show which settings win.`,
    kind: "runs",
    mark: "parallel_lines_marks",
    marks,
    extra: { "data-axes": axes.map((a) => a.label).join(",") },
    spec: {
      $schema: _SCHEMA,
      width: Math.max(420, 160 * axes.length),
      height: 300,
      background: "white",
      config: { ...VEGA_CONFIG, axisX: { domain: false, labelAngle: 0, tickColor: "#ccc" } },
      data: { name: "rows" },
      transform: [
        { filter: fields.map((f) => `isValid(datum.${f}) && isFinite(datum.${f})`).join(" && ") },
        { fold: fields },
        {
          joinaggregate: [{ op: "min", field: "value", as: "min" }, {
            op: "max",
            field: "value",
            as: "max",
          }],
          groupby: ["key"],
        },
        {
          calculate:
            "datum.max === datum.min ? 0.5 : (datum.value - datum.min) / (datum.max - datum.min)",
          as: "norm",
        },
        { calculate: labelExpr, as: "axis" },
      ],
      layer: [
        {
          mark: { type: "rule", color: "#9aa3af" },
          encoding: {
            detail: { aggregate: "count" },
            x: {
              field: "axis",
              type: "nominal",
              sort: axes.map((a) => a.label),
              title: null,
              // below each axis's smallest value, which is written at its foot
              axis: { offset: 16, labelFontWeight: 600, labelFontSize: 12 },
            },
          },
        },
        {
          name: "parallel_lines",
          mark: { type: "line", opacity: 0.55, strokeWidth: 1.4 },
          encoding: {
            x: { field: "axis", type: "nominal", sort: axes.map((a) => a.label) },
            y: { field: "norm", type: "quantitative", axis: null },
            color: { field: "model", type: "nominal", title: "Model", scale: _colorScale(data) },
            detail: { field: "runId", type: "nominal" },
            tooltip: [{ field: "run", title: "Run" }, { field: "model" }],
          },
        },
        {
          mark: { type: "text", style: "label", dy: -8, fontSize: 10, color: "#3b4350" },
          encoding: {
            x: { field: "axis", type: "nominal", sort: axes.map((a) => a.label) },
            y: { value: 0 },
            text: { aggregate: "max", field: "max", format: ".4~g" },
          },
        },
        {
          mark: { type: "text", style: "label", dy: 12, fontSize: 10, color: "#3b4350" },
          encoding: {
            x: { field: "axis", type: "nominal", sort: axes.map((a) => a.label) },
            y: { value: 300 },
            text: { aggregate: "min", field: "min", format: ".4~g" },
          },
        },
      ],
    },
  };
}

/** How many of the newest runs the curves chart overlays by default. */
export const CURVES_LATEST = 30;

function _curves(views: readonly RunView[], data: IndexData): _LiveChart | undefined {
  const withCurves = _finished(views).filter((v) =>
    (v.run.metrics[METRIC_KEYS.validationLoss]?.length ?? 0) > 0 ||
    (v.run.metrics[METRIC_KEYS.trainLoss]?.length ?? 0) > 0
  );
  if (withCurves.length === 0) return undefined;
  const models = [...new Set(withCurves.map((v) => v.model))].sort();
  const controls = `<div class="controls">
<label>Model <select data-role="model"><option value="">all models</option>${
    _options(models.map((m) => ({ value: m, label: m })), "")
  }</select></label>
<label>Loss <select data-role="series">${
    _options([
      { value: "validation", label: "validation" },
      { value: "training", label: "training" },
    ], "validation")
  }</select></label>
<label>Runs <select data-role="latest">${
    _options(
      [10, CURVES_LATEST, 100, 1000].map((n) => ({ value: String(n), label: `latest ${n}` })),
      String(CURVES_LATEST),
    )
  }</select></label>
</div>`;
  return {
    id: "loss-curves-overlay",
    title: "Loss per epoch, runs overlaid",
    caption:
      "The per-epoch loss of the latest runs (of one model or all) on one chart, coloured by model, the best run drawn thicker (DVC's plots diff): curves that flatten early converged, curves that turn up over-fit.",
    kind: "curves",
    mark: "curve_lines_marks",
    marks: Math.min(
      CURVES_LATEST,
      withCurves.filter((v) => (v.run.metrics[METRIC_KEYS.validationLoss]?.length ?? 0) > 0).length,
    ),
    controls,
    spec: {
      $schema: _SCHEMA,
      width: 1120,
      height: 300,
      background: "white",
      config: VEGA_CONFIG,
      data: { name: "rows" },
      name: "curve_lines",
      mark: { type: "line", strokeOpacity: 0.65, interpolate: "linear" },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "Epoch", axis: { tickMinStep: 1 } },
        y: {
          field: "loss",
          type: "quantitative",
          title: "Loss (RMSE on the held-out ratings)",
          scale: { zero: false, nice: true },
        },
        color: { field: "model", type: "nominal", title: "Model", scale: _colorScale(data) },
        detail: { field: "runId", type: "nominal" },
        strokeWidth: { condition: { test: "datum.best", value: 3.5 }, value: 1.3 },
        tooltip: [{ field: "run", title: "Run" }, { field: "epoch" }, {
          field: "loss",
          format: ".4f",
        }],
      },
    },
  };
}

/** The live figures of the index, by section. */
export interface LiveCharts {
  readonly explorer: string;
  readonly byModel: string;
  /** RMSE against each swept param, faceted by model. */
  readonly sweeps: readonly string[];
  /** Param vs. metric scatter and parallel coordinates. */
  readonly compare: readonly string[];
  readonly curves?: string;
}

/** The live figures of the index (markup with each figure's compiled spec). */
export function renderLiveCharts(views: readonly RunView[], data: IndexData): LiveCharts {
  const figure = (c: _LiveChart): string => {
    const spec = compileVegaLite(c.spec);
    const extra = Object.entries(c.extra ?? {}).map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
      .join("");
    return renderFigure({
      id: c.id,
      title: c.title,
      caption: c.caption,
      marks: c.marks,
      chart: `${c.controls ?? ""}<div class="live-chart" data-kind="${c.kind}" data-mark="${
        escapeHtml(c.mark)
      }"${extra} role="img" aria-label="${
        escapeHtml(c.title)
      }"><p class="muted loading">Loading the chart…</p></div>
<script type="application/json" class="live-spec">${scriptJson(spec)}</script>`,
    });
  };
  const sweeps = data.sweptParams.filter((p) => _modelsSweeping(views, p).length > 0).slice(0, 6)
    .map((p) => figure(_sweep(views, data, p)));
  const compare = [_scatter(views, data), _parallel(views, data)]
    .filter((c): c is _LiveChart => c !== undefined).map(figure);
  const curves = _curves(views, data);
  return {
    explorer: figure(_explorer(views, data)),
    byModel: figure(_byModel(views, data)),
    sweeps,
    compare,
    ...(curves ? { curves: figure(curves) } : {}),
  };
}
