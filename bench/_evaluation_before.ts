/**
 * A frozen copy of `recommender/evaluation.ts` before issue 17 (one
 * `recommend()` per user and floor, the ranking pass run once per floor, one
 * thread): the "before" of `bench/evaluate_bench.ts`. Not used by the pipeline.
 *
 * Offline evaluation of one fitted model on one train/test split: rating
 * accuracy (RMSE, MAE, explained variance, FCP) from `predict` on every test
 * rating, ranking quality (precision, recall, NDCG, MAP, hit rate at k;
 * catalog coverage, popularity bias of the lists) from `recommend` with
 * `excludeSeen`, and the cold-start rate. {@linkcode combineFolds} turns per-fold results into a mean and a 95%
 * confidence interval per metric.
 *
 * Metric keys (as in `metrics.json` and the run tracker): `rmse`, `mae`,
 * `explained_variance`, `fcp`, `precision_at_<k>`, `recall_at_<k>`,
 * `ndcg_at_<k>`, `map_at_<k>`, `hit_rate_at_<k>`, `coverage`, `popularity_bias`,
 * `cold_start_rate`; with {@linkcode EvaluationOptions.alsoWithoutFloor} and a
 * floor > 0, the ranking keys again with the suffix `_no_floor` (every movie ranked).
 *
 * @module
 */
import type { Recommender, Scorer } from "../recommender/core/model.ts";
import { type Ratings, ratingsLength } from "../recommender/core/ratings.ts";
import { rmse } from "../recommender/metrics/rmse.ts";
import { mae } from "../recommender/metrics/mae.ts";
import { explainedVariance } from "../recommender/metrics/explained_variance.ts";
import { fcp } from "../recommender/metrics/fcp.ts";
import { precisionAtK } from "../recommender/metrics/precision_at_k.ts";
import { recallAtK } from "../recommender/metrics/recall_at_k.ts";
import { ndcgAtK } from "../recommender/metrics/ndcg_at_k.ts";
import { averagePrecisionAtK } from "../recommender/metrics/map_at_k.ts";
import { hitAtK } from "../recommender/metrics/hit_rate_at_k.ts";
import { catalogCoverage } from "../recommender/metrics/coverage.ts";
import { coldStartRate } from "../recommender/metrics/cold_start_rate.ts";
import { popularityBias } from "../recommender/metrics/popularity_bias.ts";
import type { ScoredMovie } from "../recommender/core/model.ts";
import { histogram, type HistogramBin } from "../recommender/metrics/histogram.ts";
import {
  type ConfidenceInterval,
  confidenceInterval,
} from "../recommender/metrics/confidence_interval.ts";

/** Options of {@linkcode evaluateModel}. */
export interface EvaluationOptions {
  /** Length of the ranked lists. Default 10. */
  readonly k?: number;
  /** A test rating at or above this is relevant for the ranking metrics. Default 4.0. */
  readonly relevanceThreshold?: number;
  /** Bins of the prediction and error histograms. Default 20. */
  readonly histogramBins?: number;
  /** Catalog size for coverage. Default: the distinct movies of `train`. */
  readonly catalogSize?: number;
  /**
   * Rank only movies with at least this many training ratings (passed to
   * `recommend`). Default 0: all movies.
   */
  readonly minRatings?: number;
  /**
   * When `minRatings` > 0, rank a second time with no floor and report those
   * ranking metrics too, under keys ending in `_no_floor`. Default false.
   */
  readonly alsoWithoutFloor?: boolean;
  /** Checked between users; aborts a long evaluation. */
  readonly signal?: AbortSignal;
}

/** Everything {@linkcode evaluateModel} measures on one fold. */
export interface EvaluationResult {
  /** Metric key -> value (NaN when undefined, e.g. no relevant test ratings). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly k: number;
  readonly relevanceThreshold: number;
  /** The `minRatings` the ranked lists were built with. */
  readonly minRatings: number;
  /** Histogram of the predicted ratings over the rating range seen in train and test. */
  readonly predictionHistogram: readonly HistogramBin[];
  /** Histogram of `predicted - actual`. */
  readonly errorHistogram: readonly HistogramBin[];
  /** The prediction for each test row, in test order. */
  readonly predicted: Float32Array;
  /** 1 where the test row's user or movie is not in `train` (a fallback answered). */
  readonly cold: Uint8Array;
  /** How many test predictions each scorer produced. */
  readonly scorerCounts: Readonly<Partial<Record<Scorer, number>>>;
  readonly counts: {
    readonly trainRatings: number;
    readonly testRatings: number;
    readonly coldTestRatings: number;
    /** Test users known in train, for whom a list was ranked. */
    readonly rankedUsers: number;
    /** Ranked users with at least one relevant test rating (the ranking metrics' average). */
    readonly relevantUsers: number;
    readonly catalogSize: number;
  };
  /** Wall-clock seconds of the prediction and ranking passes. */
  readonly seconds: { readonly predict: number; readonly rank: number };
}

/** The ranking metric keys at cut-off `k`, in display order. */
export function rankingMetricKeys(k: number): string[] {
  return [
    `precision_at_${k}`,
    `recall_at_${k}`,
    `ndcg_at_${k}`,
    `map_at_${k}`,
    `hit_rate_at_${k}`,
    "coverage",
    "popularity_bias",
  ];
}

/** The metric keys of an evaluation at cut-off `k`, in display order. */
export function metricKeys(k: number): string[] {
  return ["rmse", "mae", "explained_variance", "fcp", ...rankingMetricKeys(k), "cold_start_rate"];
}

/**
 * Evaluates a fitted model on a test set.
 *
 * Rating metrics use `model.predict` for every test rating; a pair whose user
 * or movie is not in `train` still gets the model's fallback prediction and is
 * counted as cold start (a non-finite prediction is replaced by the training
 * mean). Ranking metrics use `model.recommend(user, k, { excludeSeen: true,
 * minRatings })` for every test user known in train, and average over the users with at
 * least one test rating >= `relevanceThreshold`; coverage counts the distinct
 * movies of all those lists over the catalog.
 *
 * @example
 * ```ts ignore
 * const result = evaluateModel(model, train, test, { k: 10 });
 * console.log(result.metrics.rmse, result.metrics.ndcg_at_10);
 * ```
 */
export function evaluateModel(
  model: Recommender,
  train: Ratings,
  test: Ratings,
  options: EvaluationOptions = {},
): EvaluationResult {
  const k = options.k ?? 10;
  const threshold = options.relevanceThreshold ?? 4.0;
  const bins = options.histogramBins ?? 20;
  const minRatings = options.minRatings ?? 0;
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(
      `Cannot evaluate model "${model.name}": k must be a positive integer, got ${k}`,
    );
  }
  if (!Number.isFinite(threshold)) {
    throw new RangeError(
      `Cannot evaluate model "${model.name}": relevanceThreshold must be a number, got ${threshold}`,
    );
  }
  if (!Number.isInteger(minRatings) || minRatings < 0) {
    throw new RangeError(
      `Cannot evaluate model "${model.name}": minRatings must be a whole number >= 0, got ${minRatings}`,
    );
  }
  const nTrain = ratingsLength(train);
  const nTest = ratingsLength(test);
  if (nTest === 0) {
    throw new RangeError(`Cannot evaluate model "${model.name}": the test set is empty`);
  }

  const trainUsers = new Set<number>();
  const trainMovies = new Set<number>();
  let trainSum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let e = 0; e < nTrain; e++) {
    trainUsers.add(train.userId[e]!);
    trainMovies.add(train.movieId[e]!);
    const r = train.rating[e]!;
    trainSum += r;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  const trainMean = nTrain > 0 ? trainSum / nTrain : 0;

  // Pointwise pass.
  const t0 = performance.now();
  const predicted = new Float32Array(nTest);
  const cold = new Uint8Array(nTest);
  const errors = new Float64Array(nTest);
  const scorerCounts: Partial<Record<Scorer, number>> = {};
  for (let e = 0; e < nTest; e++) {
    const u = test.userId[e]!;
    const m = test.movieId[e]!;
    const p = model.predict(u, m);
    let value = p.rating;
    let scorer: Scorer = p.scorer;
    if (!Number.isFinite(value)) {
      value = trainMean;
      scorer = "global-mean";
    }
    predicted[e] = value;
    errors[e] = value - test.rating[e]!;
    scorerCounts[scorer] = (scorerCounts[scorer] ?? 0) + 1;
    if (!trainUsers.has(u) || !trainMovies.has(m)) cold[e] = 1;
    const a = test.rating[e]!;
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  let coldCount = 0;
  for (let e = 0; e < nTest; e++) coldCount += cold[e]!;
  const tPredict = performance.now();

  // Ranking pass: test rows grouped by user.
  const order = new Int32Array(nTest);
  for (let e = 0; e < nTest; e++) order[e] = e;
  order.sort((a, b) => test.userId[a]! - test.userId[b]! || a - b);
  const trainCounts = new Map<number, number>();
  for (let e = 0; e < nTrain; e++) {
    const m = train.movieId[e]!;
    trainCounts.set(m, (trainCounts.get(m) ?? 0) + 1);
  }
  const catalogSize = options.catalogSize ?? trainMovies.size;
  const rank = (floor: number) => {
    const sums = { precision: 0, recall: 0, ndcg: 0, map: 0, hit: 0 };
    const lists: Int32Array[] = [];
    let relevantUsers = 0;
    let start = 0;
    while (start < nTest) {
      const u = test.userId[order[start]!]!;
      let end = start + 1;
      while (end < nTest && test.userId[order[end]!]! === u) end++;
      if (trainUsers.has(u)) {
        options.signal?.throwIfAborted();
        const recs = model.recommend(u, k, { excludeSeen: true, minRatings: floor });
        if (recs.ok) {
          const list = _checkedList(model.name, u, recs.items, k);
          lists.push(list);
          const relevant = new Set<number>();
          for (let p = start; p < end; p++) {
            const e = order[p]!;
            if (test.rating[e]! >= threshold) relevant.add(test.movieId[e]!);
          }
          if (relevant.size > 0) {
            relevantUsers++;
            sums.precision += precisionAtK(list, relevant, k);
            sums.recall += recallAtK(list, relevant, k);
            sums.ndcg += ndcgAtK(list, relevant, k);
            sums.map += averagePrecisionAtK(list, relevant, k);
            sums.hit += hitAtK(list, relevant, k);
          }
        }
      }
      start = end;
    }
    const avg = (s: number) => (relevantUsers > 0 ? s / relevantUsers : NaN);
    const metrics: Record<string, number> = {
      [`precision_at_${k}`]: avg(sums.precision),
      [`recall_at_${k}`]: avg(sums.recall),
      [`ndcg_at_${k}`]: avg(sums.ndcg),
      [`map_at_${k}`]: avg(sums.map),
      [`hit_rate_at_${k}`]: avg(sums.hit),
      coverage: catalogCoverage(lists, catalogSize),
      popularity_bias: popularityBias(lists, (m) => trainCounts.get(m) ?? 0, trainUsers.size),
    };
    return { metrics, rankedUsers: lists.length, relevantUsers };
  };
  const ranked = rank(minRatings);
  const unfloored = options.alsoWithoutFloor && minRatings > 0 ? rank(0) : null;
  const tRank = performance.now();
  const relevantUsers = ranked.relevantUsers;

  const metrics: Record<string, number> = {
    rmse: rmse(test.rating, predicted),
    mae: mae(test.rating, predicted),
    explained_variance: explainedVariance(test.rating, predicted),
    fcp: fcp(test.userId, test.rating, predicted),
    ...ranked.metrics,
    cold_start_rate: coldStartRate(cold),
  };
  if (unfloored) {
    for (const [key, value] of Object.entries(unfloored.metrics)) {
      metrics[`${key}_no_floor`] = value;
    }
  }
  const span = hi - lo;
  return {
    metrics,
    k,
    relevanceThreshold: threshold,
    minRatings,
    predictionHistogram: histogram(predicted, { bins, min: lo, max: hi }),
    errorHistogram: histogram(errors, { bins, min: -span, max: span }),
    predicted,
    cold,
    scorerCounts,
    counts: {
      trainRatings: nTrain,
      testRatings: nTest,
      coldTestRatings: coldCount,
      rankedUsers: ranked.rankedUsers,
      relevantUsers,
      catalogSize,
    },
    seconds: { predict: (tPredict - t0) / 1000, rank: (tRank - tPredict) / 1000 },
  };
}

/** A ranked list as movie ids, refusing one longer than k or holding a movie twice. */
function _checkedList(
  model: string,
  user: number,
  items: readonly ScoredMovie[],
  k: number,
): Int32Array {
  if (items.length > k) {
    throw new RangeError(
      `Cannot evaluate model "${model}": it returned ${items.length} movies for user ${user}, more than k = ${k}`,
    );
  }
  const list = new Int32Array(items.length);
  for (let j = 0; j < list.length; j++) {
    const id = items[j]!.movieId;
    // A movie twice in one list would count its hit twice: never score such a list.
    for (let q = 0; q < j; q++) {
      if (list[q] === id) {
        throw new RangeError(
          `Cannot evaluate model "${model}": its list for user ${user} holds movie ${id} twice (positions ${
            q + 1
          } and ${j + 1})`,
        );
      }
    }
    list[j] = id;
  }
  return list;
}

/** A metric over folds: mean, 95% CI and the per-fold values. */
export interface FoldSummary extends ConfidenceInterval {
  /** The value on each fold, in fold order (NaN where undefined). */
  readonly values: readonly number[];
}

/**
 * Combines per-fold metrics into a mean and a Student-t 95% confidence
 * interval per metric (over the folds where the metric is defined).
 *
 * @example
 * ```ts
 * import { combineFolds } from "../recommender/evaluation/evaluation.ts";
 * const s = combineFolds([{ metrics: { rmse: 0.9 } }, { metrics: { rmse: 1.1 } }]);
 * if (Math.abs(s.rmse!.mean - 1) > 1e-12 || s.rmse!.values.length !== 2) throw new Error("bad");
 * ```
 */
export function combineFolds(
  results: readonly { readonly metrics: Readonly<Record<string, number>> }[],
  level = 0.95,
): Record<string, FoldSummary> {
  const keys: string[] = [];
  for (const r of results) {
    for (const key of Object.keys(r.metrics)) if (!keys.includes(key)) keys.push(key);
  }
  const out: Record<string, FoldSummary> = {};
  for (const key of keys) {
    const values = results.map((r) => r.metrics[key] ?? NaN);
    out[key] = { ...confidenceInterval(values, level), values };
  }
  return out;
}
