/**
 * `spark-als`: Apache Spark MLlib's ALS, trained outside this process (the
 * PySpark job `spark/als_train.py`, started by `spark/fit_spark_als.ts`) and
 * brought back here as an ordinary factor model: the same scorer, file
 * format and fallbacks as `als`, so evaluation, tracking, reports and the API
 * treat it like any other model.
 *
 * Explicit mode (default) predicts `mu + b_u + b_i + p_u . q_i` like `als`:
 * the biases are fitted on Spark SQL (regularized per rating) and MLlib's
 * ALS, whose `regParam` is per rating too (ALS-WR), factors the residuals.
 * With `implicitPrefs`, MLlib's implicit ALS (confidence `1 + alpha * r`)
 * makes a ranking model: no biases, scores are preferences, not ratings.
 *
 * This module does no I/O: {@linkcode SparkALS.fromFactors} builds the model
 * from the factor tables the job wrote; `fit()` runs the job's explicit
 * algorithm in process (see there).
 *
 * @module
 */
import { z } from "zod";
import type { FitOptions, ModelArtifact } from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { _encodeTrain, _FactorModel } from "./_factor_model.ts";
import { buildCsr, type CsrMatrix, transposeCsr } from "../core/csr.ts";
import { Prng } from "../core/prng.ts";
import { _choleskyInPlace, _choleskySolveInPlace } from "../kernels/_cholesky.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import { _ArtifactReader, _hashRatings } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";
import { Vocabulary } from "../core/vocabulary.ts";

/** Config of {@linkcode SparkALS} (defaults as `als`, so the two compare one to one). */
export const sparkAlsConfigSchema = z.object({
  /** Number of latent factors (MLlib's `rank`). */
  factors: z.number().int().positive().max(500).default(30),
  /** ALS sweeps (MLlib's `maxIter`). */
  iterations: z.number().int().positive().max(1000).default(15),
  /** Factor regularization per rating (MLlib's `regParam`, weighted lambda). */
  regularization: z.number().nonnegative().max(100).default(0.15),
  /**
   * Bias regularization per rating (explicit mode). Biases fitted before the
   * factors need more shrinkage than `als`'s joint 0.1: 0.4 was the best on a
   * validation split of ml-latest-small's training ratings (RMSE 0.8553; 0.1: 0.8598).
   */
  biasRegularization: z.number().nonnegative().max(100).default(0.4),
  /** Alternating rounds of the item and user bias means (explicit mode). */
  biasRounds: z.number().int().min(1).max(50).default(3),
  /** MLlib's implicit-feedback ALS: a ranking model. */
  implicitPrefs: z.boolean().default(false),
  /** Confidence slope of implicit mode (`1 + alpha * rating`). */
  alpha: z.number().nonnegative().max(1e5).default(1),
  /** Seed of MLlib's initialization. */
  seed: z.number().int().default(42),
  /** User and item blocks of MLlib's ALS (0: one per core in local mode, else MLlib's 10). */
  blocks: z.number().int().min(0).max(10000).default(0),
  /**
   * Spark master (`local[4]`, `spark://host:7077`, `yarn`); unset: the
   * `SPARK_MASTER` environment variable, else `local[*]`.
   */
  master: z.string().min(1).optional(),
  /** Extra spark-submit options, e.g. `["--driver-memory", "8g", "--conf", "k=v"]`. */
  submitOptions: z.array(z.string()).default([]),
}).strict();

/** Parsed config of {@linkcode SparkALS}. */
export type SparkAlsConfig = z.output<typeof sparkAlsConfigSchema>;

/** One side's factor table as the Spark job writes it (row `j`: `ids[j]`, `bias[j]`, `factors[j*k..]`). */
export interface SparkFactorTable {
  readonly ids: Int32Array;
  readonly bias: Float32Array;
  /** `ids.length * k` row-major. */
  readonly factors: Float32Array;
}

/** What one Spark fit produced (besides the factors): `summary.json` of the job. */
export interface SparkFitSummary {
  /** mu of explicit mode; 0 in implicit mode. */
  readonly globalMean: number;
  readonly ratingScale: readonly [number, number];
  /** Train RMSE measured in Spark (explicit mode), or null. */
  readonly trainRmse: number | null;
  readonly sparkVersion: string;
  readonly fitSeconds: number;
}

/**
 * The `spark-als` model.
 *
 * @example
 * ```ts
 * import { SparkALS } from "./spark_als.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const train = ratingsFromColumns({ userId: [1, 2], movieId: [10, 10], rating: [4, 2] });
 * const table = (ids: number[]) => ({
 *   ids: Int32Array.from(ids), bias: new Float32Array(ids.length), factors: new Float32Array(ids.length),
 * });
 * const m = SparkALS.fromFactors(train, {
 *   config: { factors: 1 }, users: table([1, 2]), items: table([10]),
 *   summary: { globalMean: 3, ratingScale: [0.5, 5], trainRmse: null, sparkVersion: "4.1.1", fitSeconds: 1 },
 * });
 * if (m.predict(1, 10).rating !== 3) throw new Error("expected mu");
 * ```
 */
export class SparkALS extends _FactorModel<SparkAlsConfig> {
  readonly name = "spark-als";

  constructor(config: z.input<typeof sparkAlsConfigSchema> = {}) {
    super(_parseConfig(sparkAlsConfigSchema, config, "spark-als"));
  }

  protected get _regularization(): number {
    return this.config.regularization;
  }

  /**
   * `"ranking"` in implicit mode: its scores are preferences, not ratings,
   * so the select stage never makes it the rating champion.
   */
  get task(): "rating" | "ranking" {
    return this.config.implicitPrefs ? "ranking" : "rating";
  }

  /**
   * The Spark job's algorithm on one core, in process (blend members, tuning
   * trials, unit tests and small data; the train stage runs the real job):
   * the same bias means and ALS-WR on the residuals, so it is also the
   * reference the job is tested against. Explicit mode only.
   */
  fit(train: Ratings, _options: FitOptions = {}): void {
    const c = this.config;
    if (c.implicitPrefs) {
      throw new Error(
        'Cannot fit "spark-als" with implicitPrefs in process: implicit mode runs only in Spark; ' +
          "train it with the train stage (train.models: [spark-als]) or use the ials model",
      );
    }
    const t0 = performance.now();
    const d = _encodeTrain(train, this.name);
    const nU = d.users.size, nI = d.items.size, k = c.factors;
    const byUser = buildCsr(d.u, d.i, d.r, { nRows: nU, nCols: nI });
    const byItem = transposeCsr(byUser);
    const mu = d.globalMean;
    const bu = new Float32Array(nU), bi = new Float32Array(nI);
    for (let round = 0; round < c.biasRounds; round++) {
      _biasMeans(byItem, { out: bi, other: bu, mu, lambda: c.biasRegularization });
      _biasMeans(byUser, { out: bu, other: bi, mu, lambda: c.biasRegularization });
    }
    // Residuals in both layouts (CSR values are in row order of each matrix).
    const residual = (m: CsrMatrix, rowBias: Float32Array, colBias: Float32Array) => {
      const v = new Float32Array(m.values.length);
      for (let row = 0; row < m.nRows; row++) {
        for (let p = m.indptr[row]!; p < m.indptr[row + 1]!; p++) {
          v[p] = m.values[p]! - mu - rowBias[row]! - colBias[m.indices[p]!]!;
        }
      }
      return { ...m, values: v };
    };
    const ru = residual(byUser, bu, bi), ri = residual(byItem, bi, bu);
    const P = new Float32Array(nU * k), Q = new Float32Array(nI * k);
    const rng = new Prng(c.seed);
    for (let j = 0; j < Q.length; j++) Q[j] = rng.gaussian() * 0.1;
    const work = { A: new Float64Array(k * k), b: new Float64Array(k) };
    for (let it = 0; it < c.iterations; it++) {
      _solveFactors(ru, { X: P, Y: Q, k, reg: c.regularization, work });
      _solveFactors(ri, { X: Q, Y: P, k, reg: c.regularization, work });
    }
    const table = (ids: Int32Array, bias: Float32Array, factors: Float32Array) => ({
      ids,
      bias,
      factors,
    });
    this._setFactors(train, {
      users: table(d.users.ids, bu, P),
      items: table(d.items.ids, bi, Q),
      summary: {
        globalMean: mu,
        ratingScale: d.ratingScale,
        trainRmse: null,
        sparkVersion: "in-process",
        fitSeconds: (performance.now() - t0) / 1000,
      },
    });
  }

  /**
   * The model from the factor tables of a Spark fit on `train` (the same
   * ratings the job read: they give the seen-items index and the data hash).
   * Users and movies of `train` missing from a table get zero factors.
   */
  static fromFactors(
    train: Ratings,
    fitted: {
      readonly config: z.input<typeof sparkAlsConfigSchema>;
      readonly users: SparkFactorTable;
      readonly items: SparkFactorTable;
      readonly summary: SparkFitSummary;
    },
  ): SparkALS {
    return new SparkALS(fitted.config)._setFactors(train, fitted);
  }

  private _setFactors(
    train: Ratings,
    fitted: {
      readonly users: SparkFactorTable;
      readonly items: SparkFactorTable;
      readonly summary: SparkFitSummary;
    },
  ): this {
    const k = this.config.factors;
    const users = Vocabulary.fromIds(train.userId);
    const items = Vocabulary.fromIds(train.movieId);
    const side = (vocab: Vocabulary, table: SparkFactorTable, what: string) => {
      if (table.factors.length !== table.ids.length * k || table.bias.length !== table.ids.length) {
        throw new RangeError(
          `Cannot build spark-als: the ${what} table has ${table.ids.length} ids, ${table.bias.length} biases and ${table.factors.length} factor values, expected ${k} factors per id; rerun the Spark job`,
        );
      }
      const f = new Float32Array(vocab.size * k), b = new Float32Array(vocab.size);
      for (let j = 0; j < table.ids.length; j++) {
        const x = vocab.indexOf(table.ids[j]!);
        if (x < 0) continue;
        b[x] = table.bias[j]!;
        f.set(table.factors.subarray(j * k, (j + 1) * k), x * k);
      }
      return { f, b };
    };
    const u = side(users, fitted.users, "user");
    const i = side(items, fitted.items, "movie");
    const s = fitted.summary;
    this._scorer = new _FactorScorer({
      users,
      items,
      k,
      userFactors: u.f,
      itemFactors: i.f,
      userBias: u.b,
      itemBias: i.b,
      ..._FactorScorer.seenFrom(train, users, items),
      globalMean: s.globalMean,
      ratingScale: [s.ratingScale[0], s.ratingScale[1]],
      regularization: this.config.regularization,
    });
    this._trainDataHash = _hashRatings(train);
    this._extra = {
      sparkVersion: s.sparkVersion,
      ...(s.trainRmse !== null ? { trainRmse: s.trainRmse } : {}),
      fitSeconds: s.fitSeconds,
    };
    return this;
  }

  /** Loads a saved `spark-als` model, validating the file. */
  static load(artifact: ModelArtifact): SparkALS {
    const r = new _ArtifactReader(artifact, "spark-als");
    return new SparkALS(r.manifest.config as z.input<typeof sparkAlsConfigSchema>)._restore(r);
  }
}

/** `b_row = sum(r - mu - b_other) / (n_row (1 + lambda))` for every row of `m`. */
function _biasMeans(
  m: CsrMatrix,
  s: { out: Float32Array; other: Float32Array; mu: number; lambda: number },
): void {
  for (let row = 0; row < m.nRows; row++) {
    const start = m.indptr[row]!, end = m.indptr[row + 1]!;
    if (end === start) continue;
    let sum = 0;
    for (let p = start; p < end; p++) sum += m.values[p]! - s.mu - s.other[m.indices[p]!]!;
    s.out[row] = sum / ((end - start) * (1 + s.lambda));
  }
}

/** ALS-WR half-step: `x_row = (Y_r^T Y_r + reg n I)^-1 Y_r^T t_r` for every row of `m`. */
function _solveFactors(
  m: CsrMatrix,
  s: {
    X: Float32Array;
    Y: Float32Array;
    k: number;
    reg: number;
    work: { A: Float64Array; b: Float64Array };
  },
): void {
  const { X, Y, k } = s;
  const { A, b } = s.work;
  for (let row = 0; row < m.nRows; row++) {
    const start = m.indptr[row]!, end = m.indptr[row + 1]!;
    if (end === start) continue;
    A.fill(0);
    b.fill(0);
    for (let p = start; p < end; p++) {
      const yo = m.indices[p]! * k, t = m.values[p]!;
      for (let a = 0; a < k; a++) {
        const ya = Y[yo + a]!;
        b[a]! += t * ya;
        for (let q = a; q < k; q++) A[a * k + q]! += ya * Y[yo + q]!;
      }
    }
    const lf = s.reg * (end - start);
    for (let a = 0; a < k; a++) {
      A[a * k + a]! += lf;
      for (let q = a + 1; q < k; q++) A[q * k + a] = A[a * k + q]!;
    }
    _choleskyInPlace(A, k, 1e-12);
    _choleskySolveInPlace(A, b, k);
    for (let a = 0; a < k; a++) X[row * k + a] = b[a]!;
  }
}
