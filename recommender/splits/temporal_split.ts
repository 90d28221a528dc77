/**
 * Global temporal split: everything rated from a cut-off time on is the test set.
 *
 * @module
 */
import { type Ratings, ratingsLength } from "../core/ratings.ts";
import { _checkFraction, _testCount } from "./_check.ts";
import { makeFold, type Split } from "./fold.ts";

/** Options of {@linkcode temporalSplit}: a test fraction or an explicit cut-off. */
export type TemporalSplitOptions =
  | {
    /** The latest `round(n * testFraction)` ratings are the test set. Default 0.2. */
    readonly testFraction?: number;
    readonly cutoff?: undefined;
  }
  | {
    /** Unix seconds: ratings at or after it are the test set. */
    readonly cutoff: number;
    readonly testFraction?: undefined;
  };

/**
 * Splits on time for the whole data set, so the model never sees the future:
 * every test timestamp is >= every training timestamp. With `testFraction`
 * the rows are ordered by (timestamp, row) and the last share is the test set;
 * with `cutoff` the test set is every rating at or after that time. Needs no
 * seed (it is deterministic).
 *
 * @example
 * ```ts
 * import { temporalSplit } from "./temporal_split.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const r = ratingsFromColumns({
 *   userId: [1, 1, 2, 2], movieId: [1, 2, 1, 2], rating: [1, 2, 3, 4], timestamp: [40, 10, 30, 20],
 * });
 * const { folds } = temporalSplit(r, { cutoff: 30 });
 * if (folds[0]!.test.join() !== "0,2") throw new Error("wrong test rows");
 * ```
 */
export function temporalSplit(ratings: Ratings, options: TemporalSplitOptions = {}): Split {
  const n = ratingsLength(ratings);
  const ts = ratings.timestamp;
  const train: number[] = [];
  const test: number[] = [];
  if (options.cutoff !== undefined) {
    const cutoff = options.cutoff;
    if (!Number.isFinite(cutoff)) {
      throw new RangeError(
        `Cannot make temporal split: cutoff must be a finite unix time, got ${cutoff}`,
      );
    }
    for (let i = 0; i < n; i++) (ts[i]! >= cutoff ? test : train).push(i);
    if (train.length === 0 || test.length === 0) {
      throw new RangeError(
        `Cannot make temporal split: cutoff ${cutoff} leaves an empty ${
          train.length === 0 ? "train" : "test"
        } set; pick a time between ${_min(ts)} and ${_max(ts)}`,
      );
    }
  } else {
    const testFraction = options.testFraction ?? 0.2;
    _checkFraction("temporal", testFraction);
    const nTest = _testCount("temporal", n, testFraction);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => ts[a]! - ts[b]! || a - b);
    return {
      kind: "temporal",
      ratings,
      folds: [makeFold(ratings, order.subarray(0, n - nTest), order.subarray(n - nTest))],
    };
  }
  return {
    kind: "temporal",
    ratings,
    folds: [makeFold(ratings, Int32Array.from(train), Int32Array.from(test))],
  };
}

function _min(a: Float64Array): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! < m) m = a[i]!;
  return m;
}

function _max(a: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}
