/**
 * `svd`: the original design's model. The sparse user x movie matrix with each
 * user's mean subtracted from that user's observed ratings (zeros elsewhere),
 * factored by a randomized truncated SVD (Halko, Martinsson & Tropp 2011: a
 * Gaussian range finder with power iterations, sparse products over CSR, the
 * small dense eigen problem by ml-matrix, the bases by Gram-Schmidt twice). `p_u = U_k Sigma_k` rows,
 * `q_i = V_k` rows, prediction `mu_u + p_u . q_i` clipped to the rating scale.
 *
 * @module
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { z } from "zod";
import type { FitOptions, ModelArtifact } from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { buildCsr, type CsrMatrix } from "../core/csr.ts";
import { _FactorModel } from "./_factor_model.ts";
import { _sharedEncoding } from "./_fit_setup.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import { _ArtifactReader } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";
import { Prng } from "../core/prng.ts";
import { _SvdKernel } from "../kernels/_wasm_svd.ts";

/** Config of {@linkcode TruncatedSVD}. */
export const truncatedSvdConfigSchema = z.object({
  /** Number of latent factors k. */
  factors: z.number().int().positive().max(2000).default(100),
  /** Extra random directions of the range finder beyond k. */
  oversamples: z.number().int().nonnegative().max(1000).default(10),
  /** Power iterations of the range finder (more = more exact). */
  powerIterations: z.number().int().nonnegative().max(50).default(4),
  /** Seed of the random test matrix. */
  seed: z.number().int().default(42),
}).strict();

/** Parsed config of {@linkcode TruncatedSVD}. */
export type TruncatedSvdConfig = z.output<typeof truncatedSvdConfigSchema>;

/**
 * The `svd` model (user-mean-centred truncated SVD).
 *
 * @example
 * ```ts
 * import { TruncatedSVD } from "./truncated_svd.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new TruncatedSVD({ factors: 1 });
 * m.fit(ratingsFromColumns({ userId: [1, 1, 2], movieId: [10, 20, 10], rating: [4, 2, 5] }));
 * if (m.predict(2, 99).scorer !== "user-mean") throw new Error("expected the user mean");
 * ```
 */
export class TruncatedSVD extends _FactorModel<TruncatedSvdConfig> {
  readonly name = "svd";
  /**
   * The fit's loops: WebAssembly SIMD or the JS reference (bit-identical
   * results; not part of the config, so not saved). Tests set it.
   */
  _kernel: _SvdKernelChoice = "auto";

  constructor(config: z.input<typeof truncatedSvdConfigSchema> = {}) {
    super(_parseConfig(truncatedSvdConfigSchema, config, "svd"));
  }

  protected get _regularization(): number {
    return 0;
  }

  /** Share of the centred matrix's squared Frobenius norm the k factors capture. */
  get explainedVarianceRatio(): number {
    return Number(this._extra.explainedVarianceRatio ?? NaN);
  }

  fit(train: Ratings, options: FitOptions = {}): void {
    const t0 = performance.now();
    const d = _sharedEncoding(train, this.name);
    const nU = d.users.size;
    const nI = d.items.size;
    const n = d.r.length;
    // user means and the centred CSR matrix
    const sum = new Float64Array(nU);
    const cnt = new Float64Array(nU);
    for (let e = 0; e < n; e++) {
      sum[d.u[e]!]! += d.r[e]!;
      cnt[d.u[e]!]!++;
    }
    const userMean = new Float32Array(nU);
    for (let u = 0; u < nU; u++) userMean[u] = sum[u]! / cnt[u]!;
    const centred = new Float32Array(n);
    let frob = 0;
    for (let e = 0; e < n; e++) {
      const v = d.r[e]! - userMean[d.u[e]!]!;
      centred[e] = v;
      frob += v * v;
    }
    const X = buildCsr(d.u, d.i, centred, { nRows: nU, nCols: nI });
    const { indptr: seenIndptr, indices: seenIndices } = X;
    options.onProgress?.({ model: this.name, message: "randomized range finder" });

    const { factors, oversamples, powerIterations, seed } = this.config;
    const minDim = Math.min(nU, nI);
    const l = Math.min(factors + oversamples, minDim);
    const k = Math.min(factors, l);
    const { sigma, P, Q } = _randomizedSvd(X, {
      k,
      l,
      powerIterations,
      seed,
      kernel: this._kernel,
    });
    let captured = 0;
    for (let f = 0; f < k; f++) captured += sigma[f]! * sigma[f]!;

    this._scorer = new _FactorScorer({
      users: d.users,
      items: d.items,
      k,
      userFactors: P,
      itemFactors: Q,
      userMean,
      seenIndptr,
      seenIndices,
      globalMean: d.globalMean,
      ratingScale: d.ratingScale,
      regularization: 0,
    });
    this._trainDataHash = d.hash;
    this._extra = {
      factorsUsed: k,
      explainedVarianceRatio: frob > 0 ? captured / frob : 0,
      singularValues: Array.from(sigma.subarray(0, k), (s) => Math.fround(s)),
      fitSeconds: (performance.now() - t0) / 1000,
    };
    this.history = [];
  }

  /** Loads a saved `svd` model, validating the file. */
  static load(artifact: ModelArtifact): TruncatedSVD {
    const r = new _ArtifactReader(artifact, "svd");
    return new TruncatedSVD(r.manifest.config as z.input<typeof truncatedSvdConfigSchema>)
      ._restore(r);
  }
}

/** Which loops {@linkcode _randomizedSvd} runs: WebAssembly SIMD, the JS reference, or wasm when the runtime has it. */
export type _SvdKernelChoice = "auto" | "wasm" | "js";

/**
 * Randomized truncated SVD of a sparse matrix X (nRows x nCols):
 * returns sigma (descending), P = U_k Sigma_k (nRows x k) and Q = V_k (nCols x k),
 * both row-major Float32. The one place the kernel is chosen: the WebAssembly
 * SIMD loops (`../kernels/_wasm_svd.ts`) give bit-identical results to the JS
 * loops below, which stay as the reference and the fallback.
 */
export function _randomizedSvd(
  X: CsrMatrix,
  opts: { k: number; l: number; powerIterations: number; seed: number; kernel?: _SvdKernelChoice },
): { sigma: Float64Array; P: Float32Array; Q: Float32Array } {
  const kernel = opts.kernel ?? "auto";
  const wasm = kernel === "js" ? null : _SvdKernel.create(X, opts.l, opts.k);
  if (kernel === "wasm" && wasm === null) {
    throw new Error(
      'Cannot fit "svd" with kernel "wasm": this runtime has no WebAssembly SIMD or the matrices exceed 4 GiB; use kernel "js"',
    );
  }
  return wasm ? _randomizedSvdWasm(X, wasm, opts) : _randomizedSvdJs(X, opts);
}

/** {@linkcode _randomizedSvd} in JS loops over row-major arrays of stride l (the reference). */
function _randomizedSvdJs(
  X: CsrMatrix,
  opts: { k: number; l: number; powerIterations: number; seed: number },
): { sigma: Float64Array; P: Float32Array; Q: Float32Array } {
  const { k, l } = opts;
  const nR = X.nRows;
  const nC = X.nCols;
  const rng = new Prng(opts.seed);
  const omega = new Float64Array(nC * l);
  for (let j = 0; j < omega.length; j++) omega[j] = rng.gaussian();
  // Y = X Omega, then power iterations Y = X (X^T Q) with re-orthonormalization
  let Y = _csrTimesDense(X, omega, l);
  const Z = new Float64Array(nC * l);
  for (let it = 0; it < opts.powerIterations; it++) {
    // Intermediate steps only need a well-conditioned basis: a fast Gram-Schmidt.
    const Qy = _gramSchmidt(Y, nR, l);
    _csrTransposeTimesDense(X, Qy, l, Z);
    Y = _csrTimesDense(X, Z, l);
  }
  const Qy = _orthonormalize(Y, nR, l);
  // C = B B^T with B = Q^T X (l x nC), computed on the small side without forming B:
  // Z = X^T Q (sparse), T = X Z (sparse), C = Q^T T (nR x l x l): all O(nnz * l + nR * l^2),
  // instead of O(nC * l^2) for B B^T densely. This pays off when there are fewer users (nR) than
  // movies (nC), as in ml-latest-small; with more users than movies (ml-1m, ml-20m) the dense
  // form would be cheaper. The result is the same either way.
  _csrTransposeTimesDense(X, Qy, l, Z);
  const T = _csrTimesDense(X, Z, l);
  const C = new Float64Array(l * l);
  for (let r = 0; r < nR; r++) {
    const o = r * l;
    for (let a = 0; a < l; a++) {
      const qa = Qy[o + a]!;
      if (qa === 0) continue;
      const ca = a * l;
      for (let b = a; b < l; b++) C[ca + b]! += qa * T[o + b]!;
    }
  }
  const { sigma, Wk } = _topEigen(C, l, l, k);
  // U = Q W (nR x k); P = U Sigma; item factors V = X^T U / sigma (sparse, not Z W densely).
  const U = _denseTimes(Qy, nR, l, Wk, k);
  const V = new Float64Array(nC * k);
  _csrTransposeTimesDense(X, U, k, V);
  return { sigma, ..._scaledFactors({ U, V, stride: k, nR, nC }, sigma) };
}

/**
 * {@linkcode _randomizedSvd} in the WebAssembly SIMD kernels: the same steps
 * as {@linkcode _randomizedSvdJs} on the kernel's blocks (row strides padded
 * to lp, kp doubles), the small eigen problem in JS.
 */
function _randomizedSvdWasm(
  X: CsrMatrix,
  m: _SvdKernel,
  opts: { k: number; l: number; powerIterations: number; seed: number },
): { sigma: Float64Array; P: Float32Array; Q: Float32Array } {
  const { k, l } = opts;
  const { lp, kp, f64 } = m;
  const nC = X.nCols;
  const rng = new Prng(opts.seed);
  // Omega into z (nC x l, the same draws in the same order; the padding stays zero)
  const z0 = m.z / 8;
  for (let c = 0; c < nC; c++) {
    const o = z0 + c * lp;
    for (let a = 0; a < l; a++) f64[o + a] = rng.gaussian();
  }
  m.csrTimes(m.z, m.y, lp);
  for (let it = 0; it < opts.powerIterations; it++) {
    m.gramSchmidt();
    m.csrTransposeTimes(m.y, m.z, lp);
    m.csrTimes(m.z, m.y, lp);
  }
  m.gramSchmidt();
  m.gramSchmidt();
  m.csrTransposeTimes(m.y, m.z, lp);
  m.csrTimes(m.z, m.s, lp); // T
  m.gramUpper(m.y, m.s);
  const { sigma, Wk } = _topEigen(f64.subarray(m.c / 8, m.c / 8 + l * lp), l, lp, k);
  const w0 = m.w / 8;
  f64.fill(0, w0, w0 + l * kp);
  for (let a = 0; a < l; a++) f64.set(Wk.subarray(a * k, a * k + k), w0 + a * kp);
  m.denseTimes(m.y, m.s); // U
  m.csrTransposeTimes(m.s, m.z, kp); // V
  const U = f64.subarray(m.s / 8, m.s / 8 + X.nRows * kp);
  const V = f64.subarray(m.z / 8, m.z / 8 + nC * kp);
  return { sigma, ..._scaledFactors({ U, V, stride: kp, nR: X.nRows, nC }, sigma) };
}

/**
 * The k largest eigenpairs of the symmetric l x l matrix whose upper triangle
 * is C (rows of `stride`): sigma = sqrt(max(0, lambda)) descending and their
 * eigenvectors as the columns of Wk (l x k).
 */
function _topEigen(
  C: Float64Array,
  l: number,
  stride: number,
  k: number,
): { sigma: Float64Array; Wk: Float64Array } {
  const Cm = new Matrix(l, l);
  for (let a = 0; a < l; a++) {
    for (let b = a; b < l; b++) {
      Cm.set(a, b, C[a * stride + b]!);
      Cm.set(b, a, C[a * stride + b]!);
    }
  }
  const evd = new EigenvalueDecomposition(Cm, { assumeSymmetric: true });
  const lambda = evd.realEigenvalues;
  const W = evd.eigenvectorMatrix;
  const order = Array.from({ length: l }, (_, j) => j).sort((a, b) => lambda[b]! - lambda[a]!);
  const sigma = new Float64Array(k);
  const Wk = new Float64Array(l * k); // l x k, columns sorted by eigenvalue
  for (let f = 0; f < k; f++) {
    const j = order[f]!;
    sigma[f] = Math.sqrt(Math.max(0, lambda[j]!));
    for (let a = 0; a < l; a++) Wk[a * k + f] = W.get(a, j);
  }
  return { sigma, Wk };
}

/** P = U Sigma (nR x k) and Q = V / sigma (nC x k), Float32, from U and V of row `stride`. */
function _scaledFactors(
  m: { U: Float64Array; V: Float64Array; stride: number; nR: number; nC: number },
  sigma: Float64Array,
): { P: Float32Array; Q: Float32Array } {
  const { U, V, stride, nR, nC } = m;
  const k = sigma.length;
  const P = new Float32Array(nR * k);
  for (let r = 0; r < nR; r++) {
    for (let f = 0; f < k; f++) P[r * k + f] = U[r * stride + f]! * sigma[f]!;
  }
  const Q = new Float32Array(nC * k);
  for (let f = 0; f < k; f++) {
    const inv = sigma[f]! > 1e-12 ? 1 / sigma[f]! : 0;
    for (let c = 0; c < nC; c++) Q[c * k + f] = V[c * stride + f]! * inv;
  }
  return { P, Q };
}

/** A (n x l) times W (l x k), row-major Float64. */
function _denseTimes(
  A: Float64Array,
  n: number,
  l: number,
  W: Float64Array,
  k: number,
): Float64Array {
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const ro = r * l;
    const o = r * k;
    for (let a = 0; a < l; a++) {
      const v = A[ro + a]!;
      if (v === 0) continue;
      const wo = a * k;
      for (let f = 0; f < k; f++) out[o + f]! += v * W[wo + f]!;
    }
  }
  return out;
}

/** X (nR x nC sparse) times D (nC x l dense row-major) -> nR x l. */
function _csrTimesDense(X: CsrMatrix, D: Float64Array, l: number): Float64Array {
  const out = new Float64Array(X.nRows * l);
  const { indptr, indices, values } = X;
  for (let r = 0; r < X.nRows; r++) {
    const o = r * l;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const v = values[p]!;
      const dOff = indices[p]! * l;
      for (let a = 0; a < l; a++) out[o + a]! += v * D[dOff + a]!;
    }
  }
  return out;
}

/** X^T (nC x nR) times D (nR x l) -> out (nC x l), overwritten. */
function _csrTransposeTimesDense(X: CsrMatrix, D: Float64Array, l: number, out: Float64Array) {
  out.fill(0);
  const { indptr, indices, values } = X;
  for (let r = 0; r < X.nRows; r++) {
    const dOff = r * l;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const v = values[p]!;
      const o = indices[p]! * l;
      for (let a = 0; a < l; a++) out[o + a]! += v * D[dOff + a]!;
    }
  }
}

/** Orthonormal columns of an nR x l row-major matrix by modified Gram-Schmidt (in place). */
function _gramSchmidt(Y: Float64Array, nR: number, l: number): Float64Array {
  const cols = new Float64Array(nR * l); // column-major copy
  for (let r = 0; r < nR; r++) {
    for (let a = 0; a < l; a++) cols[a * nR + r] = Y[r * l + a]!;
  }
  for (let a = 0; a < l; a++) {
    const ao = a * nR;
    for (let b = 0; b < a; b++) {
      const bo = b * nR;
      let d = 0;
      for (let r = 0; r < nR; r++) d += cols[ao + r]! * cols[bo + r]!;
      for (let r = 0; r < nR; r++) cols[ao + r]! -= d * cols[bo + r]!;
    }
    let norm = 0;
    for (let r = 0; r < nR; r++) norm += cols[ao + r]! * cols[ao + r]!;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let r = 0; r < nR; r++) cols[ao + r]! *= inv;
  }
  for (let r = 0; r < nR; r++) {
    for (let a = 0; a < l; a++) Y[r * l + a] = cols[a * nR + r]!;
  }
  return Y;
}

/**
 * Orthonormal basis of the column space of an nR x l row-major matrix (in
 * place): modified Gram-Schmidt twice ("twice is enough", Giraud et al.
 * 2005), orthonormal to rounding error like a Householder QR's Q and the same
 * columns up to sign, which the eigen-step below absorbs. Replaces a QR
 * through ml-matrix's per-element get/set, which was 46% of the fit at 10M
 * ratings.
 */
export function _orthonormalize(Y: Float64Array, nR: number, l: number): Float64Array {
  return _gramSchmidt(_gramSchmidt(Y, nR, l), nR, l);
}
