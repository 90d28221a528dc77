/**
 * The WebAssembly SIMD kernel of the ALS half-step, two f64 per instruction,
 * bit-identical to the JS kernel (`_als_kernel.ts`). Its source is
 * `wasm/als_solve.wat` (compiled into `wasm/_kernels.ts` by `deno task wasm`);
 * the exported function
 * `solve(rows, indptr, indices, values, y, by, x, bx, k, dp, blk, A, B, Z, mu, reg, regBias)`
 * builds and solves the normal equations of `rows` rows of one side.
 *
 * {@linkcode _AlsWasmSolver} gives one thread its own instance and memory:
 * the CSR rows of both sides that this thread solves (copied once per fit),
 * the fixed side's factors and biases (copied in per half-step, O(n k), next
 * to the O(ratings k^2) of the solve), its output rows (copied back into the
 * fit's arrays) and the scratch of one row.
 *
 * @module
 */
import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";
import type { _AlsFit, _AlsRanges, _AlsSolver } from "./_als_solver.ts";

/** The module's bytes (exported for the validity test). */
export function _alsSolveBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("als_solve");
}

const _module = _lazyModule("als_solve");

type _SolveFn = (
  rows: number,
  indptr: number,
  indices: number,
  values: number,
  y: number,
  by: number,
  x: number,
  bx: number,
  k: number,
  dp: number,
  blk: number,
  A: number,
  B: number,
  Z: number,
  mu: number,
  reg: number,
  regBias: number,
) => void;

/** One side's rows of this thread in kernel memory (byte offsets). */
interface _Rows {
  readonly from: number;
  readonly to: number;
  readonly indptr: number;
  readonly indices: number;
  readonly values: number;
}

/**
 * Where the fixed side, the output rows and the scratch live (byte offsets;
 * `dp` the f64 row stride of the scratch, `blk` ratings per block).
 */
interface _Layout {
  readonly y: number;
  readonly by: number;
  readonly x: number;
  readonly bx: number;
  readonly dp: number;
  readonly blk: number;
  readonly A: number;
  readonly B: number;
  readonly Z: number;
}

/** Bytes of the block of gathered z vectors (about L1-sized). */
const BLOCK_BYTES = 24 * 1024;

/** The WASM kernel of one thread for one fit: solves its row ranges of both sides. */
export class _AlsWasmSolver implements _AlsSolver {
  readonly kernel = "wasm";
  readonly #fit: _AlsFit;
  readonly #solve: _SolveFn;
  readonly #f32: Float32Array;
  readonly #rows: readonly [_Rows, _Rows];
  readonly #layout: _Layout;

  private constructor(
    fit: _AlsFit,
    solve: _SolveFn,
    f32: Float32Array,
    rows: readonly [_Rows, _Rows],
    layout: _Layout,
  ) {
    this.#fit = fit;
    this.#solve = solve;
    this.#f32 = f32;
    this.#rows = rows;
    this.#layout = layout;
  }

  /**
   * Instantiates the kernel over a fresh memory holding the rows `ranges` of
   * both sides of `fit`; null without WebAssembly SIMD.
   */
  static create(fit: _AlsFit, ranges: _AlsRanges): _AlsWasmSolver | null {
    const module = _module();
    if (module === null) return null;
    const k = fit.k;
    const dp = (k + 2 + 3) & ~3;
    const rb = dp * 8;
    const blk = Math.max(4, Math.min(256, Math.floor(BLOCK_BYTES / rb)));
    const align = (x: number) => (x + 15) & ~15;
    const sides = [fit.byUser, fit.byItem] as const;
    let end = 0;
    const take = (bytes: number) => {
      const at = end;
      end = align(end + bytes);
      return at;
    };
    const A = take(dp * rb), B = take(rb), Z = take(blk * rb);
    const maxFixed = Math.max(fit.byUser.nCols, fit.byItem.nCols);
    const y = take(maxFixed * k * 4 + 4), by = take(maxFixed * 4);
    const maxRows = Math.max(ranges[0][1] - ranges[0][0], ranges[1][1] - ranges[1][0]);
    const x = take(maxRows * k * 4), bx = take(maxRows * 4);
    const rows = sides.map((m, s) => {
      const [from, to] = ranges[s]!;
      const nnz = m.indptr[to]! - m.indptr[from]!;
      return {
        from,
        to,
        indptr: take((to - from + 1) * 4),
        indices: take(nnz * 4),
        values: take(nnz * 4),
      };
    });
    const memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) + 1 });
    const f32 = new Float32Array(memory.buffer);
    const i32 = new Int32Array(memory.buffer);
    const f64 = new Float64Array(memory.buffer);
    for (let q = 0; q < blk; q++) f64[(Z + q * rb) >> 3] = 1; // z[0] = 1
    sides.forEach((m, s) => {
      const r = rows[s]!;
      const base = m.indptr[r.from]!, last = m.indptr[r.to]!;
      for (let row = r.from; row <= r.to; row++) {
        i32[(r.indptr >> 2) + row - r.from] = m.indptr[row]! - base;
      }
      i32.set(m.indices.subarray(base, last), r.indices >> 2);
      f32.set(m.values.subarray(base, last), r.values >> 2);
    });
    const instance = new WebAssembly.Instance(module, { env: { mem: memory } });
    return new _AlsWasmSolver(fit, instance.exports.solve as _SolveFn, f32, [rows[0]!, rows[1]!], {
      y,
      by,
      x,
      bx,
      dp,
      blk,
      A,
      B,
      Z,
    });
  }

  /** Solves this thread's rows of side `side` (0 users, 1 items) into the fit's arrays. */
  solve(side: 0 | 1): void {
    const fit = this.#fit, k = fit.k, f32 = this.#f32, l = this.#layout;
    const r = this.#rows[side];
    const n = r.to - r.from;
    if (n === 0) return;
    const users = side === 0;
    const X = users ? fit.P : fit.Q, bx = users ? fit.bu : fit.bi;
    f32.set(users ? fit.Q : fit.P, l.y >> 2);
    f32.set(users ? fit.bi : fit.bu, l.by >> 2);
    // rows without ratings keep their values, as in the JS kernel
    f32.set(X.subarray(r.from * k, r.to * k), l.x >> 2);
    f32.set(bx.subarray(r.from, r.to), l.bx >> 2);
    this.#solve(
      n,
      r.indptr,
      r.indices,
      r.values,
      l.y,
      l.by,
      l.x,
      l.bx,
      k,
      l.dp,
      l.blk,
      l.A,
      l.B,
      l.Z,
      fit.mu,
      fit.regularization,
      fit.biasRegularization,
    );
    X.set(f32.subarray(l.x >> 2, (l.x >> 2) + n * k), r.from * k);
    bx.set(f32.subarray(l.bx >> 2, (l.bx >> 2) + n), r.from);
  }
}
