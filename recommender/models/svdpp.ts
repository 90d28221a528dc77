/**
 * `svdpp`: Koren's SVD++, biased matrix factorization plus implicit feedback:
 * `r_ui = mu + b_u + b_i + q_i . (p_u + |N(u)|^-1/2 sum_{j in N(u)} y_j)`,
 * where `N(u)` is the set of movies the user rated in training. Trained by
 * SGD with the implicit sum cached per user and the `y_j` updated once per
 * user (not per rating) in a WebAssembly SIMD kernel (`_wasm_svdpp.ts`), with
 * learning-rate decay and early stopping like `biased-mf`. Fits in about a
 * second on ml-latest-small, where Surprise's SVD++ needs ~48 s.
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

/** The SVD++ settings, shared with `timesvdpp` (each field carries its tuning range). */
export const svdppFields = {
  /** Number of latent factors. */
  factors: z.number().int().positive().max(2000).default(50).meta({
    tune: { min: 8, max: 256, log: true },
  }),
  /** Maximum number of epochs (early stopping picks the count). */
  epochs: z.number().int().positive().max(10000).default(60),
  /** Initial SGD learning rate. */
  learningRate: z.number().positive().max(1).default(0.007).meta({
    tune: { min: 0.002, max: 0.03, log: true },
  }),
  /** Learning rate multiplier applied after every epoch (1 = constant). */
  learningRateDecay: z.number().positive().max(1).default(0.96).meta({
    tune: { min: 0.85, max: 1 },
  }),
  /** L2 regularization of the explicit factors p and q. */
  regularization: z.number().nonnegative().max(100).default(0.04).meta({
    tune: { min: 0.005, max: 0.2, log: true },
  }),
  /** L2 regularization of the biases. */
  biasRegularization: z.number().nonnegative().max(100).default(0.02).meta({
    tune: { min: 0.001, max: 0.2, log: true },
  }),
  /** L2 regularization of the implicit factors y (applied once per user). */
  implicitRegularization: z.number().nonnegative().max(100).default(0.5).meta({
    tune: { min: 0.01, max: 5, log: true },
  }),
  /** Standard deviation of the initial factors. */
  initStd: z.number().nonnegative().max(10).default(0.05).meta({
    tune: { min: 0.01, max: 0.2, log: true },
  }),
  /** Seed of the initialization and the shuffles. */
  seed: z.number().int().default(42),
  /** Early stopping: epochs without validation improvement before stopping. */
  patience: z.number().int().positive().default(3),
  /** Early stopping: smallest validation RMSE decrease that counts as improvement. */
  minDelta: z.number().nonnegative().default(1e-4),
  /** SGD kernel: WebAssembly SIMD, plain JS, or wasm when the runtime has it. */
  kernel: z.enum(["auto", "wasm", "js"]).default("auto"),
};

/** Config of {@linkcode SVDpp}. */
export const svdppConfigSchema = z.object(svdppFields).strict();

/** Parsed config of {@linkcode SVDpp}. */
export type SvdppConfig = z.output<typeof svdppConfigSchema>;

/**
 * The `svdpp` model.
 *
 * @example
 * ```ts
 * import { SVDpp } from "./svdpp.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new SVDpp({ factors: 4, epochs: 5 });
 * m.fit(ratingsFromColumns({ userId: [1, 1, 2], movieId: [10, 20, 10], rating: [4, 2, 5] }));
 * if (m.history.length !== 5 || m.predict(1, 10).scorer !== "model") throw new Error();
 * ```
 */
export class SVDpp extends _FactorModel<SvdppConfig> {
  readonly name = "svdpp";

  constructor(config: z.input<typeof svdppConfigSchema> = {}) {
    super(_parseConfig(svdppConfigSchema, config, "svdpp"));
  }

  protected get _regularization(): number {
    return this.config.regularization;
  }

  fit(train: Ratings, options: FitOptions = {}): void {
    const r = _fitSvdpp(train, { model: this.name, svdpp: this.config }, options);
    this._scorer = r.scorer;
    this.history = r.history;
    this._extra = r.extra;
    this._trainDataHash = r.hash;
  }

  /** Loads a saved `svdpp` model, validating the file. */
  static load(artifact: ModelArtifact): SVDpp {
    const r = new _ArtifactReader(artifact, "svdpp");
    return new SVDpp(r.manifest.config as z.input<typeof svdppConfigSchema>)._restore(r);
  }
}
