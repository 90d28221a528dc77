/**
 * Recall at k of one ranked list.
 *
 * @module
 */
import { _checkK } from "./_check_k.ts";

/**
 * Share of the relevant movies found in the top `k`: `hits / |relevant|`.
 * NaN when nothing is relevant (the caller leaves such users out).
 *
 * @example
 * ```ts
 * import { recallAtK } from "./recall_at_k.ts";
 * if (recallAtK([5, 7, 9, 11], new Set([7, 11, 42, 43]), 4) !== 0.5) throw new Error("wrong R@4");
 * ```
 */
export function recallAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  _checkK("recall@k", k);
  if (relevant.size === 0) return NaN;
  const n = Math.min(k, recommended.length);
  let hits = 0;
  for (let i = 0; i < n; i++) if (relevant.has(recommended[i]!)) hits++;
  return hits / relevant.size;
}

/** Display label for a given k, e.g. `R@10`. */
recallAtK.label = (k: number): string => `R@${k}`;
