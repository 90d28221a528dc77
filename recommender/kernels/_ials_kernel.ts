/**
 * The iALS half-step kernel: for each row of one side in a row range, the
 * solve of `A_u x = b_u` against the fixed other side (`ials.ts` gives the
 * model), by warm-started conjugate gradient (its products in the WebAssembly
 * SIMD kernel of `_wasm_ials.ts`, or in JS) or an exact Cholesky solve. Rows
 * are independent given the fixed side and its Gram matrix, and each is
 * computed by the same arithmetic in the same order whichever thread runs it,
 * so splitting the rows across threads (`_ials_pool.ts`) gives bit-identical
 * factors. Shared by `ials.ts`, the pool and its worker.
 *
 * @module
 */
import type { CsrMatrix } from "../core/csr.ts";
import { _choleskyInPlace, _choleskySolveInPlace } from "./_cholesky.ts";
import { _IalsKernel } from "./_wasm_ials.ts";

/** The rows of one side: the CSR structure of its positives. */
export type _IalsRowsCsr = Pick<CsrMatrix, "nRows" | "nCols" | "indptr" | "indices">;

/**
 * The arrays and settings of one fit, read by every thread (over shared
 * memory when there are worker threads). Side 0 is the items (solved against
 * the users), side 1 the users (against the items).
 */
export interface _IalsFit {
  readonly k: number;
  readonly solver: "cg" | "cholesky";
  readonly cgSteps: number;
  /** CG products in the WebAssembly kernel (when the runtime has SIMD). */
  readonly wasm: boolean;
  /** Per side: its positives by row. */
  readonly rows: readonly [_IalsRowsCsr, _IalsRowsCsr];
  /** Per side: the confidence minus one of each positive. */
  readonly extra: readonly [Float32Array, Float32Array];
  /** Per side: each row's regularization. */
  readonly lambdas: readonly [Float64Array, Float64Array];
  /** Per side: its factors (side `s` writes `factors[s]` and reads `factors[1 - s]`). */
  readonly factors: readonly [Float32Array, Float32Array];
  /** `Y^T Y` of the fixed side, computed before each half-step. */
  readonly gram: Float64Array;
  /** Each user's term of the loss, written by the users' half-step (see {@linkcode _IalsRows.solve}). */
  readonly rowLoss: Float64Array;
}

/**
 * One thread's share of the work: row ranges `[from, to)` of side 0 and of
 * side 1, and the rows `[from, to)` of the Gram matrix it sums.
 */
export interface _IalsRanges {
  readonly rows: readonly [readonly [number, number], readonly [number, number]];
  readonly gram: readonly [number, number];
}

interface _Workspace {
  readonly x: Float64Array;
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;
  readonly A: Float64Array;
}

/**
 * One thread's solver: scratch space and, for CG on WebAssembly, a kernel
 * memory holding the positives of its own row ranges only.
 */
export class _IalsRows {
  readonly #fit: _IalsFit;
  readonly #ranges: _IalsRanges;
  readonly #ws: _Workspace;
  readonly #kernel: _IalsKernel | null;

  constructor(fit: _IalsFit, ranges: _IalsRanges) {
    this.#fit = fit;
    this.#ranges = ranges;
    const k = fit.k;
    this.#ws = {
      x: new Float64Array(k),
      r: new Float64Array(k),
      p: new Float64Array(k),
      ap: new Float64Array(k),
      A: new Float64Array(k * k),
    };
    this.#kernel = fit.wasm && fit.solver === "cg"
      ? _IalsKernel.create(
        k,
        Math.max(fit.factors[0].length, fit.factors[1].length) / k,
        ([0, 1] as const).map((s) => {
          const { indptr, indices } = fit.rows[s];
          const a = indptr[ranges.rows[s][0]]!, b = indptr[ranges.rows[s][1]]!;
          return { indices: indices.subarray(a, b), extra: fit.extra[s].subarray(a, b), base: a };
        }),
      )
      : null;
  }

  /** Whether the CG products run in WebAssembly (`wasm`) or JS. */
  get kernel(): "wasm" | "js" {
    return this.#kernel ? "wasm" : "js";
  }

  /**
   * Sums this thread's rows of the upper triangle of `fit.gram`, the Gram
   * matrix of the side fixed in the half-step of side `side` (the caller
   * mirrors it once every thread is done, {@linkcode _mirrorUpper}).
   */
  gram(side: 0 | 1): void {
    const fit = this.#fit, fixed = fit.factors[1 - side]!;
    const [from, to] = this.#ranges.gram;
    _gramRows(fixed, fit.gram, { k: fit.k, from, to });
  }

  /**
   * Solves this thread's rows of side `side` (`fit.gram` must hold the fixed
   * side's Gram matrix); after the users' (side 1), writes their terms of the
   * loss into `fit.rowLoss`.
   */
  solve(side: 0 | 1): void {
    const fit = this.#fit;
    const fixed = fit.factors[1 - side]!;
    this.#kernel?.load(fixed, fixed.length / fit.k, fit.gram);
    const [from, to] = this.#ranges.rows[side];
    _solveRows(fit.rows[side], {
      X: fit.factors[side],
      Y: fixed,
      G: fit.gram,
      extra: fit.extra[side],
      lambdas: fit.lambdas[side],
      k: fit.k,
      ws: this.#ws,
      solver: fit.solver,
      cgSteps: fit.cgSteps,
      kernel: this.#kernel,
      side,
      from,
      to,
    });
    if (side === 1) _rowLosses(fit, from, to);
  }
}

/**
 * Rows `[from, to)` of the upper triangle of `G = M^T M` for an `n x k`
 * row-major `M`. Each entry is summed over the rows of `M` in order, so
 * any split of the rows of `G` across threads gives the same bits.
 *
 * Four rows of `M` at a time: each entry of G is loaded and stored once per
 * four rows and adds their products one at a time in row order, as a row at a
 * time does (a zero factor of one of the four rows, whose products are
 * skipped, falls back to a row at a time for that entry row).
 */
export function _gramRows(
  M: Float32Array,
  G: Float64Array,
  s: { k: number; from: number; to: number },
): void {
  const { k, from, to } = s;
  const n = M.length / k;
  G.fill(0, from * k, to * k);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o0 = i * k, o1 = o0 + k, o2 = o1 + k, o3 = o2 + k;
    for (let a = from; a < to; a++) {
      const m0 = M[o0 + a]!, m1 = M[o1 + a]!, m2 = M[o2 + a]!, m3 = M[o3 + a]!;
      const ra = a * k;
      if (m0 === 0 || m1 === 0 || m2 === 0 || m3 === 0) {
        for (let o = o0; o <= o3; o += k) {
          const ma = M[o + a]!;
          if (ma === 0) continue;
          for (let b = a; b < k; b++) G[ra + b]! += ma * M[o + b]!;
        }
        continue;
      }
      for (let b = a; b < k; b++) {
        G[ra + b] = G[ra + b]! + m0 * M[o0 + b]! + m1 * M[o1 + b]! + m2 * M[o2 + b]! +
          m3 * M[o3 + b]!;
      }
    }
  }
  for (; i < n; i++) {
    const o = i * k;
    for (let a = from; a < to; a++) {
      const ma = M[o + a]!;
      if (ma === 0) continue;
      const ra = a * k;
      for (let b = a; b < k; b++) G[ra + b]! += ma * M[o + b]!;
    }
  }
}

/** Copies the upper triangle of a `k x k` matrix into its lower triangle. */
export function _mirrorUpper(G: Float64Array, k: number): void {
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) G[a * k + b] = G[b * k + a]!;
}

/**
 * Boundaries that split the `k` rows of a Gram matrix's upper triangle (row
 * `a` holds `k - a` entries) into `parts` ranges of about equal work.
 *
 * @example
 * ```ts
 * import { _balancedGramRows } from "./_ials_kernel.ts";
 * if (_balancedGramRows(4, 2).join() !== "0,1,4") throw new Error("unbalanced");
 * ```
 */
export function _balancedGramRows(k: number, parts: number): number[] {
  const bounds = [0];
  let a = 0, done = 0;
  const total = (k * (k + 1)) / 2;
  for (let part = 1; part < parts; part++) {
    while (a < k && done + (k - a) / 2 < (total * part) / parts) done += k - a++;
    bounds.push(a);
  }
  bounds.push(k);
  return bounds;
}

/**
 * Each user's term of the loss (see `ials.ts`), `x^T G x + lambda |x|^2 +
 * sum_j c_j (1 - x . y_j)^2 - (x . y_j)^2`, for users `[from, to)` (side 1),
 * with `fit.gram` holding `Y^T Y` of the item factors.
 */
function _rowLosses(fit: _IalsFit, from: number, to: number): void {
  const { k, gram: G, rowLoss } = fit;
  const [Y, X] = fit.factors;
  const { indptr, indices } = fit.rows[1];
  const extra = fit.extra[1], lambdas = fit.lambdas[1];
  // Every sum below runs in the order of the plain loops (a, b, f and p
  // ascending, one add at a time); four of them at a time are independent
  // chains, which the CPU overlaps: the same bits, faster.
  for (let u = from; u < to; u++) {
    const o = u * k;
    let q = 0, n2 = 0;
    let a = 0;
    for (; a + 4 <= k; a += 4) {
      const r0 = a * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let b = 0; b < k; b++) {
        const xb = X[o + b]!;
        t0 += G[r0 + b]! * xb;
        t1 += G[r1 + b]! * xb;
        t2 += G[r2 + b]! * xb;
        t3 += G[r3 + b]! * xb;
      }
      const x0 = X[o + a]!, x1 = X[o + a + 1]!, x2 = X[o + a + 2]!, x3 = X[o + a + 3]!;
      n2 += x0 * x0;
      q += x0 * t0;
      n2 += x1 * x1;
      q += x1 * t1;
      n2 += x2 * x2;
      q += x2 * t2;
      n2 += x3 * x3;
      q += x3 * t3;
    }
    for (; a < k; a++) {
      const xa = X[o + a]!;
      n2 += xa * xa;
      let t = 0;
      const ra = a * k;
      for (let b = 0; b < k; b++) t += G[ra + b]! * X[o + b]!;
      q += xa * t;
    }
    let loss = q + lambdas[u]! * n2;
    const end = indptr[u + 1]!;
    let p = indptr[u]!;
    for (; p + 4 <= end; p += 4) {
      const y0 = indices[p]! * k, y1 = indices[p + 1]! * k;
      const y2 = indices[p + 2]! * k, y3 = indices[p + 3]! * k;
      let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      for (let f = 0; f < k; f++) {
        const xf = X[o + f]!;
        d0 += xf * Y[y0 + f]!;
        d1 += xf * Y[y1 + f]!;
        d2 += xf * Y[y2 + f]!;
        d3 += xf * Y[y3 + f]!;
      }
      const c0 = 1 + extra[p]!, c1 = 1 + extra[p + 1]!;
      const c2 = 1 + extra[p + 2]!, c3 = 1 + extra[p + 3]!;
      loss += c0 * (1 - d0) * (1 - d0) - d0 * d0;
      loss += c1 * (1 - d1) * (1 - d1) - d1 * d1;
      loss += c2 * (1 - d2) * (1 - d2) - d2 * d2;
      loss += c3 * (1 - d3) * (1 - d3) - d3 * d3;
    }
    for (; p < end; p++) {
      const yo = indices[p]! * k;
      let d = 0;
      for (let f = 0; f < k; f++) d += X[o + f]! * Y[yo + f]!;
      const c = 1 + extra[p]!;
      loss += c * (1 - d) * (1 - d) - d * d;
    }
    rowLoss[u] = loss;
  }
}

/**
 * The fixed cost of a row (its dense `G v` products, or its Cholesky
 * factorization) in units of one positive's cost, for {@linkcode _balancedRows}.
 */
export function _ialsRowCost(fit: Pick<_IalsFit, "k" | "solver" | "cgSteps">): number {
  // CG: (steps + 1) products of k^2 + 2k per positive, plus k per positive for b
  // Cholesky: k^3/6 against k^2/2 per positive
  return fit.solver === "cg" ? ((fit.cgSteps + 1) * fit.k) / (2 * fit.cgSteps + 3) : fit.k / 3;
}

/** `out = (G + lambda I) v + sum_j e_j (y_j . v) y_j` over one row's positives. */
function _applyA(
  v: Float64Array,
  out: Float64Array,
  s: { G: Float64Array; lambda: number; Y: Float32Array; k: number },
  row: { indices: Int32Array; extra: Float32Array; start: number; end: number },
): void {
  const { G, lambda, Y, k } = s;
  for (let a = 0; a < k; a++) {
    const ra = a * k;
    let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    let b = 0;
    for (; b + 4 <= k; b += 4) {
      t0 += G[ra + b]! * v[b]!;
      t1 += G[ra + b + 1]! * v[b + 1]!;
      t2 += G[ra + b + 2]! * v[b + 2]!;
      t3 += G[ra + b + 3]! * v[b + 3]!;
    }
    for (; b < k; b++) t0 += G[ra + b]! * v[b]!;
    out[a] = t0 + t1 + t2 + t3 + lambda * v[a]!;
  }
  const { indices, extra } = row;
  for (let p = row.start; p < row.end; p++) {
    const o = indices[p]! * k;
    let d = 0;
    for (let f = 0; f < k; f++) d += Y[o + f]! * v[f]!;
    d *= extra[p]!;
    for (let f = 0; f < k; f++) out[f]! += d * Y[o + f]!;
  }
}

/** Solves rows `[from, to)` of `M` (rows of the side solved for) against the fixed side `Y`. */
function _solveRows(
  M: _IalsRowsCsr,
  s: {
    X: Float32Array;
    Y: Float32Array;
    G: Float64Array;
    extra: Float32Array;
    lambdas: Float64Array;
    k: number;
    ws: _Workspace;
    solver: "cg" | "cholesky";
    cgSteps: number;
    kernel: _IalsKernel | null;
    side: 0 | 1;
    from: number;
    to: number;
  },
): void {
  const { X, Y, G, extra, lambdas, k, ws, kernel, side } = s;
  const { x, r, p, ap, A } = ws;
  const { indptr, indices } = M;
  for (let row = s.from; row < s.to; row++) {
    const start = indptr[row]!, end = indptr[row + 1]!;
    const xo = row * k;
    if (start === end) {
      // no positive: the target row is all zeros, and so is the solution
      X.fill(0, xo, xo + k);
      continue;
    }
    const lambda = lambdas[row]!;
    if (s.solver === "cholesky") {
      A.set(G);
      r.fill(0);
      for (let q = start; q < end; q++) {
        const o = indices[q]! * k, e = extra[q]!;
        for (let a = 0; a < k; a++) {
          const ya = Y[o + a]!;
          r[a]! += (1 + e) * ya;
          const ea = e * ya, ra = a * k;
          for (let b = 0; b <= a; b++) A[ra + b]! += ea * Y[o + b]!;
        }
      }
      for (let a = 0; a < k; a++) A[a * k + a]! += lambda;
      _choleskyInPlace(A, k);
      _choleskySolveInPlace(A, r, k);
      for (let f = 0; f < k; f++) X[xo + f] = r[f]!;
      continue;
    }
    const sys = { G, lambda, Y, k };
    const rowRef = { indices, extra, start, end };
    const apply = (v: Float64Array, out: Float64Array) => {
      if (kernel) {
        kernel.v.set(v);
        kernel.apply(side, start, end, lambda);
        for (let f = 0; f < k; f++) out[f] = kernel.out[f]!;
      } else _applyA(v, out, sys, rowRef);
    };
    for (let f = 0; f < k; f++) x[f] = X[xo + f]!;
    // r = b - A x, b = sum_j (1 + e_j) y_j
    apply(x, ap);
    if (kernel) {
      kernel.rowsum(side, start, end);
      for (let f = 0; f < k; f++) r[f] = kernel.out[f]! - ap[f]!;
    } else {
      for (let f = 0; f < k; f++) r[f] = -ap[f]!;
      for (let q = start; q < end; q++) {
        const o = indices[q]! * k, c = 1 + extra[q]!;
        for (let f = 0; f < k; f++) r[f]! += c * Y[o + f]!;
      }
    }
    let rs = 0;
    for (let f = 0; f < k; f++) {
      p[f] = r[f]!;
      rs += r[f]! * r[f]!;
    }
    for (let step = 0; step < s.cgSteps && rs > 1e-20; step++) {
      apply(p, ap);
      let pap = 0;
      for (let f = 0; f < k; f++) pap += p[f]! * ap[f]!;
      if (!(pap > 0)) break;
      const a = rs / pap;
      let rsNew = 0;
      for (let f = 0; f < k; f++) {
        x[f]! += a * p[f]!;
        r[f]! -= a * ap[f]!;
        rsNew += r[f]! * r[f]!;
      }
      const beta = rsNew / rs;
      for (let f = 0; f < k; f++) p[f] = r[f]! + beta * p[f]!;
      rs = rsNew;
    }
    for (let f = 0; f < k; f++) X[xo + f] = x[f]!;
  }
}
