/**
 * What every split returns: row-index folds over one {@linkcode Ratings}
 * table, each with the users and movies that appear only in its test set.
 *
 * @module
 */
import { IdCounts } from "../core/id_counts.ts";
import type { Ratings } from "../core/ratings.ts";

/** The split kinds the split stage offers. */
export type SplitKind =
  | "random"
  | "temporal"
  | "leave-last-n"
  | "kfold"
  | "predefined"
  | "cold-movies";

/** One train/test partition, as ascending row indices into {@linkcode Split.ratings}. */
export interface SplitFold {
  /** Training rows, ascending. */
  readonly train: Int32Array;
  /** Test rows, ascending. */
  readonly test: Int32Array;
  /** Users that appear in the test rows but in no training row (ascending). */
  readonly coldUsers: Int32Array;
  /** Movies that appear in the test rows but in no training row (ascending). */
  readonly coldMovies: Int32Array;
  /** Test rows whose user or movie is cold. */
  readonly coldTestRows: number;
}

/** The result of a split: the table the row indices refer to, and its folds. */
export interface Split {
  readonly kind: SplitKind;
  /** The table the folds index (the input, or the concatenation for predefined splits). */
  readonly ratings: Ratings;
  readonly folds: readonly SplitFold[];
}

/**
 * Builds a fold from training and test rows: sorts both and finds the users and
 * movies seen only in the test rows.
 *
 * @example
 * ```ts
 * import { makeFold } from "./fold.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const r = ratingsFromColumns({ userId: [1, 1, 2], movieId: [10, 20, 10], rating: [4, 3, 5] });
 * const fold = makeFold(r, Int32Array.of(0), Int32Array.of(2, 1));
 * if (fold.coldUsers.join() !== "2" || fold.coldMovies.join() !== "20" || fold.coldTestRows !== 2) {
 *   throw new Error("unexpected cold sets");
 * }
 * ```
 */
export function makeFold(ratings: Ratings, train: Int32Array, test: Int32Array): SplitFold {
  const n = ratings.userId.length;
  const trainRows = _sortedRows(train, n);
  const testRows = _sortedRows(test, n);
  const users = IdCounts.of(selectIds(ratings.userId, trainRows));
  const movies = IdCounts.of(selectIds(ratings.movieId, trainRows));
  const coldUsers = new Set<number>();
  const coldMovies = new Set<number>();
  let coldTestRows = 0;
  for (let i = 0; i < testRows.length; i++) {
    const u = ratings.userId[testRows[i]!]!;
    const m = ratings.movieId[testRows[i]!]!;
    const uCold = !users.has(u);
    const mCold = !movies.has(m);
    if (uCold) coldUsers.add(u);
    if (mCold) coldMovies.add(m);
    if (uCold || mCold) coldTestRows++;
  }
  return {
    train: trainRows,
    test: testRows,
    coldUsers: Int32Array.from(coldUsers).sort(),
    coldMovies: Int32Array.from(coldMovies).sort(),
    coldTestRows,
  };
}

/** `ids[rows[j]]` for each j. */
function selectIds(ids: Int32Array, rows: Int32Array): Int32Array {
  const out = new Int32Array(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = ids[rows[j]!]!;
  return out;
}

/**
 * `rows` ascending (a copy). Rows of a split are distinct and below `n`: they
 * are then marked and read back in order, without a sort.
 */
function _sortedRows(rows: Int32Array, n: number): Int32Array {
  const mark = new Uint8Array(n);
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]!;
    if (!(r >= 0 && r < n) || mark[r] === 1) return Int32Array.from(rows).sort();
    mark[r] = 1;
  }
  const out = new Int32Array(rows.length);
  for (let r = 0, j = 0; r < n; r++) if (mark[r] === 1) out[j++] = r;
  return out;
}
