/**
 * Fixed-width histogram of a numeric column.
 *
 * @module
 */

/** One histogram bin: `[x0, x1)`, the last bin also holds `x1`. */
export interface HistogramBin {
  readonly x0: number;
  readonly x1: number;
  readonly count: number;
}

/** Options of {@linkcode histogram}. */
export interface HistogramOptions {
  /** Number of bins (default 20). */
  readonly bins?: number;
  /** Lower edge (default: the smallest value). */
  readonly min?: number;
  /** Upper edge (default: the largest value). */
  readonly max?: number;
}

/**
 * Counts values into `bins` equal-width bins from `min` to `max` (as
 * `numpy.histogram`: bins are half-open except the last, which is closed).
 * Values outside the range and NaN are not counted.
 *
 * @example
 * ```ts
 * import { histogram } from "./histogram.ts";
 * const h = histogram([0, 0.4, 0.5, 1], { bins: 2, min: 0, max: 1 });
 * if (h.map((b) => b.count).join() !== "2,2") throw new Error("wrong counts");
 * ```
 */
export function histogram(
  values: ArrayLike<number>,
  options: HistogramOptions = {},
): HistogramBin[] {
  const bins = options.bins ?? 20;
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`Cannot build histogram: bins must be a positive integer, got ${bins}`);
  }
  let lo = options.min ?? Infinity;
  let hi = options.max ?? -Infinity;
  if (options.min === undefined || options.max === undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== v) continue;
      if (options.min === undefined && v < lo) lo = v;
      if (options.max === undefined && v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) {
    throw new RangeError(`Cannot build histogram: max (${hi}) is below min (${lo})`);
  }
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= lo && v <= hi)) continue;
    const b = Math.min(bins - 1, Math.floor((v - lo) / width));
    counts[b]!++;
  }
  const out: HistogramBin[] = [];
  for (let b = 0; b < bins; b++) {
    out.push({
      x0: lo + b * width,
      x1: b === bins - 1 ? hi : lo + (b + 1) * width,
      count: counts[b]!,
    });
  }
  return out;
}

/** Display label. */
histogram.label = "Histogram";
