/**
 * One colour per model, the same on every chart of every report page and in
 * the notebooks: the models of the registry have fixed colours, any other
 * name gets one from a hash of the name, so adding a model, a failed run or a
 * sweep never shifts another model's colour.
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

/**
 * The fixed colour of each model of the registry (`_` and `-` are the same):
 * related models share a hue (svd family blues, knn teals, popularity browns).
 */
const _FIXED: Readonly<Record<string, string>> = {
  "global-mean": "#9498a0",
  popularity: "#9c6b4e",
  "popular-count": "#c9a27e",
  baseline: "#efb118",
  svd: "#4269d0",
  svdpp: "#97bbf5",
  timesvdpp: "#1f3f8f",
  "biased-mf": "#ff725c",
  als: "#3ca951",
  ials: "#a0d68c",
  bpr: "#b3261e",
  "item-knn": "#6cc5b0",
  "item-knn-baseline": "#2a8c7a",
  ease: "#ff8ab7",
  hybrid: "#bcbd22",
  blend: "#a463f2",
};

/** Colours left for models outside the registry. */
const _SPARE = ["#17becf", "#e377c2", "#7f7f7f", "#8c6d31"] as const;

function _hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The colour of a model: fixed for the registry's models, else picked by a
 * hash of the name (stable across reports and notebooks).
 *
 * @example
 * ```ts
 * import { modelColor } from "./model_palette.ts";
 * if (modelColor("biased-mf") !== modelColor("biased_mf")) throw new Error("not the same model");
 * ```
 */
export function modelColor(model: string): string {
  const key = model.trim().toLowerCase().replaceAll("_", "-");
  return _FIXED[key] ?? _SPARE[_hash(key) % _SPARE.length]!;
}

/**
 * The colour domain and range of a set of model names (sorted, each model
 * its own fixed colour), for Plot's and Vega-Lite's `color` scales.
 *
 * @example
 * ```ts
 * import { modelColor, modelColors } from "./model_palette.ts";
 * const { domain, range } = modelColors(["svd", "als", "svd"]);
 * if (domain.join() !== "als,svd" || range[1] !== modelColor("svd")) throw new Error();
 * ```
 */
export function modelColors(models: Iterable<string>): { domain: string[]; range: string[] } {
  const domain = [...new Set(models)].sort();
  return { domain, range: domain.map(modelColor) };
}
