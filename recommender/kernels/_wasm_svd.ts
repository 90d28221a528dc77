/**
 * WebAssembly SIMD kernels of the randomized truncated SVD (`svd`), two
 * doubles per instruction and bit-identical to the JS loops of
 * `../models/truncated_svd.ts`: the same IEEE multiplies and adds per element
 * in the same order (no fused multiply-add; every dot product and norm keeps
 * its row order, several of them side by side in the lanes). Their source is
 * `wasm/svd.wat` (compiled into `wasm/_kernels.ts` by `deno task wasm`).
 *
 * {@linkcode _SvdKernel} owns one memory per fit: the CSR matrix (copied in
 * once) and the dense blocks, float64 row-major with a row stride padded to a
 * multiple of 8 doubles (padding zero): `y` (nRows x lp, the range basis),
 * `s` (nRows x max(lp, kp): Gram-Schmidt's finished columns, then T, then U),
 * `z` (nCols x max(lp, kp): Omega, then X^T Q, then V), `c` (lp x lp) and `w`
 * (l x kp). JS reads and writes them through {@linkcode _SvdKernel.f64}.
 *
 * @module
 */
import type { CsrMatrix } from "../core/csr.ts";
import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";

/** The module's bytes (exported for the validity test). */
export function _svdModuleBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("svd");
}

const _module = _lazyModule("svd");

type _Fn7 = (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
type _GramUpperFn = (
  q: number,
  t: number,
  n: number,
  l: number,
  rowBytes: number,
  c: number,
) => void;
type _GramSchmidtFn = (y: number, fin: number, n: number, rowBytes: number, dptr: number) => void;

/** The wasm memory's limit (65536 pages of 64 KiB). */
const _MAX_BYTES = 2 ** 32;

/** The kernels and their memory for one fit (see the module doc for the layout). */
export class _SvdKernel {
  /** Row stride, in doubles, of the l-column blocks (l rounded up to 8). */
  readonly lp: number;
  /** Row stride, in doubles, of the k-column blocks (k rounded up to 8). */
  readonly kp: number;
  /** The whole memory as doubles (valid: the memory never grows). Index = byte offset / 8. */
  readonly f64: Float64Array;
  /** Byte offsets of the dense blocks. */
  readonly y: number;
  readonly s: number;
  readonly z: number;
  readonly c: number;
  readonly w: number;
  readonly #nRows: number;
  readonly #nCols: number;
  readonly #l: number;
  readonly #csr: { indptr: number; indices: number; values: number };
  readonly #dptr: number;
  readonly #fns: {
    csrTimes: _Fn7;
    csrTransposeTimes: _Fn7;
    denseTimes: _Fn7;
    gramUpper: _GramUpperFn;
    gramSchmidt: _GramSchmidtFn;
  };

  private constructor(
    memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    shape: { nRows: number; nCols: number; l: number; lp: number; kp: number },
    at: Record<"indptr" | "indices" | "values" | "y" | "s" | "z" | "c" | "w" | "dptr", number>,
  ) {
    const e = instance.exports;
    this.#fns = {
      csrTimes: e.csr_times as _Fn7,
      csrTransposeTimes: e.csr_transpose_times as _Fn7,
      denseTimes: e.dense_times as _Fn7,
      gramUpper: e.gram_upper as _GramUpperFn,
      gramSchmidt: e.gram_schmidt as _GramSchmidtFn,
    };
    this.f64 = new Float64Array(memory.buffer);
    this.#nRows = shape.nRows;
    this.#nCols = shape.nCols;
    this.#l = shape.l;
    this.lp = shape.lp;
    this.kp = shape.kp;
    this.#csr = { indptr: at.indptr, indices: at.indices, values: at.values };
    this.y = at.y;
    this.s = at.s;
    this.z = at.z;
    this.c = at.c;
    this.w = at.w;
    this.#dptr = at.dptr;
  }

  /**
   * Copies the CSR matrix `X` into a new memory sized for `l` range columns
   * and `k` factors; null when the runtime lacks WebAssembly SIMD or the
   * blocks would not fit in 4 GiB (callers then run the JS loops).
   */
  static create(X: CsrMatrix, l: number, k: number): _SvdKernel | null {
    const mod = _module();
    if (mod === null) return null;
    const { nRows, nCols } = X;
    const nnz = X.indices.length;
    const lp = (l + 7) & ~7, kp = (k + 7) & ~7, wide = Math.max(lp, kp);
    const align = (x: number) => Math.ceil(x / 64) * 64;
    const at = { indptr: 0, indices: 0, values: 0, y: 0, s: 0, z: 0, c: 0, w: 0, dptr: 0 };
    let end = 0;
    const take = (name: keyof typeof at, bytes: number) => {
      at[name] = end;
      end = align(end + bytes);
    };
    take("y", nRows * lp * 8);
    take("s", nRows * wide * 8);
    take("z", nCols * wide * 8);
    take("c", lp * lp * 8);
    take("w", l * kp * 8);
    take("dptr", 64);
    take("indptr", (nRows + 1) * 4);
    take("indices", nnz * 4);
    take("values", nnz * 4);
    if (end > _MAX_BYTES - 65536) return null;
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) });
    } catch {
      return null; // the engine cannot reserve that much
    }
    new Int32Array(memory.buffer, at.indptr, nRows + 1).set(X.indptr);
    new Int32Array(memory.buffer, at.indices, nnz).set(X.indices);
    new Float32Array(memory.buffer, at.values, nnz).set(X.values);
    const instance = new WebAssembly.Instance(mod, { env: { mem: memory } });
    return new _SvdKernel(memory, instance, { nRows, nCols, l, lp, kp }, at);
  }

  /** `out = X D`: D (nCols rows) and out (nRows rows) of `stride` doubles. */
  csrTimes(d: number, out: number, stride: number): void {
    const { indptr, indices, values } = this.#csr;
    this.#fns.csrTimes(indptr, indices, values, this.#nRows, d, out, stride * 8);
  }

  /** `out = X^T D`: D (nRows rows) and out (nCols rows, zeroed here) of `stride` doubles. */
  csrTransposeTimes(d: number, out: number, stride: number): void {
    const { indptr, indices, values } = this.#csr;
    this.f64.fill(0, out / 8, out / 8 + this.#nCols * stride);
    this.#fns.csrTransposeTimes(indptr, indices, values, this.#nRows, d, out, stride * 8);
  }

  /** `out = A W`: A (nRows x l, stride lp), W at `w` (l x kp), out (nRows, stride kp). */
  denseTimes(a: number, out: number): void {
    this.#fns.denseTimes(a, this.#nRows, this.#l, this.lp * 8, this.w, out, this.kp * 8);
  }

  /**
   * `C = Q^T T` on and above the diagonal into `c` (l x l, stride lp), Q and
   * T nRows x l of stride lp.
   */
  gramUpper(q: number, t: number): void {
    this.f64.fill(0, this.c / 8, this.c / 8 + this.lp * this.lp);
    this.#fns.gramUpper(q, t, this.#nRows, this.#l, this.lp * 8, this.c);
  }

  /** Modified Gram-Schmidt of the columns of `y` (nRows x lp) in place; overwrites `s`. */
  gramSchmidt(): void {
    this.#fns.gramSchmidt(this.y, this.s, this.#nRows, this.lp * 8, this.#dptr);
  }
}
