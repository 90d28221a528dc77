/**
 * Random holdout split by fraction.
 *
 * @module
 */
import { Prng } from "../core/prng.ts";
import { type Ratings, ratingsLength } from "../core/ratings.ts";
import { _checkFraction, _checkSeed, _testCount } from "./_check.ts";
import { makeFold, type Split } from "./fold.ts";

/** Options of {@linkcode randomSplit}. */
export interface RandomSplitOptions {
  /** Share of ratings held out for testing, in (0, 1). Default 0.2. */
  readonly testFraction?: number;
  /** PRNG seed. Default 42. */
  readonly seed?: number;
}

/**
 * Holds out `round(n * testFraction)` ratings chosen uniformly at random (a
 * seeded Fisher-Yates shuffle); the same seed gives the same split. Users or
 * movies whose every rating lands in the test set are reported as cold.
 *
 * @example
 * ```ts
 * import { randomSplit } from "./random_split.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const r = ratingsFromColumns({ userId: [1, 1, 1, 2, 2], movieId: [1, 2, 3, 1, 2], rating: [1, 2, 3, 4, 5] });
 * const { folds } = randomSplit(r, { testFraction: 0.4, seed: 7 });
 * if (folds[0]!.test.length !== 2 || folds[0]!.train.length !== 3) throw new Error("wrong sizes");
 * ```
 */
export function randomSplit(ratings: Ratings, options: RandomSplitOptions = {}): Split {
  const testFraction = options.testFraction ?? 0.2;
  const seed = options.seed ?? 42;
  _checkFraction("random", testFraction);
  _checkSeed("random", seed);
  const n = ratingsLength(ratings);
  const nTest = _testCount("random", n, testFraction);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  new Prng(seed).shuffle(order);
  return {
    kind: "random",
    ratings,
    folds: [makeFold(ratings, order.subarray(nTest), order.subarray(0, nTest))],
  };
}
