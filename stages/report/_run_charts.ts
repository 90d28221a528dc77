/**
 * The charts of a run page, all Observable Plot rendered at build time (fast
 * enough for 1,000 pages): loss curves, predicted vs. actual, the
 * prediction-error histogram and the stage timings.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { RunRecord } from "../../tracking/types.ts";
import { METRIC_KEYS } from "../run_keys.ts";
import type { RunReportData } from "../run_report_data.ts";
import { renderPlot } from "./_plot_chart.ts";
import { renderFigure } from "./_page.ts";
import { PALETTE } from "./_chart_style.ts";

/** Per-epoch training and validation loss, or undefined when the run logged none. */
export function renderLossChart(run: RunRecord): string | undefined {
  const series = [
    { key: METRIC_KEYS.trainLoss, label: "training" },
    { key: METRIC_KEYS.validationLoss, label: "validation" },
  ];
  const rows = series.flatMap((s) =>
    (run.metrics[s.key] ?? [])
      .filter((p) => Number.isFinite(p.value))
      .map((p) => ({ epoch: p.step, loss: p.value, series: s.label }))
  );
  if (rows.length === 0) return undefined;
  const epochs = [...new Set(rows.map((r) => r.epoch))].sort((a, b) => a - b);
  const chart = renderPlot({
    width: 600,
    height: 300,
    marginLeft: 56,
    marginBottom: 40,
    style: { fontSize: "11px", background: "white" },
    x: {
      label: "Epoch →",
      ticks: epochs.length <= 20 ? epochs : undefined,
      tickFormat: "d",
    },
    y: { label: "↑ Loss", grid: true, nice: true, zero: false },
    color: { domain: ["training", "validation"], range: [PALETTE[0], PALETTE[2]], legend: true },
    marks: [
      Plot.line(rows, { x: "epoch", y: "loss", z: "series", stroke: "series", strokeWidth: 2 }),
      Plot.dot(rows, {
        x: "epoch",
        y: "loss",
        fill: "series",
        r: 3,
        title: (d: { epoch: number; loss: number; series: string }) =>
          `Epoch ${d.epoch} · ${d.series} loss ${d.loss.toFixed(4)}`,
        className: "loss-points",
      }),
    ],
  }, [{ className: "loss-points" }]);
  return renderFigure({
    id: "loss-curves",
    title: "Loss per epoch",
    caption:
      "Training and validation loss after each epoch: the gap between them shows over-fitting, a flat tail shows convergence.",
    chart,
    marks: rows.length,
  });
}

/** Predicted against actual rating for the sampled test ratings. */
export function renderPredictedVsActual(data: RunReportData): string | undefined {
  const points = data.predictedVsActual;
  if (points.length === 0) return undefined;
  const { min, max } = data.dataSummary.ratingScale;
  const step = data.dataSummary.ratingScale.step ?? 0.5;
  // Ratings are discrete: spread each column a little (deterministically) so dots do not stack.
  const rows = points.map((p, i) => ({
    actual: p.actual + (((i * 2654435761) >>> 0) / 4294967296 - 0.5) * step * 0.6,
    predicted: p.predicted,
  }));
  const chart = renderPlot({
    width: 600,
    height: 340,
    marginLeft: 56,
    marginBottom: 40,
    style: { fontSize: "11px", background: "white" },
    x: { label: "Actual rating →", domain: [min - step / 2, max + step / 2], grid: true },
    y: { label: "↑ Predicted rating", domain: [min - step / 2, max + step / 2], grid: true },
    marks: [
      Plot.dot(rows, {
        x: "actual",
        y: "predicted",
        r: 1.8,
        fill: PALETTE[0],
        fillOpacity: 0.35,
        className: "prediction-points",
      }),
      Plot.line([[min, min], [max, max]], { stroke: "#1d232b", strokeDasharray: "4,3" }),
    ],
  }, [{ className: "prediction-points" }]);
  return renderFigure({
    id: "predicted-vs-actual",
    title: "Predicted vs. actual rating",
    caption:
      `Each dot is one of ${points.length} sampled test ratings (columns spread sideways); dots on the dashed diagonal are perfect predictions.`,
    chart,
    marks: rows.length,
  });
}

/** Histogram of prediction errors (predicted - actual). */
export function renderErrorHistogram(data: RunReportData): Promise<string | undefined> {
  const bins = data.errorHistogram;
  if (bins.length === 0) return Promise.resolve(undefined);
  const chart = renderPlot({
    width: 560,
    height: 280,
    marginLeft: 56,
    marginBottom: 40,
    style: { fontSize: "11px", background: "white" },
    x: { label: "Predicted − actual rating →" },
    y: { label: "↑ Test ratings", grid: true },
    marks: [
      Plot.rectY(bins, {
        x1: "x0",
        x2: "x1",
        y: "count",
        fill: PALETTE[0],
        insetLeft: 0.5,
        insetRight: 0.5,
        title: (d: { x0: number; x1: number; count: number }) =>
          `${d.x0} to ${d.x1}: ${d.count} ratings`,
        className: "error-bins",
      }),
      Plot.ruleY([0]),
    ],
  }, [{ className: "error-bins" }]);
  return Promise.resolve(renderFigure({
    id: "error-histogram",
    title: "Prediction errors",
    caption:
      "How far predictions fall from the true rating on the test set: a narrow peak at zero is good, a shifted peak is a bias.",
    chart,
    marks: bins.length,
  }));
}

const STATUS_COLORS: Readonly<Record<string, string>> = {
  ran: PALETTE[0],
  cached: PALETTE[7],
  restored: PALETTE[3],
  failed: "#b3261e",
  skipped: PALETTE[9],
};

/** Seconds per stage, coloured by whether it ran or came from the cache. */
export function renderStageTimings(data: RunReportData): Promise<string | undefined> {
  const rows = data.stageTimings;
  if (rows.length === 0) return Promise.resolve(undefined);
  const max = Math.max(...rows.map((r) => r.seconds), 0.001);
  const statuses = [...new Set(rows.map((r) => r.status))];
  const label = (r: { seconds: number; status: string }) =>
    `${r.seconds.toFixed(r.seconds < 10 ? 2 : 1)} s · ${r.status}`;
  const chart = renderPlot({
    width: 560,
    height: 40 + 30 * rows.length,
    marginLeft: 80,
    marginRight: 20,
    marginBottom: 36,
    style: { fontSize: "11px", background: "white" },
    x: { label: "Seconds →", grid: true, domain: [0, max * 1.3] },
    y: { label: null, domain: rows.map((r) => r.stage) },
    color: {
      domain: statuses,
      range: statuses.map((st) => STATUS_COLORS[st] ?? PALETTE[9]),
      legend: true,
    },
    marks: [
      Plot.barX(rows, {
        y: "stage",
        x: "seconds",
        fill: "status",
        title: label,
        className: "stage-bars",
      }),
      Plot.text(rows, { y: "stage", x: "seconds", text: label, textAnchor: "start", dx: 4 }),
    ],
  }, [{ className: "stage-bars" }]);
  return Promise.resolve(renderFigure({
    id: "stage-timings",
    title: "Stage timings",
    caption:
      "Wall-clock seconds of each pipeline stage in this run; cached stages reused an earlier run's output.",
    chart,
    marks: rows.length,
  }));
}
