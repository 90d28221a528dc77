/**
 * The ranking step shared by the models and the API: the best `k` positions
 * of a score buffer, leaving out seen items, items a filter rejects and
 * items with too few training ratings,
 * selected with a caller's reusable {@linkcode TopK}.
 *
 * @module
 */
import type { ScoredMovie } from "../core/model.ts";
import type { TopK } from "./top_k.ts";

/** Options of {@linkcode rankScores}. */
export interface RankScoresOptions {
  /** How many movies to return (fewer when fewer pass). */
  readonly k: number;
  /** Movie id of each score position; its length is the number of positions ranked. */
  readonly itemIds: Int32Array;
  /** Positions to leave out, ascending (duplicates allowed): a user's seen items. */
  readonly skip?: Int32Array;
  /** Per position, 0 leaves it out (e.g. a precomputed genre bitmap). */
  readonly allow?: Uint8Array | null;
  /** Only movies for which this returns true are ranked. */
  readonly filter?: (movieId: number) => boolean;
  /** Per position, the movie's number of training ratings (needed when `minCount` > 0). */
  readonly counts?: Int32Array;
  /** Positions with fewer than this many `counts` are left out. Default 0: none. */
  readonly minCount?: number;
  /** The returned scores are clipped to this range; the ranking uses the raw scores. */
  readonly clip?: readonly [number, number];
}

/**
 * The `k` best positions of `scores` as movies, best first; equal scores go
 * to the lower position (the lower movie id when `itemIds` ascend). NaN
 * scores are never ranked. Allocates only the returned list.
 *
 * @example
 * ```ts
 * import { rankScores } from "./rank_scores.ts";
 * import { TopK } from "./top_k.ts";
 * const items = rankScores(Float32Array.of(3, 9, 7, 8), new TopK(), {
 *   k: 2, itemIds: Int32Array.of(10, 20, 30, 40), skip: Int32Array.of(1), clip: [0, 7.5],
 * });
 * if (items.map((x) => `${x.movieId}:${x.score}`).join() !== "40:7.5,30:7") throw new Error();
 * ```
 */
export function rankScores(
  scores: Float32Array,
  top: TopK,
  options: RankScoresOptions,
): ScoredMovie[] {
  const ids = options.itemIds;
  const n = ids.length;
  if (scores.length < n) {
    throw new RangeError(
      `Cannot rank items: the score buffer holds ${scores.length} values, need ${n}`,
    );
  }
  const skip = options.skip, allow = options.allow ?? null, filter = options.filter;
  const minCount = options.minCount ?? 0;
  const counts = minCount > 0 ? options.counts ?? null : null;
  if (minCount > 0 && (counts === null || counts.length < n)) {
    throw new RangeError(
      `Cannot rank items with a minimum rating count: counts holds ${
        counts?.length ?? 0
      } values, need ${n}`,
    );
  }
  top.reset(Math.max(0, Math.min(options.k, n)));
  let sp = 0;
  const spEnd = skip ? skip.length : 0;
  let next = sp < spEnd ? skip![sp]! : n; // next position to leave out
  let bar = top.threshold;
  for (let i = 0; i < n; i++) {
    if (i >= next) {
      let hit = false;
      for (; sp < spEnd && skip![sp]! <= i; sp++) if (skip![sp] === i) hit = true;
      next = sp < spEnd ? skip![sp]! : n;
      if (hit) continue;
    }
    if (allow !== null && allow[i] === 0) continue;
    if (counts !== null && counts[i]! < minCount) continue;
    const s = scores[i]!;
    // equal scores never displace a kept lower position: the strict test is exact
    if (!(s > bar)) continue;
    if (filter && !filter(ids[i]!)) continue;
    top.push(i, s);
    bar = top.threshold; // it changes only on a push
  }
  const { indices, scores: kept } = top.drain();
  const out: ScoredMovie[] = new Array(indices.length);
  const clip = options.clip;
  for (let j = 0; j < indices.length; j++) {
    let s = kept[j]!;
    if (clip) s = s < clip[0] ? clip[0] : s > clip[1] ? clip[1] : s;
    out[j] = { movieId: ids[indices[j]!]!, score: s };
  }
  return out;
}
