/**
 * Hyper-parameter search over a model's zod-declared ranges
 * (`search_space.ts`), scored on a validation split carved from the
 * TRAINING ratings only: the caller passes the training ratings and nothing
 * else, so no choice can depend on a test set.
 *
 * Trial 1 is the model's current config; the others are random draws from
 * the search space (seeded). Every trial is trained the standalone way
 * (`fit_standalone.ts`: early stopping inside the fit part, then a refit)
 * on the fit part and scored on the validation part: RMSE of `predict`
 * (rating models, lower is better) or NDCG@k of `recommend` (ranking models,
 * higher is better; `recommender/evaluation/evaluation.ts`). Bad trials stop early
 * (the median stopping rule): a model that trains in epochs is first trained
 * for `budgetFraction` of its epochs; when its validation score after that
 * budget is worse than the median of the earlier trials' scores at the same
 * budget, the trial ends there, marked `pruned`.
 *
 * @module
 */
import type { Recommender } from "../core/model.ts";
import { type Ratings, selectRows } from "../core/ratings.ts";
import { randomSplit } from "../splits/random_split.ts";
import { evaluateModel } from "../evaluation/evaluation.ts";
import { fitStandalone, stopsEarly } from "../models/fit_standalone.ts";
import type { MovieContent } from "../core/movie_content.ts";
import { Prng } from "../core/prng.ts";
import { sampleConfig, type SearchDimension } from "./search_space.ts";

/** What a trial optimizes. */
export type TuneMetric = "rmse" | "ndcg";

/** Options of {@linkcode tuneModel}. */
export interface TuneOptions {
  /** Builds an unfitted model from a config (the registry's `createModel` for one name). */
  readonly create: (config: Record<string, unknown>) => Recommender;
  /** The config trial 1 uses and every draw starts from. */
  readonly baseConfig: Record<string, unknown>;
  readonly space: readonly SearchDimension[];
  readonly trials: number;
  readonly metric: TuneMetric;
  /** Share of the training ratings used as the validation split. Default 0.1. */
  readonly validationFraction?: number;
  /** Seed of the validation split, the draws and the early-stopping holdouts. Default 42. */
  readonly seed?: number;
  /**
   * Cut-off, relevance threshold and support floor of NDCG@k. Defaults 10, 4,
   * and a floor of 0 for ranking models (they choose none in the pipeline), 50 for the others.
   */
  readonly k?: number;
  readonly relevanceThreshold?: number;
  readonly minRatings?: number;
  /** Share of the epochs a trial trains before the median stopping rule looks at it. Default 0.3. */
  readonly budgetFraction?: number;
  /** Trials that must finish before any is pruned. Default 3. */
  readonly minTrialsBeforePruning?: number;
  /** Movie content for content-aware models. */
  readonly content?: MovieContent;
  /** Called after every trial (for tracking). */
  readonly onTrial?: (trial: TrialResult) => Promise<void> | void;
}

/** One trial's outcome. */
export interface TrialResult {
  /** 1-based. */
  readonly trial: number;
  /** The full config the trial trained with. */
  readonly config: Record<string, unknown>;
  /** The values drawn for the search dimensions. */
  readonly params: Record<string, unknown>;
  readonly status: "complete" | "pruned";
  /** The validation score (of the budget fit when pruned). */
  readonly score: number;
  /** The validation score after the budget (iterative models), else null. */
  readonly budgetScore: number | null;
  readonly fitSeconds: number;
}

/** All trials and the best complete one. */
export interface TuneResult {
  readonly metric: TuneMetric;
  readonly trials: readonly TrialResult[];
  readonly best: TrialResult;
  readonly fitRatings: number;
  readonly validationRatings: number;
}

/** True when `a` is a better score than `b` for the metric. */
export function isBetter(metric: TuneMetric, a: number, b: number): boolean {
  return metric === "rmse" ? a < b : a > b;
}

/**
 * Runs the search (see the module doc); pure apart from `onTrial`.
 *
 * @example
 * ```ts
 * import { tuneModel } from "./tuner.ts";
 * import { BaselineOnly } from "../models/baseline_only.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const train = ratingsFromColumns({
 *   userId: [1, 1, 2, 2, 3, 3, 4, 4, 5, 5], movieId: [1, 2, 1, 2, 1, 3, 2, 3, 1, 3],
 *   rating: [5, 4, 4, 3, 5, 2, 3, 1, 4, 2],
 * });
 * const r = await tuneModel(train, {
 *   create: (c) => new BaselineOnly(c), baseConfig: {}, trials: 3, metric: "rmse",
 *   space: [{ kind: "number", key: "regItem", min: 0, max: 20, log: false, integer: false }],
 *   validationFraction: 0.3,
 * });
 * if (r.trials.length !== 3) throw new Error();
 * ```
 */
export async function tuneModel(train: Ratings, options: TuneOptions): Promise<TuneResult> {
  const seed = options.seed ?? 42;
  const metric = options.metric;
  if (!Number.isInteger(options.trials) || options.trials < 1) {
    throw new RangeError(
      `Cannot tune: trials must be a whole number >= 1, got ${options.trials}; pass --trials N`,
    );
  }
  const fold = randomSplit(train, {
    testFraction: options.validationFraction ?? 0.1,
    seed,
  }).folds[0]!;
  const fitPart = selectRows(train, fold.train);
  const validation = selectRows(train, fold.test);
  const rng = new Prng(seed + 1);
  const trials: TrialResult[] = [];
  const budgetScores: number[] = [];
  const score = (model: Recommender) => _score(model, fitPart, validation, options);
  for (let t = 1; t <= options.trials; t++) {
    const params = t === 1 ? {} : sampleConfig(options.space, rng);
    const config = { ...options.baseConfig, ...params };
    const started = performance.now();
    const fitOptions = {
      create: options.create,
      validationFraction: 0.1,
      refit: true,
      seed,
      ...(options.content ? { content: options.content } : {}),
    };
    let budgetScore: number | null = null;
    let result: TrialResult | null = null;
    const probe = options.create(config);
    const epochs = Number((probe.config as { epochs?: unknown }).epochs);
    if (stopsEarly(probe.config) && Number.isFinite(epochs) && epochs > 1) {
      const budget = Math.max(1, Math.round(epochs * (options.budgetFraction ?? 0.3)));
      const short = fitStandalone(fitPart, {
        ...fitOptions,
        config: { ...config, epochs: budget },
      });
      budgetScore = score(short.model);
      const done = trials.filter((x) => x.budgetScore !== null).length;
      if (done >= (options.minTrialsBeforePruning ?? 3)) {
        const median = _median(budgetScores);
        if (isBetter(metric, median, budgetScore)) {
          result = {
            trial: t,
            config,
            params,
            status: "pruned",
            score: budgetScore,
            budgetScore,
            fitSeconds: (performance.now() - started) / 1000,
          };
        }
      }
      budgetScores.push(budgetScore);
    }
    if (!result) {
      const full = fitStandalone(fitPart, { ...fitOptions, config });
      result = {
        trial: t,
        config,
        params,
        status: "complete",
        score: score(full.model),
        budgetScore,
        fitSeconds: (performance.now() - started) / 1000,
      };
    }
    trials.push(result);
    await options.onTrial?.(result);
  }
  let best: TrialResult | null = null;
  for (const x of trials) {
    if (x.status !== "complete" || !Number.isFinite(x.score)) continue;
    if (!best || isBetter(metric, x.score, best.score)) best = x;
  }
  if (!best) {
    throw new Error("Cannot tune: no trial finished with a finite score; widen the ranges");
  }
  return {
    metric,
    trials,
    best,
    fitRatings: fitPart.rating.length,
    validationRatings: validation.rating.length,
  };
}

function _score(
  model: Recommender,
  fitPart: Ratings,
  validation: Ratings,
  o: TuneOptions,
): number {
  if (o.metric === "rmse") {
    let se = 0;
    const n = validation.rating.length;
    for (let e = 0; e < n; e++) {
      se += (model.predict(validation.userId[e]!, validation.movieId[e]!).rating -
        validation.rating[e]!) ** 2;
    }
    return Math.sqrt(se / n);
  }
  const k = o.k ?? 10;
  const r = evaluateModel(model, fitPart, validation, {
    k,
    relevanceThreshold: o.relevanceThreshold ?? 4,
    minRatings: o.minRatings ?? ((model as { task?: string }).task === "ranking" ? 0 : 50),
  });
  return r.metrics[`ndcg_at_${k}`] ?? NaN;
}

function _median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
