/**
 * Precision at k of one ranked list.
 *
 * @module
 */
import { _checkK } from "./_check_k.ts";

/**
 * Share of the top `k` slots that hold a relevant movie: `hits / k` (a list
 * shorter than `k` counts its empty slots as misses).
 *
 * @example
 * ```ts
 * import { precisionAtK } from "./precision_at_k.ts";
 * if (precisionAtK([5, 7, 9, 11], new Set([7, 11, 42]), 4) !== 0.5) throw new Error("wrong P@4");
 * ```
 */
export function precisionAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  _checkK("precision@k", k);
  const n = Math.min(k, recommended.length);
  let hits = 0;
  for (let i = 0; i < n; i++) if (relevant.has(recommended[i]!)) hits++;
  return hits / k;
}

/** Display label for a given k, e.g. `P@10`. */
precisionAtK.label = (k: number): string => `P@${k}`;
