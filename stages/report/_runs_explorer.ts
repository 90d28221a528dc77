/**
 * The one interactive chart of the index: RMSE of every finished run over
 * time, with tooltips, zoom/pan and click-through to the run page. The
 * Vega-Lite spec is compiled at build time; the page embeds the Vega spec and
 * Vega's browser bundle inline and renders it to SVG in the browser.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { METRIC_KEYS } from "./keys.ts";
import type { RunView } from "./_run_view.ts";
import { runPagePath } from "./page_paths.ts";
import { compileVegaLite } from "./_vega_chart.ts";
import { renderFigure } from "./_page.ts";
import { modelColors, VEGA_CONFIG } from "./_chart_style.ts";
import { scriptJson } from "./_html.ts";
import { vegaBrowserBundle } from "./_vega_bundle.ts";
import { formatDateTime } from "./_format.ts";

/** Markup and inline scripts of the explorer. */
export interface RunsExplorer {
  readonly figure: string;
  /** Scripts to place at the end of the body, in order. */
  readonly scripts: readonly string[];
}

/** Name of the explorer's data mark (the Vega mark is `<name>_marks`). */
export const EXPLORER_MARK = "explorer_runs";

// Runs in the browser: renders the view, tags each run's SVG element with
// data-run-id, shows tooltips in a styled box (textContent only).
const _BOOT = `(function () {
  var specEl = document.getElementById("runs-explorer-spec");
  var container = document.getElementById("runs-explorer");
  if (!specEl || !container || typeof vega === "undefined") return;
  var spec = JSON.parse(specEl.textContent);
  var tip = document.createElement("div");
  tip.className = "vega-tip";
  tip.style.cssText = "position:fixed;pointer-events:none;background:#18202b;color:#fff;" +
    "font:12px/1.45 system-ui,sans-serif;padding:6px 9px;border-radius:6px;white-space:pre;" +
    "display:none;z-index:10;box-shadow:0 2px 8px rgba(0,0,0,.25)";
  document.body.appendChild(tip);
  function tooltip(handler, event, item, value) {
    if (value == null || value === "") { tip.style.display = "none"; return; }
    var lines = typeof value === "object"
      ? Object.keys(value).map(function (k) { return k + ": " + value[k]; })
      : [String(value)];
    tip.textContent = lines.join("\\n");
    tip.style.display = "block";
    tip.style.left = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
    tip.style.top = (event.clientY + 14) + "px";
  }
  function tag(node) {
    if (node.marktype && node.name === ${JSON.stringify(`${EXPLORER_MARK}_marks`)}) {
      (node.items || []).forEach(function (item) {
        if (item._svg && item.datum) {
          item._svg.setAttribute("data-run-id", item.datum.runId);
          item._svg.classList.add("datum-mark");
        }
      });
    }
    (node.items || []).forEach(tag);
  }
  var view = new vega.View(vega.parse(spec), {
    renderer: "svg", container: container, hover: true
  });
  view.tooltip(tooltip);
  view.runAsync().then(function () {
    tag(view.scenegraph().root);
    container.setAttribute("data-rendered", "true");
  }).catch(function (error) {
    container.textContent = "Cannot draw the chart: " + error.message;
  });
})();`;

/** Builds the explorer figure, or undefined when no finished run has an RMSE. */
export function renderRunsExplorer(runs: readonly RunView[]): RunsExplorer | undefined {
  const rows = runs.flatMap((v) => {
    const m = v.metrics;
    const rmse = m[METRIC_KEYS.rmse];
    if (v.status !== "FINISHED" || !rmse) return [];
    return [{
      runId: v.id,
      run: v.name,
      model: v.model,
      start: v.startTime,
      date: `${formatDateTime(v.startTime)} UTC`,
      rmse: rmse.value,
      mae: m[METRIC_KEYS.mae]?.value ?? null,
      ev: m[METRIC_KEYS.explainedVariance]?.value ?? null,
      params: v.keyParams.map(([k, p]) => `${k}=${p}`).join(" "),
      href: runPagePath(v.id),
    }];
  });
  if (rows.length === 0) return undefined;
  const colors = modelColors(runs.map((v) => v.model));
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 1120,
    height: 320,
    background: "white",
    config: VEGA_CONFIG,
    data: { values: rows },
    name: EXPLORER_MARK,
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
        field: "rmse",
        type: "quantitative",
        title: "RMSE (lower is better)",
        scale: { zero: false, nice: true },
      },
      color: {
        field: "model",
        type: "nominal",
        title: "Model",
        scale: { domain: colors.domain, range: colors.range },
      },
      href: { field: "href" },
      tooltip: [
        { field: "run", title: "Run" },
        { field: "model", title: "Model" },
        { field: "date", title: "Started" },
        { field: "rmse", title: "RMSE", format: ".4f" },
        { field: "mae", title: "MAE", format: ".4f" },
        { field: "ev", title: "Explained variance", format: ".4f" },
        { field: "params", title: "Params" },
      ],
    },
  };
  const vegaSpec = compileVegaLite(spec);
  const chart =
    `<div id="runs-explorer" role="img" aria-label="Interactive chart of RMSE per run"></div>
<script type="application/json" id="runs-explorer-spec">${scriptJson(vegaSpec)}</script>`;
  return {
    figure: renderFigure({
      id: "runs-explorer",
      title: "Explore runs",
      caption:
        "RMSE of every finished run by start time, coloured by model: hover a dot for its details, scroll to zoom, drag to pan, double-click to reset, click to open the run.",
      chart,
      marks: rows.length,
    }),
    scripts: [vegaBrowserBundle(), _BOOT],
  };
}
