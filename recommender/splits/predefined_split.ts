/**
 * Predefined splits: train/test pairs given as tables (ml-100k's `u1.base` /
 * `u1.test` ..., or any pair of files the caller has read).
 *
 * @module
 */
import { type Ratings, ratingsLength } from "../core/ratings.ts";
import { makeFold, type Split, type SplitFold } from "./fold.ts";

/** One given train/test pair. */
export interface RatingsPair {
  readonly train: Ratings;
  readonly test: Ratings;
}

/**
 * Turns given train/test pairs into one fold each. The returned
 * {@linkcode Split.ratings} is the concatenation train 1, test 1, train 2, ...,
 * and each fold's rows index its own pair's range.
 *
 * @example
 * ```ts
 * import { predefinedSplit } from "./predefined_split.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const train = ratingsFromColumns({ userId: [1, 2], movieId: [1, 1], rating: [3, 4] });
 * const test = ratingsFromColumns({ userId: [3], movieId: [1], rating: [5] });
 * const split = predefinedSplit([{ train, test }]);
 * if (split.folds[0]!.test.join() !== "2" || split.folds[0]!.coldUsers.join() !== "3") {
 *   throw new Error("unexpected fold");
 * }
 * ```
 */
export function predefinedSplit(pairs: readonly RatingsPair[]): Split {
  if (pairs.length === 0) {
    throw new RangeError("Cannot make predefined split: no train/test pair given");
  }
  let total = 0;
  for (const [i, p] of pairs.entries()) {
    if (ratingsLength(p.train) === 0 || ratingsLength(p.test) === 0) {
      throw new RangeError(
        `Cannot make predefined split: pair ${i + 1} has an empty ${
          ratingsLength(p.train) === 0 ? "train" : "test"
        } set`,
      );
    }
    total += ratingsLength(p.train) + ratingsLength(p.test);
  }
  const ratings = {
    userId: new Int32Array(total),
    movieId: new Int32Array(total),
    rating: new Float32Array(total),
    timestamp: new Float64Array(total),
  };
  const ranges: Array<[number, number, number]> = [];
  let at = 0;
  for (const p of pairs) {
    const start = at;
    for (const part of [p.train, p.test]) {
      ratings.userId.set(part.userId, at);
      ratings.movieId.set(part.movieId, at);
      ratings.rating.set(part.rating, at);
      ratings.timestamp.set(part.timestamp, at);
      at += ratingsLength(part);
    }
    ranges.push([start, start + ratingsLength(p.train), at]);
  }
  const folds: SplitFold[] = ranges.map(([a, b, c]) =>
    makeFold(ratings, _range(a, b), _range(b, c))
  );
  return { kind: "predefined", ratings, folds };
}

function _range(start: number, end: number): Int32Array {
  const out = new Int32Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}
