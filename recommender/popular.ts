/**
 * The popular list for cold start: movies ranked by the IMDB weighted rating
 * `WR = v/(v+m) R + m/(v+m) C` (v = number of ratings of the movie, R = its
 * mean rating, C = the mean of all ratings, m = the prior's weight in votes).
 *
 * @module
 */
import { z } from "zod";
import type { Ratings } from "./ratings.ts";
import type { ScoredMovie } from "./model.ts";
import { _parseConfig } from "./_config.ts";

/** Config of {@linkcode PopularList}. */
export const popularConfigSchema = z.object({
  /** Prior weight m in votes; when omitted, the `quantile` of the movies' vote counts. */
  m: z.number().nonnegative().optional(),
  /** Quantile of vote counts used as m when `m` is omitted. */
  quantile: z.number().min(0).max(1).default(0.9),
}).strict();

/** Parsed config of {@linkcode PopularList}. */
export type PopularConfig = z.output<typeof popularConfigSchema>;

/**
 * The IMDB weighted rating of one movie.
 *
 * @example
 * ```ts
 * import { weightedRating } from "./popular.ts";
 * // 10 votes averaging 5, prior of 10 votes at 3 -> halfway
 * if (weightedRating({ votes: 10, mean: 5, m: 10, globalMean: 3 }) !== 4) throw new Error();
 * ```
 */
export function weightedRating(
  x: { votes: number; mean: number; m: number; globalMean: number },
): number {
  const { votes: v, mean: R, m, globalMean: C } = x;
  if (v + m === 0) return C;
  return (v / (v + m)) * R + (m / (v + m)) * C;
}

/** Movies ranked by weighted rating, best first. */
export class PopularList {
  /** Movie ids, best first. */
  readonly movieIds: Int32Array;
  /** Weighted rating of each entry of `movieIds`. */
  readonly scores: Float32Array;
  /** Number of ratings of each entry of `movieIds`. */
  readonly votes: Int32Array;
  /** The prior weight used. */
  readonly m: number;
  /** The mean of all ratings (the prior's mean C). */
  readonly globalMean: number;
  readonly #rank: Map<number, number>;

  private constructor(
    movieIds: Int32Array,
    scores: Float32Array,
    votes: Int32Array,
    m: number,
    globalMean: number,
  ) {
    this.movieIds = movieIds;
    this.scores = scores;
    this.votes = votes;
    this.m = m;
    this.globalMean = globalMean;
    this.#rank = new Map();
    for (let j = 0; j < movieIds.length; j++) this.#rank.set(movieIds[j]!, j);
  }

  /**
   * Ranks the movies of `ratings` by weighted rating.
   *
   * @example
   * ```ts
   * import { PopularList } from "./popular.ts";
   * import { ratingsFromColumns } from "./ratings.ts";
   * const r = ratingsFromColumns({
   *   userId: [1, 2, 3, 1, 1, 2, 3],
   *   movieId: [7, 7, 7, 8, 9, 9, 9],
   *   rating: [4, 4, 4, 5, 1, 1, 1],
   * });
   * // with m = 4, one 5-star vote does not beat three 4-star votes
   * const top = PopularList.fromRatings(r, { m: 4 }).movieIds;
   * if (top.join() !== "7,8,9") throw new Error(`unexpected order ${top.join()}`);
   * ```
   */
  static fromRatings(ratings: Ratings, config: z.input<typeof popularConfigSchema> = {}) {
    const c = _parseConfig(popularConfigSchema, config, "popularity");
    const sums = new Map<number, { v: number; s: number }>();
    let total = 0;
    const n = ratings.rating.length;
    for (let e = 0; e < n; e++) {
      const id = ratings.movieId[e]!;
      const r = ratings.rating[e]!;
      total += r;
      const acc = sums.get(id);
      if (acc) {
        acc.v++;
        acc.s += r;
      } else sums.set(id, { v: 1, s: r });
    }
    const C = n > 0 ? total / n : 0;
    const ids = Int32Array.from(sums.keys());
    const votes = Int32Array.from(ids, (id) => sums.get(id)!.v);
    let m = c.m;
    if (m === undefined) {
      const sorted = votes.slice().sort();
      m = sorted.length > 0
        ? sorted[Math.min(sorted.length - 1, Math.floor(c.quantile * sorted.length))]!
        : 0;
    }
    const wr = new Float64Array(ids.length);
    for (let j = 0; j < ids.length; j++) {
      const a = sums.get(ids[j]!)!;
      wr[j] = weightedRating({ votes: a.v, mean: a.s / a.v, m, globalMean: C });
    }
    const order = Array.from(ids.keys()).sort((a, b) => wr[b]! - wr[a]! || ids[a]! - ids[b]!);
    return new PopularList(
      Int32Array.from(order, (j) => ids[j]!),
      Float32Array.from(order, (j) => wr[j]!),
      Int32Array.from(order, (j) => votes[j]!),
      m,
      C,
    );
  }

  /** Rebuilds a list from its saved arrays (already in rank order). */
  static fromArrays(
    a: {
      movieIds: Int32Array;
      scores: Float32Array;
      votes: Int32Array;
      m: number;
      globalMean: number;
    },
  ): PopularList {
    if (a.scores.length !== a.movieIds.length || a.votes.length !== a.movieIds.length) {
      throw new RangeError(
        `Cannot build popular list: ${a.movieIds.length} movie ids but ${a.scores.length} scores and ${a.votes.length} vote counts`,
      );
    }
    return new PopularList(a.movieIds, a.scores, a.votes, a.m, a.globalMean);
  }

  /** Number of movies ranked. */
  get size(): number {
    return this.movieIds.length;
  }

  /** Weighted rating of a movie, or undefined when it has no ratings. */
  score(movieId: number): number | undefined {
    const j = this.#rank.get(movieId);
    return j === undefined ? undefined : this.scores[j];
  }

  /** The `k` best movies for which `keep` (when given) returns true. */
  top(k: number, keep?: (movieId: number) => boolean): ScoredMovie[] {
    const out: ScoredMovie[] = [];
    for (let j = 0; j < this.movieIds.length && out.length < k; j++) {
      const id = this.movieIds[j]!;
      if (keep && !keep(id)) continue;
      out.push({ movieId: id, score: this.scores[j]! });
    }
    return out;
  }
}
