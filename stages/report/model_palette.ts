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

/** The fixed colour of each model of the registry (`_` and `-` are the same). */
const _FIXED: Readonly<Record<string, string>> = {
  "global-mean": "#9498a0",
  popularity: "#9c6b4e",
  baseline: "#efb118",
  svd: "#4269d0",
  "biased-mf": "#ff725c",
  als: "#3ca951",
  blend: "#a463f2",
  "item-knn": "#6cc5b0",
  "item-knn-baseline": "#ff8ab7",
};

/** Colours left for models outside the registry (Tableau 10's, after Observable 10's). */
const _SPARE = ["#97bbf5", "#edc949", "#76b7b2", "#b07aa1"] as const;

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
