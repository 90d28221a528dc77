/**
 * `bpr`: Bayesian Personalized Ranking matrix factorization (Rendle et al.
 * 2009), the pairwise baseline. Each step draws a positive (u, i) uniformly
 * from the training positives and a negative j uniformly from the movies u
 * has no positive for, and takes an SGD step on `-ln sigmoid(x_uij)`, with
 * `x_uij = b_i - b_j + p_u . (q_i - q_j)` and L2 regularization. An epoch is
 * as many steps as there are positives; the mean loss of each epoch is
 * recorded in `history`. Everything is seeded ({@linkcode Prng}).
 *
 * A user given by ratings is folded in by the same SGD on their own vector
 * only, with the movie factors fixed (seeded, `foldInEpochs` passes).
 *
 * @module
 */
import { z } from "zod";
import type { EpochRecord, FitOptions, ModelArtifact, ScoredMovie } from "../core/model.ts";
import { _parseConfig } from "../core/_config.ts";
import {
  type _NamedArray,
  _positiveThresholdField,
  type _RankingData,
  _RankingModel,
  type _RowPositives,
} from "./_ranking_model.ts";
import { _ArtifactReader } from "../core/_artifact.ts";
import { Prng } from "../core/prng.ts";
import { _RankingFactors } from "./_ranking_factors.ts";
import type { FactorView } from "../core/factor_view.ts";

/**
 * Config of {@linkcode BPR}; defaults chosen on a validation split of the
 * training ratings (`bench/ranking_tune.ts`).
 */
export const bprConfigSchema = z.object({
  /** Number of latent factors. */
  factors: z.number().int().positive().max(1024).default(64).meta({
    tune: { values: [32, 64, 128] },
  }),
  /** Passes over the positives. */
  epochs: z.number().int().positive().max(10000).default(108).meta({
    tune: { min: 10, max: 200, log: true },
  }),
  /** SGD step size. */
  learningRate: z.number().positive().max(10).default(0.0124).meta({
    tune: { min: 0.005, max: 0.5, log: true },
  }),
  /** L2 regularization of the factors. */
  regularization: z.number().nonnegative().max(10).default(0.0138).meta({
    tune: { min: 1e-4, max: 0.1, log: true },
  }),
  /** L2 regularization of the item biases. */
  biasRegularization: z.number().nonnegative().max(10).default(0.01),
  /** Ratings at or above this count as positives (validation: 3). */
  positiveThreshold: _positiveThresholdField.default(3),
  /** Standard deviation of the initial factors. */
  initStd: z.number().nonnegative().max(10).default(0.1),
  /** SGD passes over a folded-in user's positives (per positive). */
  foldInEpochs: z.number().int().positive().max(10000).default(100),
  /** Seed of the initialization and the sampling. */
  seed: z.number().int().default(42),
}).strict();

/** Parsed config of {@linkcode BPR}. */
export type BprConfig = z.output<typeof bprConfigSchema>;

/**
 * The `bpr` model (see the module doc).
 *
 * @example
 * ```ts
 * import { BPR } from "./bpr.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new BPR({ factors: 4, epochs: 200, learningRate: 0.1 });
 * m.fit(ratingsFromColumns({
 *   userId: [1, 1, 2, 2, 3, 3, 4], movieId: [10, 20, 10, 20, 30, 40, 30],
 *   rating: [5, 5, 4, 4, 5, 5, 4],
 * }));
 * const r = m.recommend(4, 1);
 * if (!r.ok || r.items[0]!.movieId !== 40) throw new Error("user 4 is like user 3");
 * ```
 */
export class BPR extends _RankingModel<BprConfig> {
  readonly name = "bpr";
  #userFactors: Float32Array = new Float32Array(0);
  #itemFactors: Float32Array = new Float32Array(0);
  #itemBias: Float32Array = new Float32Array(0);
  #factors: _RankingFactors | null = null;

  constructor(config: z.input<typeof bprConfigSchema> = {}) {
    super(_parseConfig(bprConfigSchema, config, "bpr"));
  }

  protected _fitModel(data: _RankingData, options: FitOptions): void {
    const c = this.config;
    const k = c.factors, nU = data.nUsers, nI = data.nItems;
    const pos = data.pos;
    const nnz = pos.indices.length;
    const P = new Float32Array(nU * k), Q = new Float32Array(nI * k), b = new Float32Array(nI);
    const rng = new Prng(c.seed);
    for (let j = 0; j < P.length; j++) P[j] = rng.gaussian() * c.initStd;
    for (let j = 0; j < Q.length; j++) Q[j] = rng.gaussian() * c.initStd;
    // the user of each positive, to draw positives uniformly
    const rowOf = new Int32Array(nnz);
    for (let u = 0; u < nU; u++) rowOf.fill(u, pos.indptr[u]!, pos.indptr[u + 1]!);
    const history: EpochRecord[] = [];
    const step = { lr: c.learningRate, reg: c.regularization, regB: c.biasRegularization, k };
    for (let epoch = 0; epoch < c.epochs && nnz > 0; epoch++) {
      const te = performance.now();
      let loss = 0, n = 0;
      for (let s = 0; s < nnz; s++) {
        const e = rng.below(nnz);
        const u = rowOf[e]!;
        const a = pos.indptr[u]!, z = pos.indptr[u + 1]!;
        if (z - a >= nI) continue; // the user has every movie: no negative
        let j = rng.below(nI);
        while (_has(pos.indices, a, z, j)) j = rng.below(nI);
        loss += _bprStep(P, u * k, { Q, b, i: pos.indices[e]!, j }, step, true);
        n++;
      }
      history.push({
        epoch: epoch + 1,
        trainLoss: n > 0 ? loss / n : 0,
        seconds: (performance.now() - te) / 1000,
      });
      options.onProgress?.({
        model: this.name,
        epoch: epoch + 1,
        epochs: c.epochs,
        message: `epoch ${epoch + 1}/${c.epochs}: BPR loss ${history.at(-1)!.trainLoss.toFixed(4)}`,
      });
    }
    this.history = history;
    this.#userFactors = P;
    this.#itemFactors = Q;
    this.#itemBias = b;
    this.#factors = null;
  }

  /** The factors as the shared scorer ranks with them (built once per fit or load). */
  get #scorer(): _RankingFactors {
    return this.#factors ??= new _RankingFactors({
      users: this._users,
      items: this._items,
      k: this.config.factors,
      userFactors: this.#userFactors,
      itemFactors: this.#itemFactors,
      itemBias: this.#itemBias,
      regularization: this.config.regularization,
    });
  }

  /** `_scoreUser` writes the view's scores of the user's row: the evaluation batches them. */
  protected override _scoreView(): FactorView {
    return this.#scorer.view;
  }

  protected _scoreUser(u: number, out: Float32Array): void {
    const k = this.config.factors;
    this.#scorer.scores(this.#userFactors, u * k, out);
  }

  protected _scorePositives(row: _RowPositives, out: Float32Array): void {
    const c = this.config, k = c.factors, nI = this._data.nItems;
    const rng = new Prng(c.seed);
    const p = new Float32Array(k);
    for (let f = 0; f < k; f++) p[f] = rng.gaussian() * c.initStd;
    const n = row.items.length;
    const step = { lr: c.learningRate, reg: c.regularization, regB: 0, k };
    const items = { Q: this.#itemFactors, b: this.#itemBias, i: 0, j: 0 };
    if (n < nI) {
      for (let s = 0; s < c.foldInEpochs * n; s++) {
        items.i = row.items[rng.below(n)]!;
        let j = rng.below(nI);
        while (_has(row.items, 0, n, j)) j = rng.below(nI);
        items.j = j;
        _bprStep(p, 0, items, step, false);
      }
    }
    this.#scorer.scores(p, 0, out);
  }

  /** The most similar movies by the cosine of item factors. */
  similar(movieId: number, k: number): ScoredMovie[] | null {
    return this.#scorer.similar(movieId, k);
  }

  protected _modelArrays(): _NamedArray[] {
    const k = this.config.factors;
    return [
      { name: "userFactors", array: this.#userFactors, shape: [this._data.nUsers, k] },
      { name: "itemFactors", array: this.#itemFactors, shape: [this._data.nItems, k] },
      { name: "itemBiasBpr", array: this.#itemBias },
    ];
  }

  protected _restoreModel(r: _ArtifactReader, data: _RankingData): void {
    const k = this.config.factors;
    this.#userFactors = r.float32("userFactors", data.nUsers * k);
    this.#itemFactors = r.float32("itemFactors", data.nItems * k);
    this.#itemBias = r.float32("itemBiasBpr", data.nItems);
    this.#factors = null;
  }

  /** Loads a saved `bpr` model, validating the file. */
  static load(artifact: ModelArtifact): BPR {
    const r = new _ArtifactReader(artifact, "bpr");
    return new BPR(r.manifest.config as z.input<typeof bprConfigSchema>)._restore(r);
  }
}

/** True when `x` occurs in the ascending slice `a[lo..hi)`. */
function _has(a: Int32Array, lo: number, hi: number, x: number): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/**
 * One SGD step on `-ln sigmoid(x_uij)` for the user vector at `P[po..]`;
 * the movies' factors and biases move too when `items` is true. Returns the
 * loss before the step.
 */
function _bprStep(
  P: Float32Array,
  po: number,
  m: { Q: Float32Array; b: Float32Array; i: number; j: number },
  s: { lr: number; reg: number; regB: number; k: number },
  items: boolean,
): number {
  const { Q, b, i, j } = m;
  const { lr, reg, regB, k } = s;
  const qi = i * k, qj = j * k;
  let x = b[i]! - b[j]!;
  for (let f = 0; f < k; f++) x += P[po + f]! * (Q[qi + f]! - Q[qj + f]!);
  // g = sigmoid(-x): the gradient scale; loss = ln(1 + e^-x)
  const g = 1 / (1 + Math.exp(x));
  const loss = x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
  for (let f = 0; f < k; f++) {
    const pu = P[po + f]!, a = Q[qi + f]!, c = Q[qj + f]!;
    P[po + f] = pu + lr * (g * (a - c) - reg * pu);
    if (items) {
      Q[qi + f] = a + lr * (g * pu - reg * a);
      Q[qj + f] = c + lr * (-g * pu - reg * c);
    }
  }
  if (items) {
    b[i] = b[i]! + lr * (g - regB * b[i]!);
    b[j] = b[j]! + lr * (-g - regB * b[j]!);
  }
  return loss;
}
