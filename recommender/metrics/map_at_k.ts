/**
 * Average precision at k of one ranked list (its mean over users is MAP@k).
 *
 * @module
 */
import { _checkK } from "./_check_k.ts";

/**
 * `AP@k = (1 / min(k, |relevant|)) * sum over ranks i < k holding a relevant
 * movie of precision@(i + 1)`. Averaged over users this is MAP@k. NaN when
 * nothing is relevant.
 *
 * @example
 * ```ts
 * import { averagePrecisionAtK } from "./map_at_k.ts";
 * // hits at ranks 1 and 3 of 3, two relevant: (1/1 + 2/3) / 2
 * const v = averagePrecisionAtK([5, 7, 9], new Set([5, 9]), 3);
 * if (Math.abs(v - 5 / 6) > 1e-12) throw new Error("wrong AP@3");
 * ```
 */
export function averagePrecisionAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  _checkK("MAP@k", k);
  if (relevant.size === 0) return NaN;
  const n = Math.min(k, recommended.length);
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (relevant.has(recommended[i]!)) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / Math.min(k, relevant.size);
}

/** Display label for a given k, e.g. `MAP@10`. */
averagePrecisionAtK.label = (k: number): string => `MAP@${k}`;
