/**
 * Hit rate at k of one ranked list (its mean over users is the hit rate).
 *
 * @module
 */
import { _checkK } from "./_check_k.ts";

/**
 * 1 when at least one relevant movie is in the top `k`, else 0.
 *
 * @example
 * ```ts
 * import { hitAtK } from "./hit_rate_at_k.ts";
 * if (hitAtK([5, 7, 9], new Set([9]), 3) !== 1 || hitAtK([5, 7, 9], new Set([9]), 2) !== 0) {
 *   throw new Error("wrong hit");
 * }
 * ```
 */
export function hitAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  _checkK("hit rate@k", k);
  const n = Math.min(k, recommended.length);
  for (let i = 0; i < n; i++) if (relevant.has(recommended[i]!)) return 1;
  return 0;
}

/** Display label for a given k, e.g. `HR@10`. */
hitAtK.label = (k: number): string => `HR@${k}`;
