/**
 * The one training procedure of a model, wherever it is trained (the train
 * stage, a blend member, a tuning trial): models that stop early (their
 * config has `patience` and `epochs`) first train on the training ratings
 * minus a seeded validation holdout, stopping when the validation RMSE stops
 * improving; with `refit` they are then trained again on all the training
 * ratings for the epoch count that pass chose. Other models fit once on all
 * the training ratings. Content-aware models get the movie content first.
 *
 * @module
 */
import type { EpochRecord, FitProgress, Recommender } from "../core/model.ts";
import { hashRatings, type Ratings } from "../core/ratings.ts";
import { acceptsContent, type MovieContent } from "../core/movie_content.ts";
import { _holdoutSplit, _makeHoldoutSplit, _useHoldoutSplit } from "./_fit_setup.ts";

/** Options of {@linkcode fitStandalone}. */
export interface FitStandaloneOptions<M extends Recommender> {
  /** Builds an unfitted model from a config (the registry's `createModel`). */
  readonly create: (config: Record<string, unknown>) => M;
  /** The model's config. */
  readonly config: Record<string, unknown>;
  /** Share of the training ratings held out for early stopping (0 disables it). */
  readonly validationFraction: number;
  /** After early stopping, train again on all training ratings for the chosen epochs. */
  readonly refit: boolean;
  /** Seed of the validation holdout. */
  readonly seed: number;
  /** Movie content for models that read it. */
  readonly content?: MovieContent;
  readonly onProgress?: (p: FitProgress) => void;
  /**
   * Also fit models that do not stop early on the training ratings minus the
   * holdout first (then, with `refit`, on all of them), so that every model
   * can be measured on the holdout ({@linkcode StandaloneFit.holdout}).
   * Default false: only models that stop early make that pass.
   */
  readonly holdoutPass?: boolean;
}

/** The fitted model and the history of its early-stopping pass (or of its only fit). */
export interface StandaloneFit<M extends Recommender> {
  readonly model: M;
  readonly history: readonly EpochRecord[];
  /**
   * The holdout pass, when there was one: the model fitted without the
   * holdout (before any refit), those training ratings and the holdout.
   */
  readonly holdout?: { readonly model: M; readonly train: Ratings; readonly test: Ratings };
}

/** True when a model's config makes it train in epochs with early stopping. */
export function stopsEarly(config: Readonly<Record<string, unknown>>): boolean {
  return "patience" in config && "epochs" in config;
}

/** The epoch (1-based) with the lowest validation loss; the last one when none was measured. */
export function bestEpoch(history: readonly EpochRecord[]): number {
  let best = history.length;
  let bestLoss = Infinity;
  for (const h of history) {
    if (h.validationLoss !== undefined && h.validationLoss < bestLoss) {
      bestLoss = h.validationLoss;
      best = h.epoch;
    }
  }
  return Math.max(1, best);
}

/**
 * Trains a model the standard way (see the module doc); pure, no I/O.
 *
 * @example
 * ```ts
 * import { fitStandalone } from "./fit_standalone.ts";
 * import { BiasedMF } from "./biased_mf.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const train = ratingsFromColumns({
 *   userId: [1, 1, 2, 2, 3, 3, 4, 4, 5, 5], movieId: [1, 2, 1, 3, 2, 3, 1, 2, 3, 1],
 *   rating: [4, 3, 5, 2, 3, 1, 4, 4, 2, 5],
 * });
 * const { model, history } = fitStandalone(train, {
 *   create: (c) => new BiasedMF(c), config: { factors: 2, epochs: 30 },
 *   validationFraction: 0.2, refit: true, seed: 1,
 * });
 * if (model.history.length > 30 || history[0]?.validationLoss === undefined) throw new Error();
 * ```
 */
export function fitStandalone<M extends Recommender>(
  train: Ratings,
  options: FitStandaloneOptions<M>,
): StandaloneFit<M> {
  const { create, config } = options;
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  const make = (c: Record<string, unknown>) => {
    const m = create(c);
    if (options.content && acceptsContent(m)) m.useContent(options.content);
    return m;
  };
  let model = make(config);
  const early = stopsEarly(model.config);
  if ((early || options.holdoutPass) && options.validationFraction > 0) {
    // the same holdout tables for every model fitted on `train` (see _fit_setup.ts)
    const { train: sub, test } = _holdoutSplit(train, {
      fraction: options.validationFraction,
      seed: options.seed,
    });
    model.fit(sub, early ? { validation: test, ...progress } : progress);
    const holdout = { model, train: sub, test };
    let history = [...model.history];
    if (options.refit) {
      model = make(early ? { ...config, epochs: bestEpoch(history) } : config);
      model.fit(train, progress);
      if (!early) history = [...model.history];
    }
    return { model, history, holdout };
  }
  model.fit(train, progress);
  return { model, history: [...model.history] };
}

/** How the train stage fitted its models (the `train` params that decide the fitted ratings). */
export interface FitProcedure {
  readonly refit: boolean;
  readonly validationFraction: number;
  readonly seed: number;
}

/**
 * Which ratings the train stage fitted a model on and their hash: all of
 * `train`, or (no refit) `train` minus the seeded validation holdout, as
 * {@linkcode fitStandalone} carves it: what a model's `trainDataHash` is.
 */
export function fittedRatings(
  train: Ratings,
  procedure: FitProcedure,
): { on: "train" | "train-minus-holdout"; hash: string } {
  if (procedure.refit || procedure.validationFraction <= 0) {
    return { on: "train", hash: hashRatings(train) };
  }
  return { on: "train-minus-holdout", hash: hashRatings(holdoutSplit(train, procedure).train) };
}

/**
 * The seeded validation holdout {@linkcode fitStandalone} carves from
 * `train`: the ratings fitted on, and the holdout. Made anew on each call
 * (`fitStandalone` itself makes it once per table and reuses it).
 */
export function holdoutSplit(
  train: Ratings,
  options: { readonly validationFraction: number; readonly seed: number },
): { readonly train: Ratings; readonly test: Ratings } {
  return _makeHoldoutSplit(train, { fraction: options.validationFraction, seed: options.seed });
}

/**
 * Makes `split` the holdout {@linkcode fitStandalone} uses for `train` with
 * these options, instead of carving it again: for a copy of the same table
 * and a copy of {@linkcode holdoutSplit}'s answer (the train pool sends both
 * lanes one over shared memory).
 */
export function useHoldoutSplit(
  train: Ratings,
  options: { readonly validationFraction: number; readonly seed: number },
  split: { readonly train: Ratings; readonly test: Ratings },
): void {
  _useHoldoutSplit(train, { fraction: options.validationFraction, seed: options.seed }, split);
}
