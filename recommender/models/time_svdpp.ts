/**
 * `timesvdpp`: SVD++ with Koren's (2009) time-aware biases: a user bias that
 * drifts, `b_u + alpha_u dev_u(t) + b_{u,day}`, and an item bias per time
 * bin, `b_i + b_{i,bin(t)}` (see `_svdpp_fit.ts`). Predictions carry no
 * time, so `predictAt` folds the time terms into the biases: averaged over
 * the training ratings (`mean`, for random splits) or at "now" as the
 * training data sees it (`last`: each user's last training day, the last
 * time bin; for temporal splits and serving). The time terms also take the
 * day-to-day noise out of the factors while training.
 *
 * @module
 */
import { z } from "zod";
import type { FitOptions, ModelArtifact } from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { _FactorModel } from "./_factor_model.ts";
import { _ArtifactReader } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";
import { _fitSvdpp } from "./_svdpp_fit.ts";
import { svdppFields } from "./svdpp.ts";

/** Config of {@linkcode TimeSVDpp}: the SVD++ settings plus the time terms. */
export const timeSvdppConfigSchema = z.object({
  ...svdppFields,
  /** Equal spans of the training period, each with its own item bias. */
  timeBins: z.number().int().min(1).max(1000).default(30).meta({
    tune: { min: 4, max: 60, log: true },
  }),
  /** Exponent of the user drift `sign(t - t_u) |t - t_u|^beta` (days). */
  beta: z.number().positive().max(1).default(0.4),
  /** Learning rate of the item-bin and user-day biases. */
  timeLearningRate: z.number().nonnegative().max(1).default(0.005).meta({
    tune: { min: 0.0005, max: 0.02, log: true },
  }),
  /** L2 regularization of the item-bin and user-day biases. */
  timeRegularization: z.number().nonnegative().max(100).default(0.1).meta({
    tune: { min: 0.005, max: 1, log: true },
  }),
  /** Learning rate of the drift coefficients alpha_u. */
  driftLearningRate: z.number().nonnegative().max(1).default(1e-5).meta({
    tune: { min: 1e-6, max: 1e-3, log: true },
  }),
  /**
   * How a prediction (which carries no time) uses the time terms: `mean`
   * averages them over the training ratings of the user and of the movie
   * (random splits); `last` scores at each user's last training day and the
   * last time bin (temporal splits, serving "now").
   */
  predictAt: z.enum(["mean", "last"]).default("mean").meta({ tune: { values: ["mean", "last"] } }),
  /** L2 regularization of the drift coefficients. */
  driftRegularization: z.number().nonnegative().max(1000).default(10).meta({
    tune: { min: 0.1, max: 100, log: true },
  }),
}).strict();

/** Parsed config of {@linkcode TimeSVDpp}. */
export type TimeSvdppConfig = z.output<typeof timeSvdppConfigSchema>;

/**
 * The `timesvdpp` model.
 *
 * @example
 * ```ts
 * import { TimeSVDpp } from "./time_svdpp.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new TimeSVDpp({ factors: 4, epochs: 3, timeBins: 2 });
 * m.fit(ratingsFromColumns({
 *   userId: [1, 1, 2], movieId: [10, 20, 10], rating: [4, 2, 5], timestamp: [0, 86400 * 30, 86400],
 * }));
 * if (m.history.length !== 3) throw new Error();
 * ```
 */
export class TimeSVDpp extends _FactorModel<TimeSvdppConfig> {
  readonly name = "timesvdpp";

  constructor(config: z.input<typeof timeSvdppConfigSchema> = {}) {
    super(_parseConfig(timeSvdppConfigSchema, config, "timesvdpp"));
  }

  protected get _regularization(): number {
    return this.config.regularization;
  }

  fit(train: Ratings, options: FitOptions = {}): void {
    const r = _fitSvdpp(
      train,
      { model: this.name, svdpp: this.config, time: this.config },
      options,
    );
    this._scorer = r.scorer;
    this.history = r.history;
    this._extra = r.extra;
    this._trainDataHash = r.hash;
  }

  /** Loads a saved `timesvdpp` model, validating the file. */
  static load(artifact: ModelArtifact): TimeSVDpp {
    const r = new _ArtifactReader(artifact, "timesvdpp");
    return new TimeSVDpp(r.manifest.config as z.input<typeof timeSvdppConfigSchema>)._restore(r);
  }
}
