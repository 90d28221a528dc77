/**
 * A WebAssembly SIMD kernel of the primal EASE score: the sum of the weight
 * rows of a user's items, four weights per step, with the same float64 adds
 * in the same order as the JS loop of `models/ease.ts` (the same bits). Its
 * source is `wasm/ease_rows.wat` (compiled into `wasm/_kernels.ts` by
 * `deno task wasm`). {@linkcode _EaseRows} holds a copy of the weights in
 * kernel memory.
 *
 * @module
 */
import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";

/** The module's bytes (exported for the validity test). */
export function _easeRowsBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("ease_rows");
}

const _module = _lazyModule("ease_rows");

type _RowsFn = (acc: number, b: number, cols: number, nCols: number, nC: number) => void;

/** Largest kernel memory (bytes) this asks for: 32-bit addresses. */
const _MAX_BYTES = 2 ** 32 - 2 ** 16;

/** The primal weights in kernel memory, and the score of one user's rows. */
export class _EaseRows {
  readonly #rows: _RowsFn;
  readonly #nC: number;
  readonly #acc: Float64Array;
  readonly #cols: Int32Array;
  readonly #accPtr: number;
  readonly #colsPtr: number;
  readonly #bPtr: number;

  private constructor(memory: WebAssembly.Memory, rows: _RowsFn, nC: number) {
    this.#rows = rows;
    this.#nC = nC;
    this.#accPtr = 0;
    this.#colsPtr = nC * 8;
    this.#bPtr = this.#colsPtr + nC * 4;
    this.#acc = new Float64Array(memory.buffer, this.#accPtr, nC);
    this.#cols = new Int32Array(memory.buffer, this.#colsPtr, nC);
  }

  /**
   * Copies the row-major `nC x nC` weights `B` into kernel memory; null when
   * the runtime has no WebAssembly SIMD or the weights do not fit 32-bit
   * addresses (the caller then scores in JS).
   */
  static create(B: Float32Array, nC: number): _EaseRows | null {
    if (B.length !== nC * nC) {
      throw new RangeError(`Cannot score ease: ${B.length} weights for a ${nC} x ${nC} matrix`);
    }
    const module = _module();
    const bytes = nC * 8 + nC * 4 + nC * nC * 4;
    if (module === null || bytes > _MAX_BYTES) return null;
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    } catch {
      return null; // no room for it: the JS loop needs no copy
    }
    const instance = new WebAssembly.Instance(module, { env: { mem: memory } });
    const k = new _EaseRows(memory, instance.exports.rows as _RowsFn, nC);
    new Float32Array(memory.buffer, k.#bPtr, nC * nC).set(B);
    return k;
  }

  /**
   * `acc[j] = sum_c B[cols[c]][j]` for every column j; returns a view of the
   * kernel's accumulator (valid until the next call). `cols` holds at most
   * nC row numbers below nC.
   */
  rows(cols: Int32Array): Float64Array {
    if (cols.length > this.#nC) {
      throw new RangeError(`Cannot score ease: ${cols.length} rows, at most ${this.#nC}`);
    }
    this.#cols.set(cols);
    this.#rows(this.#accPtr, this.#bPtr, this.#colsPtr, cols.length, this.#nC);
    return this.#acc;
  }
}
