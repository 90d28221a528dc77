/**
 * `baseline`: global mean plus user and item biases, fitted by regularised
 * alternating least squares like Surprise's `BaselineOnly`
 * (`b_u = sum(r - mu - b_i) / (regUser + n_u)`, then the same for `b_i`).
 *
 * @module
 */
import { z } from "zod";
import type { FitOptions, ModelArtifact } from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { _FactorModel } from "./_factor_model.ts";
import { _sharedEncoding, _sharedSeenArrays } from "./_fit_setup.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import { _ArtifactReader } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";

/** Config of {@linkcode BaselineOnly}. */
export const baselineConfigSchema = z.object({
  /** Alternating passes over users then items. */
  epochs: z.number().int().positive().max(1000).default(10),
  /** Shrinkage of user biases (in pseudo-ratings). */
  regUser: z.number().nonnegative().max(1e6).default(15),
  /** Shrinkage of item biases (in pseudo-ratings). */
  regItem: z.number().nonnegative().max(1e6).default(10),
}).strict();

/** Parsed config of {@linkcode BaselineOnly}. */
export type BaselineConfig = z.output<typeof baselineConfigSchema>;

/**
 * Fits user and item biases by regularised ALS; returns Float32 bias arrays.
 * Shared by the models that start from baselines (item kNN, ALS init).
 */
export function fitBiases(
  data: {
    u: Int32Array;
    i: Int32Array;
    r: Float32Array;
    nUsers: number;
    nItems: number;
    mu: number;
  },
  opts: { epochs: number; regUser: number; regItem: number },
): { userBias: Float32Array; itemBias: Float32Array } {
  const { u, i, r, nUsers, nItems, mu } = data;
  const n = r.length;
  const bu = new Float64Array(nUsers), bi = new Float64Array(nItems);
  const cu = new Float64Array(nUsers), ci = new Float64Array(nItems);
  for (let e = 0; e < n; e++) {
    cu[u[e]!]!++;
    ci[i[e]!]!++;
  }
  const acc = new Float64Array(Math.max(nUsers, nItems));
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    acc.fill(0, 0, nUsers);
    for (let e = 0; e < n; e++) acc[u[e]!]! += r[e]! - mu - bi[i[e]!]!;
    for (let x = 0; x < nUsers; x++) bu[x] = acc[x]! / (opts.regUser + cu[x]!);
    acc.fill(0, 0, nItems);
    for (let e = 0; e < n; e++) acc[i[e]!]! += r[e]! - mu - bu[u[e]!]!;
    for (let x = 0; x < nItems; x++) bi[x] = acc[x]! / (opts.regItem + ci[x]!);
  }
  return { userBias: Float32Array.from(bu), itemBias: Float32Array.from(bi) };
}

/**
 * The `baseline` model: `mu + b_u + b_i`. Recommends by item bias.
 *
 * @example
 * ```ts
 * import { BaselineOnly } from "./baseline_only.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new BaselineOnly();
 * m.fit(ratingsFromColumns({ userId: [1, 2, 2], movieId: [10, 10, 20], rating: [5, 4, 1] }));
 * if (!(m.predict(1, 10).rating > m.predict(1, 20).rating)) throw new Error("bias order");
 * ```
 */
export class BaselineOnly extends _FactorModel<BaselineConfig> {
  readonly name = "baseline";

  constructor(config: z.input<typeof baselineConfigSchema> = {}) {
    super(_parseConfig(baselineConfigSchema, config, "baseline"));
  }

  protected get _regularization(): number {
    return 0;
  }

  fit(train: Ratings, _options: FitOptions = {}): void {
    const d = _sharedEncoding(train, this.name);
    const { userBias, itemBias } = fitBiases(
      { u: d.u, i: d.i, r: d.r, nUsers: d.users.size, nItems: d.items.size, mu: d.globalMean },
      this.config,
    );
    this._scorer = new _FactorScorer({
      users: d.users,
      items: d.items,
      k: 0,
      userFactors: new Float32Array(0),
      itemFactors: new Float32Array(0),
      userBias,
      itemBias,
      ..._sharedSeenArrays(train, this.name),
      globalMean: d.globalMean,
      ratingScale: d.ratingScale,
      regularization: 0,
    });
    this._trainDataHash = d.hash;
    this.history = [];
    this._extra = {};
  }

  /** Loads a saved `baseline` model, validating the file. */
  static load(artifact: ModelArtifact): BaselineOnly {
    const r = new _ArtifactReader(artifact, "baseline");
    return new BaselineOnly(r.manifest.config as z.input<typeof baselineConfigSchema>)._restore(r);
  }
}
