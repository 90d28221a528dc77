/**
 * The popular list for cold start: movies ranked by the IMDB weighted rating
 * `WR = v/(v+m) R + m/(v+m) C` (v = number of ratings of the movie, R = its
 * mean rating, C = the mean of all ratings, m = the prior's weight in votes).
 * Order: weighted rating descending, ties by vote count descending, then
 * movie id ascending (one rule for the models, the fallback and the API).
 *
 * @module
 */
import { z } from "zod";
import type { Ratings } from "../core/ratings.ts";
import type { ScoredMovie } from "../core/model.ts";
import { _parseConfig } from "../core/_config.ts";

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
 * import { weightedRating } from "./popular_list.ts";
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

/**
 * The weighted rating's prior weight `m` for given vote counts when none is
 * configured: the `quantile` of the counts, `sorted[floor(quantile * n)]`
 * (0 without movies). One rule for the popular list and the features stage.
 *
 * @example
 * ```ts
 * import { priorWeight } from "./popular_list.ts";
 * if (priorWeight([5, 1, 3, 2, 4], 0.5) !== 3) throw new Error("expected the median");
 * ```
 */
export function priorWeight(counts: ArrayLike<number>, quantile: number): number {
  const sorted = Float64Array.from(counts).sort();
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))]!;
}

/** Plain columns of movie statistics (e.g. `movie_stats.parquet`), for {@linkcode PopularList.fromColumns}. */
export interface PopularColumns {
  readonly movieId: ArrayLike<number>;
  /** Number of ratings. */
  readonly count: ArrayLike<number>;
  /** Mean rating. */
  readonly mean: ArrayLike<number>;
  readonly weightedRating: ArrayLike<number>;
}

/**
 * Movies ranked by weighted rating, best first; ties by vote count
 * (descending), then movie id (ascending).
 */
export class PopularList {
  /** Movie ids, best first. */
  readonly movieIds: Int32Array;
  /** Weighted rating of each entry of `movieIds`. */
  readonly scores: Float32Array;
  /** Number of ratings of each entry of `movieIds`. */
  readonly votes: Int32Array;
  /** Mean rating of each entry of `movieIds` (NaN when the list was built without them). */
  readonly means: Float32Array;
  /** The prior weight used. */
  readonly m: number;
  /** The mean of all ratings (the prior's mean C). */
  readonly globalMean: number;
  readonly #rank: Map<number, number>;

  private constructor(
    movieIds: Int32Array,
    scores: Float32Array,
    votes: Int32Array,
    means: Float32Array,
    m: number,
    globalMean: number,
  ) {
    this.movieIds = movieIds;
    this.scores = scores;
    this.votes = votes;
    this.means = means;
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
   * import { PopularList } from "./popular_list.ts";
   * import { ratingsFromColumns } from "../core/ratings.ts";
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
    const m = c.m ?? priorWeight(votes, c.quantile);
    const wr = new Float64Array(ids.length);
    for (let j = 0; j < ids.length; j++) {
      const a = sums.get(ids[j]!)!;
      wr[j] = weightedRating({ votes: a.v, mean: a.s / a.v, m, globalMean: C });
    }
    const order = _rankOrder(ids, votes, wr);
    return new PopularList(
      Int32Array.from(order, (j) => ids[j]!),
      Float32Array.from(order, (j) => wr[j]!),
      Int32Array.from(order, (j) => votes[j]!),
      Float32Array.from(order, (j) => sums.get(ids[j]!)!.s / votes[j]!),
      m,
      C,
    );
  }

  /**
   * Ranks precomputed movie statistics (the features stage's
   * `movie_stats.parquet`); rows whose id or weighted rating is not finite
   * are dropped. `globalMean` is the vote-weighted mean of the means; `m`
   * is not in the columns: pass it when known (NaN otherwise).
   *
   * @example
   * ```ts
   * import { PopularList } from "./popular_list.ts";
   * const list = PopularList.fromColumns({
   *   movieId: [1, 2, 3], count: [5, 9, 2], mean: [4, 4, 3], weightedRating: [3.8, 3.8, NaN],
   * });
   * if (list.movieIds.join() !== "2,1") throw new Error(`unexpected order ${list.movieIds.join()}`);
   * ```
   */
  static fromColumns(columns: PopularColumns, options: { m?: number } = {}): PopularList {
    const c = columns;
    const keep: number[] = [];
    let votesSum = 0, meanSum = 0;
    for (let r = 0; r < c.movieId.length; r++) {
      if (!Number.isFinite(c.weightedRating[r]!) || !Number.isFinite(c.movieId[r]!)) continue;
      keep.push(r);
      const v = c.count[r]!, mean = c.mean[r]!;
      if (v > 0 && Number.isFinite(mean)) {
        votesSum += v;
        meanSum += v * mean;
      }
    }
    const ids = Int32Array.from(keep, (r) => c.movieId[r]!);
    const votes = Int32Array.from(keep, (r) => c.count[r]!);
    const wr = Float64Array.from(keep, (r) => c.weightedRating[r]!);
    const order = _rankOrder(ids, votes, wr);
    return new PopularList(
      Int32Array.from(order, (j) => ids[j]!),
      Float32Array.from(order, (j) => wr[j]!),
      Int32Array.from(order, (j) => votes[j]!),
      Float32Array.from(order, (j) => c.mean[keep[j]!]!),
      options.m ?? NaN,
      votesSum > 0 ? meanSum / votesSum : NaN,
    );
  }

  /** Rebuilds a list from its saved arrays (already in rank order). */
  static fromArrays(
    a: {
      movieIds: Int32Array;
      scores: Float32Array;
      votes: Int32Array;
      /** Mean rating per entry; NaN when omitted. */
      means?: Float32Array;
      m: number;
      globalMean: number;
    },
  ): PopularList {
    if (a.scores.length !== a.movieIds.length || a.votes.length !== a.movieIds.length) {
      throw new RangeError(
        `Cannot build popular list: ${a.movieIds.length} movie ids but ${a.scores.length} scores and ${a.votes.length} vote counts`,
      );
    }
    const means = a.means ?? new Float32Array(a.movieIds.length).fill(NaN);
    if (means.length !== a.movieIds.length) {
      throw new RangeError(
        `Cannot build popular list: ${a.movieIds.length} movie ids but ${means.length} means`,
      );
    }
    return new PopularList(a.movieIds, a.scores, a.votes, means, a.m, a.globalMean);
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

  /** Positions (0 = best) of the `k` best movies for which `keep` (when given) returns true. */
  topPositions(k: number, keep?: (movieId: number) => boolean): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.movieIds.length && out.length < k; j++) {
      if (!keep || keep(this.movieIds[j]!)) out.push(j);
    }
    return out;
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

/** Row order: weighted rating descending, then votes descending, then id ascending. */
function _rankOrder(ids: Int32Array, votes: Int32Array, wr: Float64Array): number[] {
  return Array.from(ids.keys()).sort((a, b) =>
    wr[b]! - wr[a]! || votes[b]! - votes[a]! || ids[a]! - ids[b]!
  );
}
