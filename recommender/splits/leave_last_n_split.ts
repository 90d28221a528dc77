/**
 * Per-user leave-last-N split: each user's N latest ratings are the test set.
 *
 * @module
 */
import { Prng } from "../core/prng.ts";
import { type Ratings, ratingsLength } from "../core/ratings.ts";
import { _checkSeed } from "./_check.ts";
import { makeFold, type Split } from "./fold.ts";

/** Options of {@linkcode leaveLastNSplit}. */
export interface LeaveLastNSplitOptions {
  /** Ratings held out per user. Default 1. */
  readonly n?: number;
  /** Users with fewer than `n + minTrain` ratings keep them all in train. Default 1. */
  readonly minTrain?: number;
  /** Seed that breaks ties between ratings with the same timestamp. Default 42. */
  readonly seed?: number;
}

/**
 * For every user with at least `n + minTrain` ratings, the `n` latest ratings
 * go to the test set; everything else is training data. So no user is cold, and
 * each user's test timestamps are >= that user's training timestamps. Ratings
 * with equal timestamps are ordered by a seeded shuffle, not by file order
 * (MovieLens files are sorted by movie id, which would bias the choice).
 *
 * @example
 * ```ts
 * import { leaveLastNSplit } from "./leave_last_n_split.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const r = ratingsFromColumns({
 *   userId: [1, 1, 1, 2], movieId: [1, 2, 3, 1], rating: [1, 2, 3, 4], timestamp: [30, 10, 20, 5],
 * });
 * const { folds } = leaveLastNSplit(r, { n: 1 });
 * if (folds[0]!.test.join() !== "0") throw new Error("user 1's latest rating is row 0");
 * ```
 */
export function leaveLastNSplit(ratings: Ratings, options: LeaveLastNSplitOptions = {}): Split {
  const holdOut = options.n ?? 1;
  const minTrain = options.minTrain ?? 1;
  const seed = options.seed ?? 42;
  if (!Number.isInteger(holdOut) || holdOut < 1) {
    throw new RangeError(
      `Cannot make leave-last-n split: n must be a positive integer, got ${holdOut}`,
    );
  }
  if (!Number.isInteger(minTrain) || minTrain < 1) {
    throw new RangeError(
      `Cannot make leave-last-n split: minTrain must be a positive integer, got ${minTrain}`,
    );
  }
  _checkSeed("leave-last-n", seed);
  const total = ratingsLength(ratings);
  const tieBreak = new Int32Array(total);
  for (let i = 0; i < total; i++) tieBreak[i] = i;
  new Prng(seed).shuffle(tieBreak);
  const users = ratings.userId;
  const ts = ratings.timestamp;
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => users[a]! - users[b]! || ts[a]! - ts[b]! || tieBreak[a]! - tieBreak[b]!);
  const train: number[] = [];
  const test: number[] = [];
  let start = 0;
  while (start < total) {
    const u = users[order[start]!]!;
    let end = start + 1;
    while (end < total && users[order[end]!]! === u) end++;
    const count = end - start;
    const cut = count >= holdOut + minTrain ? end - holdOut : end;
    for (let p = start; p < cut; p++) train.push(order[p]!);
    for (let p = cut; p < end; p++) test.push(order[p]!);
    start = end;
  }
  if (test.length === 0) {
    throw new RangeError(
      `Cannot make leave-last-n split: no user has more than ${
        holdOut + minTrain - 1
      } ratings, so the test set is empty; lower n`,
    );
  }
  return {
    kind: "leave-last-n",
    ratings,
    folds: [makeFold(ratings, Int32Array.from(train), Int32Array.from(test))],
  };
}
