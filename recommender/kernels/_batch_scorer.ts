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
 * The kernel is `wasm/batch_scores.wat` (compiled by `deno task wasm`, as the
 * other kernels).
 *
 * @module
 */
import type { FactorView } from "../core/factor_view.ts";
import { ItemScorer } from "../scoring/item_scorer.ts";
import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";

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

/** The module's bytes (`wasm/batch_scores.wat`): one function `scores4` over `env.mem`. */
export function _batchModuleBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("batch_scores");
}

const _compiled = _lazyModule("batch_scores");

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
