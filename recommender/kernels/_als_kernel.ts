/**
 * The ALS half-step kernel: for each row of one side (users or items) in a
 * row range, the ridge regression for `[b, x]` against the fixed other side,
 * by a Cholesky factorization of the (k+1) x (k+1) normal equations. Rows are
 * independent and each is computed by the same arithmetic in the same order
 * whichever thread runs it, so splitting the rows across threads gives
 * bit-identical factors. The JS kernel: the reference and fallback of the
 * WebAssembly one (`_wasm_als.ts`, same bits), chosen in `_als_solver.ts`.
 *
 * @module
 */
import type { CsrMatrix } from "../core/csr.ts";
import { _choleskyInPlace, _choleskySolveInPlace } from "./_cholesky.ts";

/** The arrays and constants of one half-step. */
export interface _AlsSide {
  /** The side solved for (written). */
  readonly X: Float32Array;
  readonly bx: Float32Array;
  /** The fixed side (read). */
  readonly Y: Float32Array;
  readonly by: Float32Array;
  readonly k: number;
  readonly mu: number;
  readonly regularization: number;
  readonly biasRegularization: number;
}

/** Scratch space of one thread: the normal equations of one row. */
export interface _AlsWorkspace {
  readonly A: Float64Array;
  readonly b: Float64Array;
}

/** Scratch space for factors `k`. */
export function _alsWorkspace(k: number): _AlsWorkspace {
  const d = k + 1;
  return { A: new Float64Array(d * d), b: new Float64Array(d) };
}

/** Solves rows `[from, to)` of `M` (rows of the side solved for) against the fixed side. */
export function _solveRows(
  M: CsrMatrix,
  s: _AlsSide & { readonly work: _AlsWorkspace; readonly from: number; readonly to: number },
): void {
  const { X, bx, Y, by, k, mu, work } = s;
  const d = k + 1;
  const { A, b } = work;
  const { indptr, indices, values } = M;
  for (let row = s.from; row < s.to; row++) {
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
    A[0]! += s.biasRegularization * n;
    const lf = s.regularization * n;
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

/**
 * Row boundaries that split `M` into `parts` ranges of about equal work
 * (a row costs its ratings times k^2/2 plus about (k+1)^3/6 for the solve;
 * `rowCost`, when given, is a row's fixed cost in units of one rating's),
 * `parts + 1` ascending values from 0 to `M.nRows`.
 *
 * @example
 * ```ts
 * import { _balancedRows } from "./_als_kernel.ts";
 * const M = { nRows: 4, nCols: 1, indptr: Int32Array.of(0, 9, 10, 11, 12), indices: new Int32Array(12), values: new Float32Array(12) };
 * if (_balancedRows(M, { parts: 2, k: 0 }).join() !== "0,1,4") throw new Error("unbalanced");
 * ```
 */
export function _balancedRows(
  M: Pick<CsrMatrix, "nRows" | "indptr">,
  options: { parts: number; k: number; rowCost?: number },
): number[] {
  const perRow = options.rowCost ?? (options.k + 1) / 3 + 2;
  const cost = (row: number) => M.indptr[row]! + row * perRow;
  const total = cost(M.nRows);
  const bounds = [0];
  let row = 0;
  for (let part = 1; part < options.parts; part++) {
    const target = (total * part) / options.parts;
    while (row < M.nRows && cost(row) < target) row++;
    bounds.push(row);
  }
  bounds.push(M.nRows);
  return bounds;
}
