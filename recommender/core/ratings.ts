/**
 * The columnar ratings table every model, split and metric works on: one typed
 * array per column, row `i` across all four. Raw MovieLens ids, not indices;
 * models build their own {@linkcode Vocabulary} on `fit`.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Ratings in columnar form. All four arrays have the same length. */
export interface Ratings {
  /** Raw MovieLens user id per rating. */
  readonly userId: Int32Array;
  /** Raw MovieLens movie id per rating. */
  readonly movieId: Int32Array;
  /** The rating value (e.g. 0.5 to 5 in steps of 0.5). */
  readonly rating: Float32Array;
  /** Unix time in seconds; 0 when the data set has none. */
  readonly timestamp: Float64Array;
}

/**
 * Builds a {@linkcode Ratings} table from plain columns (for example Polars
 * series converted with `toArray()`).
 *
 * @example
 * ```ts
 * import { ratingsFromColumns } from "./ratings.ts";
 * const r = ratingsFromColumns({ userId: [1, 1], movieId: [10, 20], rating: [4, 3.5] });
 * if (r.rating.length !== 2) throw new Error("expected two rows");
 * ```
 */
export function ratingsFromColumns(columns: {
  userId: ArrayLike<number>;
  movieId: ArrayLike<number>;
  rating: ArrayLike<number>;
  timestamp?: ArrayLike<number>;
}): Ratings {
  const n = columns.userId.length;
  if (columns.movieId.length !== n || columns.rating.length !== n) {
    throw new RangeError(
      `Cannot build ratings: columns differ in length (userId ${n}, movieId ${columns.movieId.length}, rating ${columns.rating.length})`,
    );
  }
  if (columns.timestamp && columns.timestamp.length !== n) {
    throw new RangeError(
      `Cannot build ratings: column "timestamp" has ${columns.timestamp.length} rows, expected ${n}`,
    );
  }
  return {
    userId: Int32Array.from(columns.userId),
    movieId: Int32Array.from(columns.movieId),
    rating: Float32Array.from(columns.rating),
    timestamp: columns.timestamp ? Float64Array.from(columns.timestamp) : new Float64Array(n),
  };
}

/** Number of rows of a ratings table. */
export function ratingsLength(ratings: Ratings): number {
  return ratings.rating.length;
}

/**
 * The rows of `ratings` at the given row indices, in that order.
 *
 * @example
 * ```ts
 * import { ratingsFromColumns, selectRows } from "./ratings.ts";
 * const r = ratingsFromColumns({ userId: [1, 2, 3], movieId: [1, 1, 1], rating: [1, 2, 3] });
 * const s = selectRows(r, [2, 0]);
 * if (s.userId[0] !== 3 || s.userId[1] !== 1) throw new Error("wrong rows");
 * ```
 */
export function selectRows(ratings: Ratings, rows: ArrayLike<number>): Ratings {
  const n = rows.length;
  const out = {
    userId: new Int32Array(n),
    movieId: new Int32Array(n),
    rating: new Float32Array(n),
    timestamp: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    out.userId[i] = ratings.userId[r]!;
    out.movieId[i] = ratings.movieId[r]!;
    out.rating[i] = ratings.rating[r]!;
    out.timestamp[i] = ratings.timestamp[r]!;
  }
  return out;
}

/**
 * Content hash (sha256, hex) of a ratings table's user, movie and rating
 * columns: recorded in model files and checked when a model is evaluated, so
 * a model trained on other data is refused.
 */
export function hashRatings(ratings: Ratings): string {
  const h = createHash("sha256");
  for (const col of [ratings.userId, ratings.movieId, ratings.rating]) {
    h.update(new Uint8Array(col.buffer, col.byteOffset, col.byteLength));
  }
  return h.digest("hex");
}
