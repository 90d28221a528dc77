/**
 * `ials`: implicit-feedback ALS (Hu, Koren and Volinsky 2008). Every
 * (user, movie) pair is a target: 1 for a positive, 0 otherwise, weighted by
 * a confidence `c = 1 + alpha * w` on positives (`w` = 1 with `confidence:
 * "binary"`, the rating with `"rating"`) and 1 elsewhere. The loss
 *
 *   sum_ui c_ui (p_ui - x_u . y_i)^2 + sum_u lambda_u |x_u|^2 + sum_i lambda_i |y_i|^2
 *
 * uses the frequency-scaled regularization of Rendle et al. 2021
 * ("Revisiting the Performance of iALS on Item Recommendation Benchmarks"):
 * `lambda_u = regularization * (sum_i c_ui)^exponent`, the row's total
 * confidence (`nItems + alpha * sum w`), which is their `(|I_u| + alpha0 |I|)^nu`
 * in Hu's units. Each half-step solves every row against the fixed other
 * side with the Gramian trick, `A_u = Y^T Y + Y^T (C_u - I) Y + lambda_u I`,
 * so a row costs O(k^2 + n_u k) per conjugate-gradient step (`solver: "cg"`,
 * warm-started, `cgSteps` steps) or an exact Cholesky solve (`"cholesky"`).
 * The loss is recorded per iteration in `history` (it decreases: every CG
 * step from the warm start lowers each row's quadratic).
 *
 * Rows are independent given the fixed side and its Gram matrix, so each
 * half-step (and the Gram matrix before it) is split across worker threads
 * ({@linkcode kernelThreads}) when the fit is big enough, with factors
 * bit-identical to one thread's (`kernels/_ials_kernel.ts`, `_ials_pool.ts`).
 *
 * A user given by ratings is folded in with one exact solve of their `A_u`.
 *
 * @module
 */
import { z } from "zod";
import type { EpochRecord, FitOptions, ModelArtifact, ScoredMovie } from "../core/model.ts";
import type {
  ExplainItemOptions,
  ItemContribution,
  ItemExplanation,
} from "../core/ranking_recommender.ts";
import { _parseConfig } from "../core/_config.ts";
import {
  type _NamedArray,
  _positiveThresholdField,
  type _RankingData,
  _RankingModel,
  type _RowPositives,
  _topByAbs,
} from "./_ranking_model.ts";
import { _ArtifactReader } from "../core/_artifact.ts";
import { type CsrMatrix, transposeCsr } from "../core/csr.ts";
import { Prng } from "../core/prng.ts";
import { _RankingFactors } from "./_ranking_factors.ts";
import type { FactorView } from "../core/factor_view.ts";
import { _choleskyInPlace, _choleskySolveInPlace } from "../kernels/_cholesky.ts";
import { _gramRows, type _IalsFit, _IalsRows, _mirrorUpper } from "../kernels/_ials_kernel.ts";
import { _IalsPool, _sharedCopy } from "../kernels/_ials_pool.ts";
import { kernelThreads } from "../kernels/kernel_threads.ts";

/**
 * Work of a whole fit (iterations x CG products x (rows x factors^2 + 4
 * positives x factors)) from which worker threads pay for their start (about
 * 100 ms each, with the copy of their rows' positives): about 0.3 s of one
 * thread's solves. An object so that tests can lower it.
 */
export const _ialsParallel: { minWork: number } = { minWork: 1e9 };

/**
 * Config of {@linkcode IALS}. 64 factors and 15 iterations are the issue's
 * budget; alpha, confidence, regularization and positiveThreshold were chosen
 * by NDCG@10 on a validation split of the training ratings
 * (`bench/ranking_tune.ts` and a grid around its best, `reports/bench/ranking_tune.md`).
 */
export const ialsConfigSchema = z.object({
  /** Number of latent factors. */
  factors: z.number().int().positive().max(1024).default(64).meta({
    tune: { values: [32, 64, 128] },
  }),
  /** Alternating sweeps (movies then users). */
  iterations: z.number().int().positive().max(1000).default(15),
  /** Confidence slope: a positive weighs `1 + alpha * w`. */
  alpha: z.number().nonnegative().max(1e5).default(0.5).meta({
    tune: { min: 0.1, max: 50, log: true },
  }),
  /** `w` of a positive: 1 (`binary`) or its rating (`rating`). */
  confidence: z.enum(["binary", "rating"]).default("rating").meta({
    tune: { values: ["binary", "rating"] },
  }),
  /** Regularization per unit of a row's total confidence (see the module doc). */
  regularization: z.number().nonnegative().max(1e4).default(0.01).meta({
    tune: { min: 1e-3, max: 0.1, log: true },
  }),
  /** Exponent nu of the frequency scaling (0: the same lambda for every row). */
  regularizationExponent: z.number().min(0).max(2).default(1).meta({
    tune: { min: 0, max: 1 },
  }),
  /** Ratings at or above this count as positives (validation: 3). */
  positiveThreshold: _positiveThresholdField.default(3),
  /** Row solver: warm-started conjugate gradient or exact Cholesky. */
  solver: z.enum(["cg", "cholesky"]).default("cg"),
  /** Conjugate-gradient steps per row and half-step. */
  cgSteps: z.number().int().positive().max(100).default(3),
  /** CG products in the WebAssembly SIMD kernel (`wasm`, JS when unsupported) or JS. */
  kernel: z.enum(["wasm", "js"]).default("wasm"),
  /** Standard deviation of the initial factors, divided by sqrt(factors). */
  initStd: z.number().nonnegative().max(10).default(0.1),
  /** Seed of the initialization. */
  seed: z.number().int().default(42),
}).strict();

/** Parsed config of {@linkcode IALS}. */
export type IalsConfig = z.output<typeof ialsConfigSchema>;

/**
 * The `ials` model (see the module doc).
 *
 * @example
 * ```ts
 * import { IALS } from "./ials.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new IALS({ factors: 4, iterations: 10, regularization: 0.01 });
 * m.fit(ratingsFromColumns({
 *   userId: [1, 1, 2, 2, 3, 3, 4], movieId: [10, 20, 10, 20, 30, 40, 30],
 *   rating: [5, 5, 4, 4, 5, 5, 4],
 * }));
 * const r = m.recommendForRatings({ movieIds: [10], ratings: [5] }, 1);
 * if (r.items[0]!.movieId !== 20) throw new Error("a fan of 10 should get 20");
 * ```
 */
export class IALS extends _RankingModel<IalsConfig> {
  readonly name = "ials";
  #userFactors: Float32Array = new Float32Array(0);
  #itemFactors: Float32Array = new Float32Array(0);
  /** `Y^T Y` of the final item factors (fold-in). */
  #gram: Float64Array = new Float64Array(0);
  #factors: _RankingFactors | null = null;

  constructor(config: z.input<typeof ialsConfigSchema> = {}) {
    super(_parseConfig(ialsConfigSchema, config, "ials"));
  }

  /** The confidence `c - 1 = alpha * w` of each positive entry of a CSR. */
  #extra(values: Float32Array): Float32Array {
    const { alpha, confidence } = this.config;
    return Float32Array.from(values, (r) => alpha * (confidence === "binary" ? 1 : r));
  }

  /** `lambda_row` of every row of a CSR of confidences minus one. */
  #lambdas(m: CsrMatrix, extra: Float32Array): Float64Array {
    const { regularization: reg, regularizationExponent: nu } = this.config;
    const out = new Float64Array(m.nRows);
    for (let r = 0; r < m.nRows; r++) {
      let s = m.nCols;
      for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++) s += extra[p]!;
      out[r] = reg * (nu === 0 ? 1 : Math.pow(s, nu));
    }
    return out;
  }

  protected _fitModel(data: _RankingData, options: FitOptions): void {
    const c = this.config;
    const k = c.factors, nU = data.nUsers, nI = data.nItems;
    const byUser = data.pos;
    const byItem = transposeCsr(byUser);
    const extraU = this.#extra(byUser.values), extraI = this.#extra(byItem.values);
    const lamU = this.#lambdas(byUser, extraU), lamI = this.#lambdas(byItem, extraI);
    const products = c.solver === "cg" ? c.cgSteps + 1 : k / 6;
    const work = c.iterations * products * ((nU + nI) * k * k + 4 * byUser.indices.length * k);
    const threads = work >= _ialsParallel.minWork ? kernelThreads() : 1;
    // Over shared memory when worker threads may read or write them.
    const share = <T extends Float32Array | Float64Array | Int32Array>(a: T): T =>
      threads > 1 ? _sharedCopy(a) : a;
    const X = share(new Float32Array(nU * k)), Y = share(new Float32Array(nI * k));
    const rng = new Prng(c.seed);
    const std = c.initStd / Math.sqrt(k);
    for (let j = 0; j < X.length; j++) X[j] = rng.gaussian() * std;
    for (let j = 0; j < Y.length; j++) Y[j] = rng.gaussian() * std;
    const G = share(new Float64Array(k * k));
    const csr = (m: typeof byUser) => ({
      nRows: m.nRows,
      nCols: m.nCols,
      indptr: share(m.indptr),
      indices: share(m.indices),
    });
    const fit: _IalsFit = {
      k,
      solver: c.solver,
      cgSteps: c.cgSteps,
      wasm: c.kernel === "wasm",
      rows: [csr(byItem), csr(byUser)],
      extra: [share(extraI), share(extraU)],
      lambdas: [share(lamI), share(lamU)],
      factors: [Y, X],
      gram: G,
      rowLoss: share(new Float64Array(nU)),
    };
    const history: EpochRecord[] = [];
    const pool = threads > 1 ? _IalsPool.open(fit, threads) : undefined;
    try {
      const one = pool ? null : new _IalsRows(fit, { rows: [[0, nI], [0, nU]], gram: [0, k] });
      const half = (side: 0 | 1) => {
        if (pool) pool.gram(side);
        else {
          one!.gram(side);
          _mirrorUpper(G, k);
        }
        if (pool) pool.solve(side);
        else one!.solve(side);
      };
      for (let it = 0; it < c.iterations; it++) {
        const te = performance.now();
        half(0);
        half(1);
        const loss = _loss(fit.rowLoss, Y, lamI);
        history.push({
          epoch: it + 1,
          trainLoss: loss / Math.max(1, byUser.indices.length),
          seconds: (performance.now() - te) / 1000,
        });
        options.onProgress?.({
          model: this.name,
          epoch: it + 1,
          epochs: c.iterations,
          message: `iteration ${it + 1}/${c.iterations}: loss ${
            history.at(-1)!.trainLoss.toFixed(5)
          }`,
        });
      }
      this._extra = { kernel: (pool ?? one!).kernel, threads: pool?.threads ?? 1 };
    } finally {
      pool?.close();
    }
    this.history = history;
    // Plain (not shared) arrays for the scorer, the saved file and the API.
    this.#userFactors = threads > 1 ? X.slice() : X;
    this.#itemFactors = threads > 1 ? Y.slice() : Y;
    this.#gram = threads > 1 ? G.slice() : G;
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

  /** The exact normal equations `A_u` (Cholesky factor) and solution of a row of positives. */
  #foldIn(row: _RowPositives): { L: Float64Array; x: Float64Array } {
    const k = this.config.factors, Y = this.#itemFactors;
    const extra = this.#extra(row.ratings);
    const { regularization: reg, regularizationExponent: nu } = this.config;
    let total = this._data.nItems;
    for (const e of extra) total += e;
    const lambda = reg * (nu === 0 ? 1 : Math.pow(total, nu));
    const A = Float64Array.from(this.#gram);
    const b = new Float64Array(k);
    for (let x = 0; x < row.items.length; x++) {
      const o = row.items[x]! * k, e = extra[x]!;
      for (let a = 0; a < k; a++) {
        const ya = Y[o + a]!;
        b[a]! += (1 + e) * ya;
        const ea = e * ya, ra = a * k;
        for (let q = 0; q <= a; q++) A[ra + q]! += ea * Y[o + q]!;
      }
    }
    for (let a = 0; a < k; a++) A[a * k + a]! += lambda;
    _choleskyInPlace(A, k);
    _choleskySolveInPlace(A, b, k);
    return { L: A, x: b };
  }

  protected _scorePositives(row: _RowPositives, out: Float32Array): void {
    const { x } = this.#foldIn(row);
    this.#scorer.scores(Float32Array.from(x), 0, out);
  }

  /** The most similar movies by the cosine of item factors. */
  similar(movieId: number, k: number): ScoredMovie[] | null {
    return this.#scorer.similar(movieId, k);
  }

  /**
   * The rated movies behind a training user's score of a movie (Hu, Koren
   * and Volinsky 2008, section 5): the folded-in factors are
   * `x = W sum_j c_j y_j` with `W = A_u^-1`, so the score splits into one
   * weight per positive, `(y_i^T W y_j) c_j`; they sum to the fold-in's score,
   * close to the trained one. Null for an unknown user or movie.
   */
  explain(
    userId: number,
    movieId: number,
    options: ExplainItemOptions = {},
  ): ItemExplanation | null {
    const u = this._users.indexOf(userId), i = this._items.indexOf(movieId);
    if (u < 0 || i < 0) return null;
    const row = this._userPositives(u);
    const k = this.config.factors, Y = this.#itemFactors;
    const { L } = this.#foldIn(row);
    const z = new Float64Array(k);
    for (let f = 0; f < k; f++) z[f] = Y[i * k + f]!;
    _choleskySolveInPlace(L, z, k);
    const extra = this.#extra(row.ratings);
    const w = new Float64Array(row.items.length);
    let score = 0;
    for (let x = 0; x < row.items.length; x++) {
      const o = row.items[x]! * k;
      let s = 0;
      for (let f = 0; f < k; f++) s += z[f]! * Y[o + f]!;
      w[x] = s * (1 + extra[x]!);
      score += w[x]!;
    }
    const contributions: ItemContribution[] = Array.from(_topByAbs(w, options.k ?? 5), (x) => ({
      movieId: this._items.idAt(row.items[x]!),
      rating: row.ratings[x]!,
      weight: w[x]!,
    }));
    return { userId, movieId, score, contributions };
  }

  protected _modelArrays(): _NamedArray[] {
    const k = this.config.factors;
    return [
      { name: "userFactors", array: this.#userFactors, shape: [this._data.nUsers, k] },
      { name: "itemFactors", array: this.#itemFactors, shape: [this._data.nItems, k] },
    ];
  }

  protected _restoreModel(r: _ArtifactReader, data: _RankingData): void {
    const k = this.config.factors;
    this.#userFactors = r.float32("userFactors", data.nUsers * k);
    this.#itemFactors = r.float32("itemFactors", data.nItems * k);
    this.#gram = new Float64Array(k * k);
    _gram(this.#itemFactors, data.nItems, k, this.#gram);
    this.#factors = null;
  }

  /** Loads a saved `ials` model, validating the file. */
  static load(artifact: ModelArtifact): IALS {
    const r = new _ArtifactReader(artifact, "ials");
    return new IALS(r.manifest.config as z.input<typeof ialsConfigSchema>)._restore(r);
  }
}

/** `G = M^T M` (full symmetric) of an `n x k` row-major factor matrix. */
export function _gram(M: Float32Array, n: number, k: number, G: Float64Array): void {
  _gramRows(M.subarray(0, n * k), G, { k, from: 0, to: k });
  _mirrorUpper(G, k);
}

/**
 * The full objective: the users' terms (written by their half-step, with
 * `G = Y^T Y` for the sum over all pairs) and the items' regularization.
 */
function _loss(rowLoss: Float64Array, Y: Float32Array, lamI: Float64Array): number {
  let loss = 0;
  for (let u = 0; u < rowLoss.length; u++) loss += rowLoss[u]!;
  const k = Y.length / Math.max(1, lamI.length);
  for (let i = 0; i < lamI.length; i++) {
    let n2 = 0;
    for (let f = i * k; f < (i + 1) * k; f++) n2 += Y[f]! * Y[f]!;
    loss += lamI[i]! * n2;
  }
  return loss;
}
