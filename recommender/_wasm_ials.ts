/**
 * WebAssembly SIMD kernels of the iALS row solves, assembled from opcodes
 * with the shared assembler (`_wasm_module.ts`), four floats per
 * instruction. Two functions over one memory:
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
import {
  _Asm,
  _F32 as F32,
  _I32 as I32,
  _lazyModule,
  _singleFunctionModule,
  _V128 as V128,
} from "./_wasm_module.ts";

/** Emits `acc = sum_f row[f] * v[f]` over `rowBytes` (locals: f, acc). */
function _dot(a: _Asm, l: { row: number; v: number; f: number; acc: number; rowBytes: number }) {
  a.f32c(0).f32x4splat().set(l.acc);
  a.i32c(0).set(l.f);
  a.loop();
  a.get(l.acc).get(l.row).get(l.f).i32add().v128load(0).get(l.v).get(l.f).i32add().v128load(0)
    .f32x4mul().f32x4add().set(l.acc);
  a.get(l.f).i32c(16).i32add().tee(l.f).get(l.rowBytes).i32ltU().brIf(0);
  a.end();
}

/** Emits the horizontal sum of a v128 local onto the stack (an f32). */
function _hsum(a: _Asm, acc: number) {
  a.get(acc).f32x4extract(0).get(acc).f32x4extract(1).f32add();
  a.get(acc).f32x4extract(2).get(acc).f32x4extract(3).f32add();
  a.f32add();
}

/** Emits `out[f] += s * row[f]` over `rowBytes` (s a v128 splat local). */
function _axpy(a: _Asm, l: { out: number; row: number; s: number; f: number; rowBytes: number }) {
  a.i32c(0).set(l.f);
  a.loop();
  a.get(l.out).get(l.f).i32add();
  a.get(l.out).get(l.f).i32add().v128load(0);
  a.get(l.s).get(l.row).get(l.f).i32add().v128load(0).f32x4mul().f32x4add();
  a.v128store(0);
  a.get(l.f).i32c(16).i32add().tee(l.f).get(l.rowBytes).i32ltU().brIf(0);
  a.end();
}

/** Emits the loop over `p in [start, end)`: row = y + idx[p] * rowBytes, then `body`. */
function _rows(
  a: _Asm,
  l: {
    p: number;
    start: number;
    end: number;
    row: number;
    y: number;
    idx: number;
    rowBytes: number;
  },
  body: () => void,
) {
  a.get(l.start).set(l.p);
  a.block().get(l.p).get(l.end).i32ltS().i32eqz().brIf(0);
  a.loop();
  a.get(l.y).get(l.idx).get(l.p).i32c(2).i32shl().i32add().i32load(0).get(l.rowBytes).i32mul()
    .i32add().set(l.row);
  body();
  a.get(l.p).i32c(1).i32add().tee(l.p).get(l.end).i32ltS().brIf(0);
  a.end();
  a.end();
}

// apply: params v, out, g, y, idx, ext, start, end, rowBytes (i32), lambda (f32)
const V = 0, OUT = 1, G = 2, Y = 3, IDX = 4, EXT = 5, START = 6, END = 7, RB = 8, LAM = 9;
// locals: a, row, p, f (i32), acc, s (v128)
const AOFF = 10, ROW = 11, P = 12, F = 13, ACC = 14, S = 15;

function _applyBody(): number[] {
  const a = new _Asm();
  // dense part: out[a] = G_a . v + lambda v[a]
  a.get(G).set(ROW);
  a.i32c(0).set(AOFF);
  a.loop();
  _dot(a, { row: ROW, v: V, f: F, acc: ACC, rowBytes: RB });
  a.get(OUT).get(AOFF).i32add();
  _hsum(a, ACC);
  a.get(LAM).get(V).get(AOFF).i32add().f32load(0).f32mul().f32add();
  a.f32store(0);
  a.get(ROW).get(RB).i32add().set(ROW);
  a.get(AOFF).i32c(4).i32add().tee(AOFF).get(RB).i32ltU().brIf(0);
  a.end();
  // low-rank part over the row's positives
  _rows(a, { p: P, start: START, end: END, row: ROW, y: Y, idx: IDX, rowBytes: RB }, () => {
    _dot(a, { row: ROW, v: V, f: F, acc: ACC, rowBytes: RB });
    _hsum(a, ACC);
    a.get(EXT).get(P).i32c(2).i32shl().i32add().f32load(0).f32mul().f32x4splat().set(S);
    _axpy(a, { out: OUT, row: ROW, s: S, f: F, rowBytes: RB });
  });
  a.end();
  return a.bytes;
}

// rowsum: params out, y, idx, ext, start, end, rowBytes ; locals row, p, f (i32), s (v128)
const R_OUT = 0, R_Y = 1, R_IDX = 2, R_EXT = 3, R_START = 4, R_END = 5, R_RB = 6;
const R_ROW = 7, R_P = 8, R_F = 9, R_S = 10;

function _rowsumBody(): number[] {
  const a = new _Asm();
  // out = 0
  a.i32c(0).set(R_F);
  a.loop();
  a.get(R_OUT).get(R_F).i32add().f32c(0).f32x4splat().v128store(0);
  a.get(R_F).i32c(16).i32add().tee(R_F).get(R_RB).i32ltU().brIf(0);
  a.end();
  _rows(a, {
    p: R_P,
    start: R_START,
    end: R_END,
    row: R_ROW,
    y: R_Y,
    idx: R_IDX,
    rowBytes: R_RB,
  }, () => {
    a.f32c(1).get(R_EXT).get(R_P).i32c(2).i32shl().i32add().f32load(0).f32add().f32x4splat()
      .set(R_S);
    _axpy(a, { out: R_OUT, row: R_ROW, s: R_S, f: R_F, rowBytes: R_RB });
  });
  a.end();
  return a.bytes;
}

/** The `apply` module's bytes (exported for the validity test). */
export function _ialsApplyBytes(): Uint8Array<ArrayBuffer> {
  return _singleFunctionModule({
    memory: "mem",
    name: "apply",
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, F32],
    results: [],
    locals: [[4, I32], [2, V128]],
    code: _applyBody(),
  });
}

/** The `rowsum` module's bytes (exported for the validity test). */
export function _ialsRowsumBytes(): Uint8Array<ArrayBuffer> {
  return _singleFunctionModule({
    memory: "mem",
    name: "rowsum",
    params: [I32, I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [[3, I32], [1, V128]],
    code: _rowsumBody(),
  });
}

const _apply = _lazyModule(_ialsApplyBytes);
const _rowsum = _lazyModule(_ialsRowsumBytes);

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
   * one); null without WebAssembly SIMD.
   */
  static create(
    k: number,
    maxRows: number,
    sides: ReadonlyArray<{ indices: Int32Array; extra: Float32Array }>,
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
      offsets.push({ idx, ext });
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
      start,
      end,
      this.kp * 4,
      lambda,
    );
  }

  /** `out = sum_p (1 + ext[p]) y_idx[p]` for the row `[start, end)` of side `side`. */
  rowsum(side: 0 | 1, start: number, end: number): void {
    const s = this.#sides[side];
    this.#rowsum(this.#out, this.#y, s.idx, s.ext, start, end, this.kp * 4);
  }
}
