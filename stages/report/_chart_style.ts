/**
 * Colours and fonts shared by the Plot and Vega charts; a model's colour
 * comes from `model_palette.ts`, shared with the notebooks.
 *
 * @module
 */

export { modelColor, modelColors, PALETTE } from "./model_palette.ts";

/** Colour of the best run's highlight. */
export const BEST_COLOR = "#2e9e58";

/** Vega-Lite config matching the page CSS. */
export const VEGA_CONFIG = {
  font: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
  view: { stroke: null },
  axis: {
    labelColor: "#3b4350",
    titleColor: "#1d232b",
    titleFontWeight: 600,
    gridColor: "#e9edf2",
    domainColor: "#9aa3af",
    tickColor: "#9aa3af",
    labelFontSize: 11,
    titleFontSize: 12,
  },
  legend: { labelFontSize: 11, titleFontSize: 12, titleColor: "#1d232b" },
} as const;
