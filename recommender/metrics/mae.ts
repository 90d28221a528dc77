/**
 * Mean absolute error of predicted ratings.
 *
 * @module
 */
import { _checkPaired } from "./_paired.ts";

/**
 * Mean absolute error: `mean(|actual - predicted|)`. NaN for no pairs.
 *
 * @example
 * ```ts
 * import { mae } from "./mae.ts";
 * if (mae([1, 2, 3], [2, 2, 5]) !== 1) throw new Error("wrong mae");
 * ```
 */
export function mae(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const n = _checkPaired("MAE", actual, predicted);
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(actual[i]! - predicted[i]!);
  return sum / n;
}

/** Display label. */
mae.label = "MAE";
