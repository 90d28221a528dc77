/**
 * K-fold cross-validation split.
 *
 * @module
 */
import { Prng } from "../core/prng.ts";
import { type Ratings, ratingsLength } from "../core/ratings.ts";
import { _checkSeed } from "./_check.ts";
import { makeFold, type Split, type SplitFold } from "./fold.ts";

/** Options of {@linkcode kFoldSplit}. */
export interface KFoldSplitOptions {
  /** Number of folds, >= 2. Default 5. */
  readonly folds?: number;
  /** PRNG seed. Default 42. */
  readonly seed?: number;
}

/**
 * Shuffles the rows (seeded) and cuts them into `folds` nearly equal parts;
 * fold `i` tests on part `i` and trains on the rest, so the test sets
 * partition the rows and every rating is tested exactly once.
 *
 * @example
 * ```ts
 * import { kFoldSplit } from "./kfold_split.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const r = ratingsFromColumns({ userId: [1, 1, 1, 2, 2], movieId: [1, 2, 3, 1, 2], rating: [1, 2, 3, 4, 5] });
 * const { folds } = kFoldSplit(r, { folds: 2, seed: 1 });
 * if (folds[0]!.test.length + folds[1]!.test.length !== 5) throw new Error("not a partition");
 * ```
 */
export function kFoldSplit(ratings: Ratings, options: KFoldSplitOptions = {}): Split {
  const k = options.folds ?? 5;
  const seed = options.seed ?? 42;
  const n = ratingsLength(ratings);
  if (!Number.isInteger(k) || k < 2) {
    throw new RangeError(`Cannot make kfold split: folds must be an integer >= 2, got ${k}`);
  }
  if (k > n) {
    throw new RangeError(
      `Cannot make kfold split: ${k} folds need at least ${k} ratings, got ${n}`,
    );
  }
  _checkSeed("kfold", seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  new Prng(seed).shuffle(order);
  const folds: SplitFold[] = [];
  for (let f = 0; f < k; f++) {
    const start = Math.floor((f * n) / k);
    const end = Math.floor(((f + 1) * n) / k);
    const train = new Int32Array(n - (end - start));
    train.set(order.subarray(0, start), 0);
    train.set(order.subarray(end), start);
    folds.push(makeFold(ratings, train, order.subarray(start, end)));
  }
  return { kind: "kfold", ratings, folds };
}
