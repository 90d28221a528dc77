/**
 * Colours and fonts shared by the Plot and Vega charts so a model has the
 * same colour on every chart of every page.
 *
 * @module
 */

/** Categorical palette (Observable 10). */
export const PALETTE = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
] as const;

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

/** The colour domain/range for a set of model names (sorted, stable). */
export function modelColors(models: Iterable<string>): { domain: string[]; range: string[] } {
  const domain = [...new Set(models)].sort();
  return { domain, range: domain.map((_, i) => PALETTE[i % PALETTE.length]!) };
}
