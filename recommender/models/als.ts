/**
 * `als`: explicit-feedback alternating least squares with biases. Each
 * half-step solves one small ridge regression per user (then per item) for
 * `[b, p]` against the fixed other side: `min sum (r - mu - b_other - b - p.q)^2
 * + n (regBias b^2 + reg |p|^2)` (weighted-lambda regularization), by a
 * Cholesky factorization of the (k+1) x (k+1) normal equations. Rows are
 * independent, which is what makes ALS the parallel, scalable alternative to
 * SGD: the loops run over CSR typed arrays, split across worker threads
 * ({@linkcode kernelThreads}) when the fit is big enough, with factors
 * bit-identical to one thread's (`_als_kernel.ts`, `_als_pool.ts`), by a
 * WebAssembly SIMD kernel where the runtime has one, with the same bits as
 * the JS kernel (`_als_solver.ts` chooses).
 *
 * @module
 */
import { z } from "zod";
import type { EpochRecord, FitOptions, ModelArtifact } from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { transposeCsr } from "../core/csr.ts";
import { _FactorModel } from "./_factor_model.ts";
import { _sharedEncoding, _sharedSeen } from "./_fit_setup.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import { _ArtifactReader } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";
import { Prng } from "../core/prng.ts";
import { _biasedFactorRmse } from "./_biased_rmse.ts";
import { _alsKernel, _alsSolver } from "../kernels/_als_solver.ts";
import { _AlsPool, _shareCsr, _sharedF32 } from "../kernels/_als_pool.ts";
import { kernelThreads } from "../kernels/kernel_threads.ts";

/**
 * Work of one half-step (ratings x factors^2) from which worker threads pay
 * for their start (about 70 ms each).
 */
const PARALLEL_MIN_WORK = 2e6;

/** Config of {@linkcode ALS}. */
export const alsConfigSchema = z.object({
  /** Number of latent factors. */
  factors: z.number().int().positive().max(500).default(30),
  /** Alternating sweeps (users then items). */
  iterations: z.number().int().positive().max(1000).default(15),
  /** Factor regularization per rating (weighted lambda). */
  regularization: z.number().nonnegative().max(100).default(0.15),
  /** Bias regularization per rating. */
  biasRegularization: z.number().nonnegative().max(100).default(0.1),
  /** Standard deviation of the initial item factors. */
  initStd: z.number().nonnegative().max(10).default(0.1),
  /** Seed of the initialization. */
  seed: z.number().int().default(42),
}).strict();

/** Parsed config of {@linkcode ALS}. */
export type AlsConfig = z.output<typeof alsConfigSchema>;

/**
 * The `als` model.
 *
 * @example
 * ```ts
 * import { ALS } from "./als.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new ALS({ factors: 2, iterations: 3 });
 * m.fit(ratingsFromColumns({ userId: [1, 1, 2], movieId: [10, 20, 10], rating: [4, 2, 5] }));
 * if (m.predict(1, 10).scorer !== "model") throw new Error("expected the model");
 * ```
 */
export class ALS extends _FactorModel<AlsConfig> {
  readonly name = "als";

  constructor(config: z.input<typeof alsConfigSchema> = {}) {
    super(_parseConfig(alsConfigSchema, config, "als"));
  }

  protected get _regularization(): number {
    return this.config.regularization;
  }

  fit(train: Ratings, options: FitOptions = {}): void {
    const t0 = performance.now();
    const c = this.config;
    const d = _sharedEncoding(train, this.name);
    const nU = d.users.size, nI = d.items.size, k = c.factors;
    const threads = d.u.length * k * k >= PARALLEL_MIN_WORK ? kernelThreads() : 1;
    const shared = threads > 1;
    const f32 = (n: number) => (shared ? _sharedF32(n) : new Float32Array(n));
    const csr = _sharedSeen(train, this.name);
    const byUser = shared ? _shareCsr(csr) : csr;
    const byItem = shared ? _shareCsr(transposeCsr(csr)) : transposeCsr(csr);
    const P = f32(nU * k), Q = f32(nI * k);
    const bu = f32(nU), bi = f32(nI);
    const rng = new Prng(c.seed);
    for (let j = 0; j < Q.length; j++) Q[j] = rng.gaussian() * c.initStd;
    const mu = d.globalMean;
    const fit = {
      byUser,
      byItem,
      P,
      Q,
      bu,
      bi,
      k,
      mu,
      regularization: c.regularization,
      biasRegularization: c.biasRegularization,
    };
    const kernel = _alsKernel();
    const pool = shared ? _AlsPool.open({ ...fit, kernel }, threads) : undefined;
    const solver = pool ?? _alsSolver(fit, { ranges: [[0, nU], [0, nI]], kernel });
    const val = options.validation
      ? {
        u: d.users.encode(options.validation.userId),
        i: d.items.encode(options.validation.movieId),
        r: options.validation.rating,
      }
      : null;
    const history: EpochRecord[] = [];
    try {
      for (let it = 0; it < c.iterations; it++) {
        const te = performance.now();
        solver.solve(0);
        solver.solve(1);
        const trainLoss = _biasedFactorRmse(d, { P, Q, bu, bi, k, mu, scale: d.ratingScale });
        const validationLoss = val
          ? _biasedFactorRmse(val, { P, Q, bu, bi, k, mu, scale: d.ratingScale })
          : undefined;
        history.push({
          epoch: it + 1,
          trainLoss,
          ...(validationLoss !== undefined ? { validationLoss } : {}),
          seconds: (performance.now() - te) / 1000,
        });
        options.onProgress?.({
          model: this.name,
          epoch: it + 1,
          epochs: c.iterations,
          message: `iteration ${it + 1}/${c.iterations}: train RMSE ${trainLoss.toFixed(4)}${
            validationLoss !== undefined ? `, validation RMSE ${validationLoss.toFixed(4)}` : ""
          }`,
        });
      }
    } finally {
      pool?.close();
    }
    // Plain (not shared) arrays for the scorer, the saved file and the API.
    this._scorer = new _FactorScorer({
      users: d.users,
      items: d.items,
      k,
      userFactors: P.slice(),
      itemFactors: Q.slice(),
      userBias: bu.slice(),
      itemBias: bi.slice(),
      seenIndptr: csr.indptr,
      seenIndices: csr.indices,
      globalMean: mu,
      ratingScale: d.ratingScale,
      regularization: c.regularization,
    });
    this._trainDataHash = d.hash;
    this.history = history;
    this._extra = { fitSeconds: (performance.now() - t0) / 1000 };
  }

  /** Loads a saved `als` model, validating the file. */
  static load(artifact: ModelArtifact): ALS {
    const r = new _ArtifactReader(artifact, "als");
    return new ALS(r.manifest.config as z.input<typeof alsConfigSchema>)._restore(r);
  }
}
