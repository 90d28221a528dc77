/**
 * Popularity bias of a set of recommendation lists: the average
 * recommendation popularity (ARP, Abdollahpouri et al. 2019), normalized.
 *
 * @module
 */

/**
 * The mean, over the lists, of the mean share of training users who rated
 * each recommended movie: 1 when every list holds only movies everybody
 * rated, near 0 for lists of rarely rated movies. `popularity(movieId)` is
 * the movie's number of training ratings (0 when unknown). NaN when there is
 * no non-empty list or `users` is not positive.
 *
 * @example
 * ```ts
 * import { popularityBias } from "./popularity_bias.ts";
 * const counts = new Map([[1, 10], [2, 5], [3, 0]]);
 * const b = popularityBias([[1, 2], [3]], (m) => counts.get(m) ?? 0, 10);
 * if (Math.abs(b - 0.375) > 1e-12) throw new Error(String(b)); // (0.75 + 0) / 2
 * ```
 */
export function popularityBias(
  lists: Iterable<ArrayLike<number>>,
  popularity: (movieId: number) => number,
  users: number,
): number {
  if (!(users > 0)) return NaN;
  let sum = 0, n = 0;
  for (const list of lists) {
    if (list.length === 0) continue;
    let s = 0;
    for (let i = 0; i < list.length; i++) s += popularity(list[i]!);
    sum += s / list.length / users;
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

/** Display label. */
popularityBias.label = "Popularity bias";
