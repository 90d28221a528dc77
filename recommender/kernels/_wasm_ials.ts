/**
 * WebAssembly SIMD kernels of the iALS row solves, four floats per
 * instruction. Their sources are `wasm/ials_apply.wat` and
 * `wasm/ials_rowsum.wat` (compiled into `wasm/_kernels.ts` by
 * `deno task wasm`). Two functions over one memory:
 *
 * - `apply(v, out, g, y, idx, ext, start, end, rowBytes, lambda)`:
 *   `out = G v + lambda v + sum_{p in [start, end)} ext[p] (y_idx[p] . v) y_idx[p]`,
 *   the product of a row's system matrix `A_u = Y^T Y + Y^T (C_u - I) Y +
 *   lambda I` with a vector (the Gramian trick), the hot step of conjugate
 *   gradient;
 * - `rowsum(out, y, idx, ext, start, end, rowBytes)`:
 *   `out = sum_p (1 + ext[p]) y_idx[p]`, the row's right-hand side.
 *
 * Vectors and matrix rows have a padded stride of `kp` floats (a multiple of
 * 4, padding zero). {@linkcode _IalsKernel} owns the memory and its layout.
 *
 * @module
 */
import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";

/** The `apply` module's bytes (exported for the validity test). */
export function _ialsApplyBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("ials_apply");
}

/** The `rowsum` module's bytes (exported for the validity test). */
export function _ialsRowsumBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("ials_rowsum");
}

const _apply = _lazyModule("ials_apply");
const _rowsum = _lazyModule("ials_rowsum");

type _ApplyFn = (
  v: number,
  out: number,
  g: number,
  y: number,
  idx: number,
  ext: number,
  start: number,
  end: number,
  rowBytes: number,
  lambda: number,
) => void;
type _RowsumFn = (
  out: number,
  y: number,
  idx: number,
  ext: number,
  start: number,
  end: number,
  rowBytes: number,
) => void;

/** One side's positives in kernel memory. */
interface _Side {
  readonly idx: number;
  readonly ext: number;
  /** Position in the side's CSR of the first entry held (a thread holds only its rows'). */
  readonly base: number;
}

/**
 * The kernels' memory for one fit: both sides' positives (column index and
 * confidence minus one), the fixed side's factors and Gram matrix (loaded
 * per half-step), and the vectors `v`, `out`.
 */
export class _IalsKernel {
  readonly kp: number;
  readonly #k: number;
  readonly #apply: _ApplyFn;
  readonly #rowsum: _RowsumFn;
  readonly #f32: Float32Array;
  readonly #g: number;
  readonly #y: number;
  readonly #v: number;
  readonly #out: number;
  readonly #sides: [_Side, _Side];
  /** `v`, `out` as views (valid: the memory never grows). */
  readonly v: Float32Array;
  readonly out: Float32Array;

  private constructor(
    fns: { apply: _ApplyFn; rowsum: _RowsumFn },
    f32: Float32Array,
    layout: { k: number; kp: number; g: number; y: number; v: number; out: number },
    sides: [_Side, _Side],
  ) {
    this.#apply = fns.apply;
    this.#rowsum = fns.rowsum;
    this.#f32 = f32;
    this.#k = layout.k;
    this.kp = layout.kp;
    this.#g = layout.g;
    this.#y = layout.y;
    this.#v = layout.v;
    this.#out = layout.out;
    this.#sides = sides;
    this.v = f32.subarray(layout.v >> 2, (layout.v >> 2) + layout.kp);
    this.out = f32.subarray(layout.out >> 2, (layout.out >> 2) + layout.kp);
  }

  /**
   * Allocates the memory for `k` factors, up to `maxRows` rows of the fixed
   * side, and the positives of both sides (indices and confidences minus
   * one); null without WebAssembly SIMD. A side may hold a slice of its CSR's
   * entries, the first at position `base` (default 0): `apply` and `rowsum`
   * take positions in the whole CSR.
   */
  static create(
    k: number,
    maxRows: number,
    sides: ReadonlyArray<{ indices: Int32Array; extra: Float32Array; base?: number }>,
  ): _IalsKernel | null {
    const ma = _apply(), mr = _rowsum();
    if (ma === null || mr === null) return null;
    const kp = (k + 3) & ~3;
    const align = (x: number) => (x + 15) & ~15;
    const g = 0;
    const v = align(g + kp * kp * 4);
    const out = align(v + kp * 4);
    const y = align(out + kp * 4);
    let end = align(y + maxRows * kp * 4);
    const offsets: _Side[] = [];
    for (const s of sides) {
      const idx = end;
      const ext = align(idx + s.indices.length * 4);
      end = align(ext + s.extra.length * 4);
      offsets.push({ idx, ext, base: s.base ?? 0 });
    }
    const memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) + 1 });
    const f32 = new Float32Array(memory.buffer);
    const i32 = new Int32Array(memory.buffer);
    sides.forEach((s, j) => {
      i32.set(s.indices, offsets[j]!.idx >> 2);
      f32.set(s.extra, offsets[j]!.ext >> 2);
    });
    const env = { env: { mem: memory } };
    const apply = new WebAssembly.Instance(ma, env).exports.apply as _ApplyFn;
    const rowsum = new WebAssembly.Instance(mr, env).exports.rowsum as _RowsumFn;
    return new _IalsKernel({ apply, rowsum }, f32, { k, kp, g, y, v, out }, [
      offsets[0]!,
      offsets[1]!,
    ]);
  }

  /** Loads the fixed side: its `n x k` factors and their `k x k` Gram matrix. */
  load(factors: Float32Array, n: number, gram: Float64Array): void {
    const k = this.#k, kp = this.kp, f32 = this.#f32;
    const y = this.#y >> 2, g = this.#g >> 2;
    for (let i = 0; i < n; i++) {
      const d = y + i * kp;
      for (let f = 0; f < k; f++) f32[d + f] = factors[i * k + f]!;
    }
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) f32[g + a * kp + b] = gram[a * k + b]!;
    }
  }

  /** `out = A v` for the row `[start, end)` of side `side` (v already written to `this.v`). */
  apply(side: 0 | 1, start: number, end: number, lambda: number): void {
    const s = this.#sides[side];
    this.#apply(
      this.#v,
      this.#out,
      this.#g,
      this.#y,
      s.idx,
      s.ext,
      start - s.base,
      end - s.base,
      this.kp * 4,
      lambda,
    );
  }

  /** `out = sum_p (1 + ext[p]) y_idx[p]` for the row `[start, end)` of side `side`. */
  rowsum(side: 0 | 1, start: number, end: number): void {
    const s = this.#sides[side];
    this.#rowsum(this.#out, this.#y, s.idx, s.ext, start - s.base, end - s.base, this.kp * 4);
  }
}
