/**
 * Scores every item of a factor model for sixteen users in one pass over the
 * item factors: a block of item rows is read from memory once and stays in
 * the cache while four quads of users are scored against it, and the kernel
 * multiplies each row with four user vectors, keeping eight independent SIMD
 * accumulator chains busy instead of two (the one-user kernel,
 * `_wasm_scores.ts`, waits on its two add chains and streams every row from
 * memory for every user). Each user's arithmetic is
 * that kernel's, step for step (two f32x4 accumulators over the row padded
 * to 8 floats, `bias + ((a0 + a1) + (a2 + a3))`, then `base +` in JS as
 * {@linkcode ItemScorer.scores}), so the scores are the same bits as the
 * model's `rawScores`; a test checks it.
 *
 * The module is a few dozen instructions, emitted here by a private encoder
 * so it does not depend on the shared assembler's shape.
 *
 * @module
 */
import type { FactorView } from "../core/factor_view.ts";
import { ItemScorer } from "../scoring/item_scorer.ts";

/** Users scored per pass over the item factors (the kernel takes four at a time). */
export const _BATCH = 16;

/** Users per kernel call. */
const _QUAD = 4;

/**
 * Items per block: the block's rows (~100 KiB at 100 factors) stay in the
 * cache while every quad of users is scored against them, so the item
 * factors are read from memory once per {@linkcode _BATCH} users.
 */
const _BLOCK = 256;

const I32 = 0x7f, V128 = 0x7b;

function _uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function _sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// params: u, q, bias, out, n, rowBytes, outStride ; locals: i, f, off, uB (3), oB (3) ; acc (8), q0, q1
const U = 0, Q = 1, BIAS = 2, OUT = 3, N = 4, ROW = 5, STRIDE = 6, I = 7, F = 8, OFF = 9;
const UB = [U, 10, 11, 12], OB = [OUT, 13, 14, 15];
const ACC = [16, 17, 18, 19, 20, 21, 22, 23], Q0 = 24, Q1 = 25;

function _body(): number[] {
  const c: number[] = [];
  const get = (l: number) => c.push(0x20, ..._uleb(l));
  const set = (l: number) => c.push(0x21, ..._uleb(l));
  const i32c = (v: number) => c.push(0x41, ..._sleb(v));
  const i32add = () => c.push(0x6a);
  const simd = (op: number, ...rest: number[]) => c.push(0xfd, ..._uleb(op), ...rest);
  const v128load = (offset: number) => simd(0x00, 4, ..._uleb(offset));
  const f32add = () => c.push(0x92);
  // user and output pointers of users 1..3
  for (let b = 1; b < _QUAD; b++) {
    get(UB[b - 1]!), get(ROW), i32add(), set(UB[b]!);
    get(OB[b - 1]!), get(STRIDE), i32add(), set(OB[b]!);
  }
  i32c(0), set(I);
  c.push(0x02, 0x40); // block
  get(N), c.push(0x45, 0x0d, 0); // n == 0: done
  c.push(0x03, 0x40); // loop over items
  for (const a of ACC) c.push(0x43, 0, 0, 0, 0), simd(0x13), set(a); // f32x4.splat(0)
  i32c(0), set(F);
  c.push(0x03, 0x40); // loop over factors, 8 floats per step
  get(Q), get(F), i32add(), v128load(0), set(Q0);
  get(Q), get(F), i32add(), v128load(16), set(Q1);
  for (let b = 0; b < _QUAD; b++) {
    for (const [h, q] of [[0, Q0], [1, Q1]] as const) {
      const a = ACC[2 * b + h]!;
      get(a), get(UB[b]!), get(F), i32add(), v128load(16 * h), get(q);
      simd(0xe6), simd(0xe4), set(a); // a = a + u * q
    }
  }
  get(F), i32c(32), i32add(), set(F);
  get(F), get(ROW), c.push(0x49, 0x0d, 0); // f < rowBytes: again
  c.push(0x0b); // end factors
  get(I), i32c(2), c.push(0x74), set(OFF);
  for (let b = 0; b < _QUAD; b++) {
    const a0 = ACC[2 * b]!, a1 = ACC[2 * b + 1]!;
    get(a0), get(a1), simd(0xe4), set(a0);
    // out_b[i] = bias[i] + ((a0 + a1) + (a2 + a3))
    get(OB[b]!), get(OFF), i32add();
    get(BIAS), get(OFF), i32add(), c.push(0x2a, 2, 0); // f32.load
    get(a0), simd(0x1f, 0), get(a0), simd(0x1f, 1), f32add();
    get(a0), simd(0x1f, 2), get(a0), simd(0x1f, 3), f32add();
    f32add(), f32add(), c.push(0x38, 2, 0); // f32.store
  }
  get(Q), get(ROW), i32add(), set(Q);
  get(I), i32c(1), i32add(), set(I);
  get(I), get(N), c.push(0x49, 0x0d, 0); // i < n: again
  c.push(0x0b, 0x0b, 0x0b); // end items, block, function
  return c;
}

/** The module's bytes: one function `scores4` over the memory imported as `env.mem`. */
export function _batchModuleBytes(): Uint8Array<ArrayBuffer> {
  const name = (s: string) => {
    const b = [...new TextEncoder().encode(s)];
    return [..._uleb(b.length), ...b];
  };
  const section = (id: number, body: number[]) => [id, ..._uleb(body.length), ...body];
  const type = [0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0];
  const code = [3, 9, I32, 8, V128, 2, V128, ..._body()];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, ...type]),
    ...section(2, [1, ...name("env"), ...name("mem"), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("scores4"), 0x00, 0]),
    ...section(10, [1, ..._uleb(code.length), ...code]),
  ]);
}

let _module: WebAssembly.Module | null | undefined;

function _compiled(): WebAssembly.Module | null {
  if (_module === undefined) {
    try {
      _module = new WebAssembly.Module(_batchModuleBytes());
    } catch {
      _module = null; // no SIMD
    }
  }
  return _module;
}

type _Scores4 = (
  u: number,
  q: number,
  bias: number,
  out: number,
  n: number,
  rowBytes: number,
  outStride: number,
) => void;

/**
 * Up to sixteen users' raw scores at a time for one {@linkcode FactorView}, the same
 * bits as `ItemScorer.of(view).scores(...)` for each. Holds its own copy of
 * the item factors in WebAssembly memory.
 */
export class _BatchScorer {
  readonly #fn: _Scores4;
  readonly #view: FactorView;
  readonly #n: number;
  readonly #kp: number;
  readonly #bias: number;
  readonly #u: number;
  readonly #uView: Float32Array;
  readonly #out: number;
  readonly #outView: Float32Array;

  private constructor(fn: _Scores4, view: FactorView, memory: WebAssembly.Memory, layout: {
    n: number;
    kp: number;
    bias: number;
    u: number;
    out: number;
  }) {
    this.#fn = fn;
    this.#view = view;
    this.#n = layout.n;
    this.#kp = layout.kp;
    this.#bias = layout.bias;
    this.#u = layout.u;
    this.#uView = new Float32Array(memory.buffer, layout.u, _BATCH * layout.kp);
    this.#out = layout.out;
    this.#outView = new Float32Array(memory.buffer, layout.out, _BATCH * layout.n);
  }

  /**
   * The batch scorer of `view`, or null when its one-user scores are not the
   * SIMD kernel's (no factors, or a runtime without WebAssembly SIMD).
   */
  static create(view: FactorView): _BatchScorer | null {
    const k = view.k;
    if (k === 0 || !ItemScorer.of(view).simd) return null;
    for (let r = 1; r < view.userIds.length; r++) {
      if (!(view.userIds[r]! > view.userIds[r - 1]!)) return null; // row() needs ascending ids
    }
    const mod = _compiled();
    if (mod === null) return null;
    const n = view.itemIds.length;
    const kp = (k + 7) & ~7;
    const align = (x: number) => (x + 15) & ~15;
    const q = 0;
    const bias = align(q + n * kp * 4);
    const u = align(bias + n * 4);
    const out = align(u + _BATCH * kp * 4);
    const bytes = align(out + _BATCH * n * 4);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    const f32 = new Float32Array(memory.buffer);
    const Qf = view.itemFactors;
    for (let i = 0; i < n; i++) f32.set(Qf.subarray(i * k, i * k + k), (q >> 2) + i * kp);
    if (view.itemBias) f32.set(view.itemBias, bias >> 2);
    const instance = new WebAssembly.Instance(mod, { env: { mem: memory } });
    const fn = instance.exports.scores4 as _Scores4;
    return new _BatchScorer(fn, view, memory, { n, kp, bias, u, out });
  }

  /** Number of items scored. */
  get size(): number {
    return this.#n;
  }

  /**
   * Writes the raw scores of the dense users `rows` (1 to {@linkcode _BATCH} of them) into
   * `outs[b]` (each at least {@linkcode size} long): `base_u + itemBias[i] + p_u . q_i`
   * with `base_u` as the factor models' scorer computes it.
   */
  scores(rows: readonly number[], outs: readonly Float32Array[]): void {
    const view = this.#view, k = view.k, kp = this.#kp, n = this.#n;
    const P = view.userFactors, uv = this.#uView;
    const quads = Math.ceil(rows.length / _QUAD);
    for (let b = 0; b < quads * _QUAD; b++) {
      const r = rows[Math.min(b, rows.length - 1)]!; // a short quad repeats the last user
      uv.set(P.subarray(r * k, r * k + k), b * kp);
    }
    const row = kp * 4;
    for (let i0 = 0; i0 < n; i0 += _BLOCK) {
      const len = Math.min(_BLOCK, n - i0);
      for (let j = 0; j < quads; j++) {
        this.#fn(
          this.#u + j * _QUAD * row,
          i0 * row,
          this.#bias + 4 * i0,
          this.#out + 4 * (j * _QUAD * n + i0),
          len,
          row,
          4 * n,
        );
      }
    }
    const s = this.#outView;
    for (let b = 0; b < rows.length; b++) {
      const r = rows[b]!;
      // the factor scorer keeps base_u as a float32
      const base = Math.fround(
        view.userMean ? view.userMean[r]! : view.globalMean + (view.userBias?.[r] ?? 0),
      );
      const out = outs[b]!, o = b * n;
      for (let i = 0; i < n; i++) out[i] = base + s[o + i]!;
    }
  }

  /** Dense row of `userId` in the view, -1 when unknown. */
  row(userId: number): number {
    const ids = this.#view.userIds;
    let lo = 0, hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = ids[mid]!;
      if (v === userId) return mid;
      if (v < userId) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
