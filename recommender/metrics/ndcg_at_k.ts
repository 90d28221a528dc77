/**
 * Normalised discounted cumulative gain at k of one ranked list (binary
 * relevance).
 *
 * @module
 */
import { _checkK } from "./_check_k.ts";

/**
 * `DCG@k / IDCG@k` with gain 1 for a relevant movie at 0-based rank `i`
 * discounted by `log2(i + 2)`; the ideal list puts `min(k, |relevant|)`
 * relevant movies first. NaN when nothing is relevant.
 *
 * @example
 * ```ts
 * import { ndcgAtK } from "./ndcg_at_k.ts";
 * // hit at rank 2 only; ideal has one hit at rank 1: (1/log2(3)) / 1
 * const v = ndcgAtK([5, 7, 9], new Set([7]), 3);
 * if (Math.abs(v - 1 / Math.log2(3)) > 1e-12) throw new Error("wrong NDCG@3");
 * ```
 */
export function ndcgAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  k: number,
): number {
  _checkK("NDCG@k", k);
  if (relevant.size === 0) return NaN;
  const n = Math.min(k, recommended.length);
  let dcg = 0;
  for (let i = 0; i < n; i++) if (relevant.has(recommended[i]!)) dcg += 1 / Math.log2(i + 2);
  const ideal = Math.min(k, relevant.size);
  let idcg = 0;
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
  return dcg / idcg;
}

/** Display label for a given k, e.g. `NDCG@10`. */
ndcgAtK.label = (k: number): string => `NDCG@${k}`;
