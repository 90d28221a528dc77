/**
 * Root mean squared error of predicted ratings.
 *
 * @module
 */
import { _checkPaired } from "./_paired.ts";

/**
 * Root mean squared error: `sqrt(mean((actual - predicted)^2))`. NaN for no pairs.
 *
 * @example
 * ```ts
 * import { rmse } from "./rmse.ts";
 * if (rmse([1, 2, 3], [1, 2, 5]) !== Math.sqrt(4 / 3)) throw new Error("wrong rmse");
 * ```
 */
export function rmse(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const n = _checkPaired("RMSE", actual, predicted);
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = actual[i]! - predicted[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum / n);
}

/** Display label. */
rmse.label = "RMSE";
