/**
 * `global-mean`: predicts the mean of all training ratings for everyone. The
 * floor every other model must beat.
 *
 * @module
 */
import { z } from "zod";
import type {
  FitOptions,
  ModelArtifact,
  Prediction,
  Recommendations,
  RecommendOptions,
} from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { _FactorModel } from "./_factor_model.ts";
import { _sharedEncoding, _sharedSeenArrays } from "./_fit_setup.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import { _ArtifactReader } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";

/** Config of {@linkcode GlobalMean} (no parameters). */
export const globalMeanConfigSchema = z.object({}).strict();

/**
 * The `global-mean` model. Every prediction has scorer `global-mean`; its
 * ranking is a tie broken by movie id (it knows nothing to rank by).
 *
 * @example
 * ```ts
 * import { GlobalMean } from "./global_mean.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new GlobalMean();
 * m.fit(ratingsFromColumns({ userId: [1, 2], movieId: [10, 20], rating: [4, 2] }));
 * if (m.predict(1, 20).rating !== 3) throw new Error("expected the mean");
 * ```
 */
export class GlobalMean extends _FactorModel<Record<string, never>> {
  readonly name = "global-mean";

  constructor(config: z.input<typeof globalMeanConfigSchema> = {}) {
    super(_parseConfig(globalMeanConfigSchema, config, "global-mean") as Record<string, never>);
  }

  protected get _regularization(): number {
    return 0;
  }

  fit(train: Ratings, _options: FitOptions = {}): void {
    const d = _sharedEncoding(train, this.name);
    this._scorer = new _FactorScorer({
      users: d.users,
      items: d.items,
      k: 0,
      userFactors: new Float32Array(0),
      itemFactors: new Float32Array(0),
      ..._sharedSeenArrays(train, this.name),
      globalMean: d.globalMean,
      ratingScale: d.ratingScale,
      regularization: 0,
    });
    this._trainDataHash = d.hash;
  }

  override predict(userId: number, movieId: number): Prediction {
    return { ...super.predict(userId, movieId), scorer: "global-mean" };
  }

  override recommend(userId: number, k: number, options?: RecommendOptions): Recommendations {
    const r = super.recommend(userId, k, options);
    return r.ok ? { ...r, scorer: "global-mean" } : r;
  }

  /** Loads a saved `global-mean` model, validating the file. */
  static load(artifact: ModelArtifact): GlobalMean {
    const r = new _ArtifactReader(artifact, "global-mean");
    return new GlobalMean(r.manifest.config as Record<string, never>)._restore(r);
  }
}
