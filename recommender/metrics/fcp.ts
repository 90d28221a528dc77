/**
 * Fraction of concordant pairs (FCP), computed per user exactly as Surprise's
 * `accuracy.fcp`.
 *
 * @module
 */
import { rowsById } from "../core/id_counts.ts";

/**
 * FCP: within each user, an ordered pair of test ratings (i, j) is concordant
 * when `actual_i > actual_j` and `predicted_i > predicted_j`, and discordant
 * when `actual_i < actual_j` and `predicted_i >= predicted_j`. The result is
 * `nc / (nc + nd)` where `nc` is the mean concordant count over the users that
 * have at least one concordant pair, and `nd` likewise for discordant pairs (the
 * Surprise definition, kept so numbers compare). NaN when there are no pairs.
 *
 * @example
 * ```ts
 * import { fcp } from "./fcp.ts";
 * // user 1 ranks 3 ratings perfectly: 3 concordant pairs, no discordant one
 * if (fcp([1, 1, 1], [1, 2, 3], [1.5, 2.5, 3.5]) !== 1) throw new Error("wrong fcp");
 * ```
 */
export function fcp(
  userId: ArrayLike<number>,
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): number {
  const n = userId.length;
  if (actual.length !== n || predicted.length !== n) {
    throw new RangeError(
      `Cannot compute FCP: userId, actual and predicted differ in length (${n}, ${actual.length}, ${predicted.length})`,
    );
  }
  // Group rows by user: sort row indices by user id.
  const order = rowsById(userId);
  let ncSum = 0;
  let ncUsers = 0;
  let ndSum = 0;
  let ndUsers = 0;
  let start = 0;
  while (start < n) {
    const u = userId[order[start]!]!;
    let end = start + 1;
    while (end < n && userId[order[end]!]! === u) end++;
    let nc = 0;
    let nd = 0;
    for (let a = start; a < end; a++) {
      const i = order[a]!;
      const ri = actual[i]!;
      const ei = predicted[i]!;
      for (let b = start; b < end; b++) {
        const j = order[b]!;
        const rj = actual[j]!;
        const ej = predicted[j]!;
        if (ei > ej && ri > rj) nc++;
        if (ei >= ej && ri < rj) nd++;
      }
    }
    if (nc > 0) {
      ncSum += nc;
      ncUsers++;
    }
    if (nd > 0) {
      ndSum += nd;
      ndUsers++;
    }
    start = end;
  }
  const ncMean = ncUsers > 0 ? ncSum / ncUsers : 0;
  const ndMean = ndUsers > 0 ? ndSum / ndUsers : 0;
  return ncMean + ndMean === 0 ? NaN : ncMean / (ncMean + ndMean);
}

/** Display label. */
fcp.label = "FCP";
