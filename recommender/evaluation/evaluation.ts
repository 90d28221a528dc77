/**
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
import { IdCounts, rowsById } from "../core/id_counts.ts";
import type { Recommender, Scorer } from "../core/model.ts";
import { type Ratings, ratingsLength } from "../core/ratings.ts";
import { rmse } from "../metrics/rmse.ts";
import { mae } from "../metrics/mae.ts";
import { explainedVariance } from "../metrics/explained_variance.ts";
import { fcp } from "../metrics/fcp.ts";
import { catalogCoverage } from "../metrics/coverage.ts";
import { coldStartRate } from "../metrics/cold_start_rate.ts";
import { popularityBias } from "../metrics/popularity_bias.ts";
import type { ModelArtifact } from "../core/model.ts";
import { type _RankUsers, _UserRanker, _VALUES_PER_LIST } from "./_evaluation_ranker.ts";
import { _CHUNK, _rankInParallel, _rankOutput, _shareUsers } from "./_evaluation_pool.ts";
import { kernelThreads } from "../kernels/kernel_threads.ts";
import { histogram, type HistogramBin } from "../metrics/histogram.ts";
import { type ConfidenceInterval, confidenceInterval } from "../metrics/confidence_interval.ts";

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
  /**
   * More floors to rank at, from the same scoring pass of each user (holdout
   * validation tries several): their ranking metrics are in
   * {@linkcode EvaluationResult.moreFloors}, in this order.
   */
  readonly moreFloors?: readonly number[];
  /** Checked between users; aborts a long evaluation. */
  readonly signal?: AbortSignal;
  /**
   * The saved model (`save()` of the same model, or the file it was loaded
   * from), or a function that reads it, called only when workers start: with
   * it, worker threads that load it rank users too. Without it, the ranking
   * runs on the calling thread.
   */
  readonly artifact?: ModelArtifact | (() => ModelArtifact);
  /**
   * Threads for the ranking pass when `artifact` is given. Default
   * `kernelThreads()` for {@linkcode PARALLEL_MIN_USERS} test users or more,
   * else 1. The metrics are the same bits for any number.
   */
  readonly threads?: number;
}

/**
 * Below this many ranked users the ranking pass stays on one thread by
 * default: starting workers and loading the model in each costs about what
 * it saves (6.5k users x 3.7k movies: 0.34 s on one thread, 0.33 s on two;
 * 32k x 15k: 5.1 s and 2.9 s; `reports/bench/evaluate.md`).
 */
export const PARALLEL_MIN_USERS = 10_000;

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
  /** The ranking metrics at each of {@linkcode EvaluationOptions.moreFloors}. */
  readonly moreFloors?: ReadonlyArray<
    { readonly minRatings: number; readonly metrics: Readonly<Record<string, number>> }
  >;
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
 * movies of all those lists over the catalog. A model with raw scores is
 * scored once per user for both floors and ranked as its `recommend` ranks
 * (the same lists); with `options.artifact`, worker threads rank users too,
 * and the metrics are the same bits for any number of threads.
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

  const trainUsers = IdCounts.of(train.userId);
  const trainMovies = IdCounts.of(train.movieId); // also each movie's training ratings
  let trainSum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let e = 0; e < nTrain; e++) {
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
  const order = rowsById(test.userId);
  const catalogSize = options.catalogSize ?? trainMovies.size;
  const more = options.moreFloors ?? [];
  for (const f of more) {
    if (!Number.isInteger(f) || f < 0) {
      throw new RangeError(
        `Cannot evaluate model "${model.name}": moreFloors must hold whole numbers >= 0, got ${f}`,
      );
    }
  }
  const withoutFloor = options.alsoWithoutFloor === true && minRatings > 0;
  const floors = [minRatings, ...(withoutFloor ? [0] : []), ...more];
  const users = _rankingUsers(test, order, trainUsers, threshold);
  const nUsers = users.userIds.length;
  const threads = options.threads ??
    (nUsers >= PARALLEL_MIN_USERS ? kernelThreads() : 1);
  const parallel = threads > 1 && options.artifact !== undefined && nUsers > _CHUNK;
  const shared = parallel ? _shareUsers(users) : users;
  const out = _rankOutput(nUsers, floors.length, k, parallel);
  if (parallel) {
    const a = options.artifact!;
    _rankInParallel(model, typeof a === "function" ? a() : a, {
      k,
      floors,
      users: shared,
      out,
      threads,
      signal: options.signal,
    });
  } else {
    const ranker = new _UserRanker(model, k, floors);
    for (let g = 0; g < nUsers; g += _CHUNK) {
      options.signal?.throwIfAborted();
      ranker.rankRange(g, Math.min(nUsers, g + _CHUNK), users, out);
    }
  }
  const rank = (f: number) => {
    const sums = { precision: 0, recall: 0, ndcg: 0, map: 0, hit: 0 };
    const lists: Int32Array[] = [];
    let relevantUsers = 0;
    for (let g = 0; g < nUsers; g++) {
      const slot = f * nUsers + g;
      const len = out.listLength[slot]!;
      if (len < 0) continue;
      lists.push(out.lists.slice(slot * k, slot * k + len));
      if (users.relIndptr[g + 1]! > users.relIndptr[g]!) {
        relevantUsers++;
        const v = slot * _VALUES_PER_LIST;
        sums.precision += out.values[v]!;
        sums.recall += out.values[v + 1]!;
        sums.ndcg += out.values[v + 2]!;
        sums.map += out.values[v + 3]!;
        sums.hit += out.values[v + 4]!;
      }
    }
    const avg = (s: number) => (relevantUsers > 0 ? s / relevantUsers : NaN);
    const metrics: Record<string, number> = {
      [`precision_at_${k}`]: avg(sums.precision),
      [`recall_at_${k}`]: avg(sums.recall),
      [`ndcg_at_${k}`]: avg(sums.ndcg),
      [`map_at_${k}`]: avg(sums.map),
      [`hit_rate_at_${k}`]: avg(sums.hit),
      coverage: catalogCoverage(lists, catalogSize),
      popularity_bias: popularityBias(lists, (m) => trainMovies.count(m), trainUsers.size),
    };
    return { metrics, rankedUsers: lists.length, relevantUsers };
  };
  const ranked = rank(0);
  const unfloored = withoutFloor ? rank(1) : null;
  const first = withoutFloor ? 2 : 1;
  const moreFloors = more.map((f, x) => ({ minRatings: f, metrics: rank(first + x).metrics }));
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
    ...(more.length > 0 ? { moreFloors } : {}),
  };
}

/**
 * The test users known in train, ascending, with their distinct relevant test
 * movies (rating >= `threshold`), from the test rows sorted by user (`order`).
 */
function _rankingUsers(
  test: Ratings,
  order: Int32Array,
  trainUsers: { has(id: number): boolean },
  threshold: number,
): _RankUsers {
  const nTest = order.length;
  const userIds: number[] = [];
  const relIndptr: number[] = [0];
  const relMovies: number[] = [];
  const relevant = new Set<number>();
  let start = 0;
  while (start < nTest) {
    const u = test.userId[order[start]!]!;
    let end = start + 1;
    while (end < nTest && test.userId[order[end]!]! === u) end++;
    if (trainUsers.has(u)) {
      relevant.clear();
      for (let p = start; p < end; p++) {
        const e = order[p]!;
        if (test.rating[e]! >= threshold) relevant.add(test.movieId[e]!);
      }
      userIds.push(u);
      for (const m of relevant) relMovies.push(m);
      relIndptr.push(relMovies.length);
    }
    start = end;
  }
  return {
    userIds: Int32Array.from(userIds),
    relIndptr: Int32Array.from(relIndptr),
    relMovies: Int32Array.from(relMovies),
  };
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
 * import { combineFolds } from "./evaluation.ts";
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
