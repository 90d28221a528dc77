/**
 * `hybrid`: biased matrix factorization whose movie side is partly made of
 * content (genres, tags, release year; see `movie_content.ts`):
 *
 *   r_ui = mu + b_u + b_i + w . x_i + p_u . (q_i + V^T x_i)
 *
 * `x_i` is the movie's content row, `w` a content bias per feature and `V`
 * a factor row per feature, all learned by SGD with the rest (with early
 * stopping like `biased-mf`). A movie without training ratings still has
 * `x_i`, so it gets a real prediction, `mu + b_u + w . x_i + p_u . V^T x_i`
 * (the user's taste for its genres, era and tags), and can be recommended.
 * The fitted model folds the content into plain item factors and biases for
 * every movie with content, so scoring, ranking and the model file are those
 * of the other factor models. Without content (`useContent` never called)
 * it is biased MF.
 *
 * @module
 */
import { z } from "zod";
import type { FitOptions, ModelArtifact } from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { _FactorModel } from "./_factor_model.ts";
import { _EpochLog } from "./_epoch_log.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import { _ArtifactReader, _hashRatings } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";
import { Prng } from "../core/prng.ts";
import { Vocabulary } from "../core/vocabulary.ts";
import { _biasedFactorRmse } from "./_biased_rmse.ts";
import type { ContentAware, MovieContent } from "../core/movie_content.ts";

/** Config of {@linkcode Hybrid}. */
export const hybridConfigSchema = z.object({
  /** Number of latent factors. */
  factors: z.number().int().positive().max(2000).default(40).meta({
    tune: { min: 8, max: 200, log: true },
  }),
  /** Maximum number of epochs (early stopping picks the count). */
  epochs: z.number().int().positive().max(10000).default(60),
  /** Initial SGD learning rate of the user/movie parameters. */
  learningRate: z.number().positive().max(1).default(0.01).meta({
    tune: { min: 0.002, max: 0.05, log: true },
  }),
  /** Learning rate multiplier applied after every epoch. */
  learningRateDecay: z.number().positive().max(1).default(0.96).meta({
    tune: { min: 0.85, max: 1 },
  }),
  /** L2 regularization of the user and movie factors. */
  regularization: z.number().nonnegative().max(100).default(0.05).meta({
    tune: { min: 0.005, max: 0.3, log: true },
  }),
  /** L2 regularization of the biases. */
  biasRegularization: z.number().nonnegative().max(100).default(0.02).meta({
    tune: { min: 0.001, max: 0.2, log: true },
  }),
  /** Initial learning rate of the content weights w and V. */
  contentLearningRate: z.number().nonnegative().max(1).default(0.005).meta({
    tune: { min: 0.0005, max: 0.05, log: true },
  }),
  /** L2 regularization of the content weights. */
  contentRegularization: z.number().nonnegative().max(100).default(0.01).meta({
    tune: { min: 0.0005, max: 0.5, log: true },
  }),
  /** Standard deviation of the initial factors. */
  initStd: z.number().nonnegative().max(10).default(0.05),
  /** Seed of the initialization and the shuffles. */
  seed: z.number().int().default(42),
  /** Early stopping: epochs without validation improvement before stopping. */
  patience: z.number().int().positive().default(3),
  /** Early stopping: smallest validation RMSE decrease that counts as improvement. */
  minDelta: z.number().nonnegative().default(1e-4),
}).strict();

/** Parsed config of {@linkcode Hybrid}. */
export type HybridConfig = z.output<typeof hybridConfigSchema>;

/**
 * The `hybrid` model.
 *
 * @example
 * ```ts
 * import { Hybrid } from "./hybrid.ts";
 * import { movieContent } from "../core/movie_content.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new Hybrid({ factors: 2, epochs: 20 });
 * m.useContent(movieContent({ movieId: [10, 20, 30], genres: { genre_drama: [1, 0, 1] } }));
 * m.fit(ratingsFromColumns({ userId: [1, 1, 2], movieId: [10, 20, 10], rating: [5, 2, 4] }));
 * // movie 30 has no ratings, but it is a drama
 * if (m.predict(1, 30).scorer !== "model") throw new Error();
 * ```
 */
export class Hybrid extends _FactorModel<HybridConfig> implements ContentAware {
  readonly name = "hybrid";
  #content: MovieContent | null = null;

  constructor(config: z.input<typeof hybridConfigSchema> = {}) {
    super(_parseConfig(hybridConfigSchema, config, "hybrid"));
  }

  protected get _regularization(): number {
    return this.config.regularization;
  }

  /** Sets the movie content the next `fit` learns from. */
  useContent(content: MovieContent): void {
    this.#content = content;
  }

  fit(train: Ratings, options: FitOptions = {}): void {
    const t0 = performance.now();
    const c = this.config;
    const n = train.rating.length;
    if (n === 0) throw new RangeError(`Cannot fit model "hybrid": the training ratings are empty`);
    const content = this.#content;
    const users = Vocabulary.fromIds(train.userId);
    const items = Vocabulary.fromIds(
      content ? [...train.movieId, ...content.movieIds] : train.movieId,
    );
    const U = users.encode(train.userId), I = items.encode(train.movieId), R = train.rating;
    const nU = users.size, nI = items.size, k = c.factors;
    let sum = 0, lo = Infinity, hi = -Infinity;
    for (let e = 0; e < n; e++) {
      const r = R[e]!;
      if (!Number.isFinite(r)) {
        throw new RangeError(`Cannot fit model "hybrid": rating at row ${e} is ${r}`);
      }
      sum += r;
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
    const scale: [number, number] = [lo, hi > lo ? hi : lo + 1];
    const mu = sum / n;
    // content rows per dense item
    const nF = content?.features.length ?? 0;
    const xPtr = new Int32Array(nI + 1);
    let xIdx = new Int32Array(0), xVal = new Float32Array(0);
    if (content) {
      const rowOf = new Int32Array(nI).fill(-1);
      for (let r = 0; r < content.movieIds.length; r++) {
        rowOf[items.indexOf(content.movieIds[r]!)] = r;
      }
      for (let i = 0; i < nI; i++) {
        const r = rowOf[i]!;
        xPtr[i + 1] = xPtr[i]! + (r >= 0 ? content.indptr[r + 1]! - content.indptr[r]! : 0);
      }
      xIdx = new Int32Array(xPtr[nI]!);
      xVal = new Float32Array(xPtr[nI]!);
      for (let i = 0; i < nI; i++) {
        const r = rowOf[i]!;
        if (r < 0) continue;
        xIdx.set(content.indices.subarray(content.indptr[r]!, content.indptr[r + 1]!), xPtr[i]!);
        xVal.set(content.values.subarray(content.indptr[r]!, content.indptr[r + 1]!), xPtr[i]!);
      }
    }
    const rated = new Uint8Array(nI);
    for (let e = 0; e < n; e++) rated[I[e]!] = 1;
    const rng = new Prng(c.seed);
    const P = new Float32Array(nU * k), Q = new Float32Array(nI * k);
    const V = new Float32Array(nF * k), w = new Float32Array(nF);
    const bu = new Float32Array(nU), bi = new Float32Array(nI);
    for (let x = 0; x < P.length; x++) P[x] = rng.gaussian() * c.initStd;
    for (let i = 0; i < nI; i++) {
      if (rated[i]) { for (let f = 0; f < k; f++) Q[i * k + f] = rng.gaussian() * c.initStd; }
    }
    const state = [P, Q, V, w, bu, bi];
    let snapshot: Float32Array[] | null = null;
    const effQ = new Float32Array(nI * k), effB = new Float32Array(nI);
    const fold = () => {
      for (let i = 0; i < nI; i++) {
        let b = bi[i]!;
        const qo = i * k;
        for (let f = 0; f < k; f++) effQ[qo + f] = Q[qo + f]!;
        for (let x = xPtr[i]!, end = xPtr[i + 1]!; x < end; x++) {
          const feat = xIdx[x]!, v = xVal[x]!;
          b += v * w[feat]!;
          const vo = feat * k;
          for (let f = 0; f < k; f++) effQ[qo + f]! += v * V[vo + f]!;
        }
        effB[i] = b;
      }
    };
    const val = options.validation
      ? {
        u: users.encode(options.validation.userId),
        i: items.encode(options.validation.movieId),
        r: options.validation.rating,
      }
      : null;
    const order = Int32Array.from({ length: n }, (_, e) => e);
    const z = new Float32Array(k), pu = new Float32Array(k);
    const log = new _EpochLog(this.name, { ...c, onProgress: options.onProgress });
    let lr = c.learningRate, lrC = c.contentLearningRate;
    for (let epoch = 0; epoch < c.epochs; epoch++) {
      const te = performance.now();
      rng.shuffle(order);
      let sse = 0;
      const cf = 1 - lr * c.regularization, cv = 1 - lrC * c.contentRegularization;
      for (let j = 0; j < n; j++) {
        const e = order[j]!;
        const u = U[e]!, i = I[e]!;
        const po = u * k, qo = i * k;
        const x0 = xPtr[i]!, x1 = xPtr[i + 1]!;
        let pred = mu + bu[u]! + bi[i]!;
        for (let f = 0; f < k; f++) z[f] = Q[qo + f]!;
        for (let x = x0; x < x1; x++) {
          const feat = xIdx[x]!, v = xVal[x]!;
          pred += v * w[feat]!;
          const vo = feat * k;
          for (let f = 0; f < k; f++) z[f]! += v * V[vo + f]!;
        }
        let dot = 0;
        for (let f = 0; f < k; f++) dot += P[po + f]! * z[f]!;
        const err = R[e]! - (pred + dot);
        sse += err * err;
        bu[u] = bu[u]! + lr * (err - c.biasRegularization * bu[u]!);
        bi[i] = bi[i]! + lr * (err - c.biasRegularization * bi[i]!);
        const g = lr * err;
        for (let f = 0; f < k; f++) {
          const p = P[po + f]!;
          pu[f] = p;
          P[po + f] = cf * p + g * z[f]!;
          Q[qo + f] = cf * Q[qo + f]! + g * p;
        }
        for (let x = x0; x < x1; x++) {
          const feat = xIdx[x]!, v = xVal[x]!;
          const gc = lrC * err * v;
          w[feat] = w[feat]! + gc - lrC * c.contentRegularization * w[feat]!;
          const vo = feat * k;
          for (let f = 0; f < k; f++) V[vo + f] = cv * V[vo + f]! + gc * pu[f]!;
        }
      }
      lr *= c.learningRateDecay;
      lrC *= c.learningRateDecay;
      const trainLoss = Math.sqrt(sse / n);
      let validationLoss: number | undefined;
      if (val) {
        fold();
        validationLoss = _biasedFactorRmse(val, { P, Q: effQ, bu, bi: effB, k, mu, scale });
      }
      const verdict = log.record(epoch, trainLoss, validationLoss, (performance.now() - te) / 1000);
      if (verdict === "best") snapshot = state.map((a) => a.slice());
      else if (verdict === "stop") break;
    }
    const history = log.history;
    if (snapshot) state.forEach((a, x) => a.set(snapshot![x]!));
    fold();
    this._scorer = new _FactorScorer({
      users,
      items,
      k,
      userFactors: P,
      itemFactors: effQ.slice(),
      userBias: bu,
      itemBias: effB.slice(),
      ..._FactorScorer.seenFrom(train, users, items),
      globalMean: mu,
      ratingScale: scale,
      regularization: c.regularization,
    });
    this._trainDataHash = _hashRatings(train);
    this.history = history;
    const contentBias: Record<string, number> = {};
    content?.features.forEach((name, f) => contentBias[name] = Number(w[f]!.toFixed(4)));
    this._extra = {
      contentFeatures: nF,
      contentOnlyMovies: nI - rated.reduce((a, b) => a + b, 0),
      contentBias,
      epochsRun: history.length,
      ...log.bestExtra(),
      fitSeconds: (performance.now() - t0) / 1000,
    };
  }

  /** Loads a saved `hybrid` model, validating the file. */
  static load(artifact: ModelArtifact): Hybrid {
    const r = new _ArtifactReader(artifact, "hybrid");
    return new Hybrid(r.manifest.config as z.input<typeof hybridConfigSchema>)._restore(r);
  }
}
