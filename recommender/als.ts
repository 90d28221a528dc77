/**
 * `als`: explicit-feedback alternating least squares with biases. Each
 * half-step solves one small ridge regression per user (then per item) for
 * `[b, p]` against the fixed other side: `min sum (r - mu - b_other - b - p.q)^2
 * + n (regBias b^2 + reg |p|^2)` (weighted-lambda regularization), by a
 * Cholesky factorization of the (k+1) x (k+1) normal equations. Rows are
 * independent, which is what makes ALS the parallel, scalable alternative to
 * SGD; here the loops run over CSR typed arrays on one core.
 *
 * @module
 */
import { z } from "zod";
import type { EpochRecord, FitOptions, ModelArtifact } from "./model.ts";
import type { Ratings } from "./ratings.ts";
import { buildCsr, type CsrMatrix, transposeCsr } from "./csr.ts";
import { _encodeTrain, _FactorModel } from "./_factor_model.ts";
import { _FactorScorer } from "./_factor_scorer.ts";
import { _ArtifactReader } from "./_artifact.ts";
import { _parseConfig } from "./_config.ts";
import { Prng } from "./prng.ts";
import { _biasedFactorRmse } from "./_biased_rmse.ts";
import { _choleskyInPlace, _choleskySolveInPlace } from "./_cholesky.ts";

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
 * import { ratingsFromColumns } from "./ratings.ts";
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
    const d = _encodeTrain(train, this.name);
    const nU = d.users.size, nI = d.items.size, k = c.factors;
    const byUser = buildCsr(d.u, d.i, d.r, { nRows: nU, nCols: nI });
    const byItem = transposeCsr(byUser);
    const P = new Float32Array(nU * k), Q = new Float32Array(nI * k);
    const bu = new Float32Array(nU), bi = new Float32Array(nI);
    const rng = new Prng(c.seed);
    for (let j = 0; j < Q.length; j++) Q[j] = rng.gaussian() * c.initStd;
    const mu = d.globalMean;
    const work = _alsWorkspace(k);
    const val = options.validation
      ? {
        u: d.users.encode(options.validation.userId),
        i: d.items.encode(options.validation.movieId),
        r: options.validation.rating,
      }
      : null;
    const history: EpochRecord[] = [];
    for (let it = 0; it < c.iterations; it++) {
      const te = performance.now();
      _solveSide(byUser, { X: P, bx: bu, Y: Q, by: bi, k, mu, c, work });
      _solveSide(byItem, { X: Q, bx: bi, Y: P, by: bu, k, mu, c, work });
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
    this._scorer = new _FactorScorer({
      users: d.users,
      items: d.items,
      k,
      userFactors: P,
      itemFactors: Q,
      userBias: bu,
      itemBias: bi,
      seenIndptr: byUser.indptr,
      seenIndices: byUser.indices,
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

interface _Workspace {
  A: Float64Array;
  b: Float64Array;
}

function _alsWorkspace(k: number): _Workspace {
  const d = k + 1;
  return { A: new Float64Array(d * d), b: new Float64Array(d) };
}

/** Solves every row of one side (users or items) against the fixed other side. */
function _solveSide(
  M: CsrMatrix,
  s: {
    X: Float32Array;
    bx: Float32Array;
    Y: Float32Array;
    by: Float32Array;
    k: number;
    mu: number;
    c: AlsConfig;
    work: _Workspace;
  },
): void {
  const { X, bx, Y, by, k, mu, c, work } = s;
  const d = k + 1;
  const { A, b } = work;
  const { indptr, indices, values } = M;
  for (let row = 0; row < M.nRows; row++) {
    const start = indptr[row]!, end = indptr[row + 1]!;
    const n = end - start;
    if (n === 0) continue;
    A.fill(0);
    b.fill(0);
    // A = sum z z^T, z = [1, y_j] ; upper triangle only
    for (let p = start; p < end; p++) {
      const j = indices[p]!;
      const yo = j * k;
      const t = values[p]! - mu - by[j]!;
      A[0]! += 1;
      b[0]! += t;
      for (let a = 0; a < k; a++) {
        const za = Y[yo + a]!;
        A[a + 1]! += za; // row 0, column a+1
        b[a + 1]! += t * za;
        const ra = (a + 1) * d + 1;
        for (let q = a; q < k; q++) A[ra + q]! += za * Y[yo + q]!;
      }
    }
    A[0]! += c.biasRegularization * n;
    const lf = c.regularization * n;
    for (let a = 1; a < d; a++) A[a * d + a]! += lf;
    for (let a = 0; a < d; a++) {
      for (let q = a + 1; q < d; q++) A[q * d + a] = A[a * d + q]!;
    }
    _choleskyInPlace(A, d, 1e-12);
    _choleskySolveInPlace(A, b, d);
    bx[row] = b[0]!;
    const xo = row * k;
    for (let a = 0; a < k; a++) X[xo + a] = b[a + 1]!;
  }
}
