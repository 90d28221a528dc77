/**
 * Explained variance score of predicted ratings (as scikit-learn's
 * `explained_variance_score`).
 *
 * @module
 */
import { _checkPaired } from "./_paired.ts";

/**
 * `1 - Var(actual - predicted) / Var(actual)` with population variances. Unlike
 * R², a constant bias in the predictions is not penalised. When `actual` is
 * constant the score is 1 if the residuals are constant too, else 0 (as
 * scikit-learn with `force_finite=True`). NaN for no pairs.
 *
 * @example
 * ```ts
 * import { explainedVariance } from "./explained_variance.ts";
 * // residuals 0, 0, -2: Var = 8/9; Var(actual) = 2/3; 1 - (8/9)/(2/3) = -1/3
 * const ev = explainedVariance([1, 2, 3], [1, 2, 5]);
 * if (Math.abs(ev - -1 / 3) > 1e-12) throw new Error("wrong score");
 * ```
 */
export function explainedVariance(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const n = _checkPaired("explained variance", actual, predicted);
  if (n === 0) return NaN;
  let meanY = 0;
  let meanR = 0;
  for (let i = 0; i < n; i++) {
    meanY += actual[i]!;
    meanR += actual[i]! - predicted[i]!;
  }
  meanY /= n;
  meanR /= n;
  let varY = 0;
  let varR = 0;
  for (let i = 0; i < n; i++) {
    const dy = actual[i]! - meanY;
    const dr = actual[i]! - predicted[i]! - meanR;
    varY += dy * dy;
    varR += dr * dr;
  }
  if (varY === 0) return varR === 0 ? 1 : 0;
  return 1 - varR / varY;
}

/** Display label. */
explainedVariance.label = "Explained variance";
