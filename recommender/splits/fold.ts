/**
 * What every split returns: row-index folds over one {@linkcode Ratings}
 * table, each with the users and movies that appear only in its test set.
 *
 * @module
 */
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
  const trainRows = Int32Array.from(train).sort();
  const testRows = Int32Array.from(test).sort();
  const users = new Set<number>();
  const movies = new Set<number>();
  for (let i = 0; i < trainRows.length; i++) {
    users.add(ratings.userId[trainRows[i]!]!);
    movies.add(ratings.movieId[trainRows[i]!]!);
  }
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
