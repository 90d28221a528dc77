/**
 * The popular-movies list the fallback answers with: movies ordered by
 * weighted rating (the IMDB Bayesian average), with their rating count and mean.
 *
 * @module
 */

/** Plain columns of movie statistics (e.g. `movie_stats.parquet`). */
export interface PopularityColumns {
  readonly movieId: ArrayLike<number>;
  readonly count: ArrayLike<number>;
  readonly mean: ArrayLike<number>;
  readonly weightedRating: ArrayLike<number>;
}

/** Movies by weighted rating, best first. */
export class PopularityTable {
  /** Movie ids, best first. */
  readonly movieIds: Int32Array;
  /** Weighted rating per position. */
  readonly weighted: Float64Array;
  /** Rating count per position. */
  readonly counts: Int32Array;
  /** Mean rating per position. */
  readonly means: Float64Array;

  private constructor(
    movieIds: Int32Array,
    weighted: Float64Array,
    counts: Int32Array,
    means: Float64Array,
  ) {
    this.movieIds = movieIds;
    this.weighted = weighted;
    this.counts = counts;
    this.means = means;
  }

  /** Orders the rows by weighted rating (descending), then count, then id; drops non-finite rows. */
  static fromColumns(c: PopularityColumns): PopularityTable {
    const rows: number[] = [];
    for (let r = 0; r < c.movieId.length; r++) {
      if (Number.isFinite(c.weightedRating[r]!) && Number.isFinite(c.movieId[r]!)) rows.push(r);
    }
    rows.sort((a, b) =>
      c.weightedRating[b]! - c.weightedRating[a]! || c.count[b]! - c.count[a]! ||
      c.movieId[a]! - c.movieId[b]!
    );
    const n = rows.length;
    const ids = new Int32Array(n),
      w = new Float64Array(n),
      cnt = new Int32Array(n),
      mean = new Float64Array(n);
    rows.forEach((r, p) => {
      ids[p] = c.movieId[r]!;
      w[p] = c.weightedRating[r]!;
      cnt[p] = c.count[r]!;
      mean[p] = c.mean[r]!;
    });
    return new PopularityTable(ids, w, cnt, mean);
  }

  /** Number of movies ranked. */
  get size(): number {
    return this.movieIds.length;
  }

  /**
   * Positions of the first `k` movies that pass `keep` (all when omitted),
   * best first.
   */
  top(k: number, keep?: (movieId: number) => boolean): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.movieIds.length && out.length < k; p++) {
      if (!keep || keep(this.movieIds[p]!)) out.push(p);
    }
    return out;
  }
}
