/**
 * Scores every item of a factor model for sixteen users in one pass over the
 * item factors: a block of item rows is read from memory once and stays in
 * the cache while four quads of users are scored against it, and the kernel
 * multiplies each row with four user vectors, keeping eight independent SIMD
 * accumulator chains busy instead of two (the one-user kernel,
 * `_wasm_scores.ts`, waits on its two add chains and streams every row from
 * memory for every user). Each user's arithmetic is
 * that kernel's, step for step (two f32x4 accumulators over the row padded
 * to 8 floats, `bias + ((a0 + a1) + (a2 + a3))`, then `base +` as
 * {@linkcode ItemScorer.scores} does in JS: an f64 add rounded to f32, here
 * in the kernel), so the scores are the same bits as the model's
 * `rawScores`; a test checks it.
 *
 * The scores stay in WebAssembly memory ({@linkcode _BatchScorer.userScores}),
 * and {@linkcode _BatchScorer.above} finds the positions whose score reaches a
 * bar (the current k-th best) sixteen at a time, so a top-k selection
 * touches in JS only the few scores that can enter it.
 *
 * The kernels are `wasm/batch_scores.wat` (compiled by `deno task wasm`, as the
 * other kernels).
 *
 * @module
 */
import type { FactorView } from "../core/factor_view.ts";
import { ItemScorer } from "../scoring/item_scorer.ts";
import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";
import type { _BatchScores } from "../scoring/_raw_scoring.ts";

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

/**
 * Hits {@linkcode _BatchScorer.above} collects before it returns: enough that a
 * call covers many scores once the bar is high, few enough that the bar it
 * tests is seldom far below the selection's.
 */
export const _HITS = 32;

/** The module's bytes (`wasm/batch_scores.wat`): `scores4` and `above` over `env.mem`. */
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
  base0: number,
  base1: number,
  base2: number,
  base3: number,
) => void;

type _Above = (
  s: number,
  from: number,
  to: number,
  bar: number,
  hits: number,
  cap: number,
) => number;

/**
 * Up to sixteen users' raw scores at a time for one {@linkcode FactorView}, the same
 * bits as `ItemScorer.of(view).scores(...)` for each. Holds its own copy of
 * the item factors in WebAssembly memory.
 */
export class _BatchScorer implements _BatchScores {
  readonly #fn: _Scores4;
  readonly #above: _Above;
  readonly #view: FactorView;
  readonly #n: number;
  /** Scores per user in memory: {@linkcode size} rounded up to 4 (the padding holds NaN). */
  readonly #np: number;
  readonly #kp: number;
  readonly #bias: number;
  readonly #u: number;
  readonly #uView: Float32Array;
  readonly #out: number;
  readonly #outView: Float32Array;
  readonly #users: Float32Array[];
  readonly #hits: number;
  readonly #hitView: Int32Array;
  readonly #bases = new Float64Array(_BATCH);

  private constructor(
    fns: { scores4: _Scores4; above: _Above },
    view: FactorView,
    memory: WebAssembly.Memory,
    layout: {
      n: number;
      np: number;
      kp: number;
      bias: number;
      u: number;
      out: number;
      hits: number;
    },
  ) {
    this.#fn = fns.scores4;
    this.#above = fns.above;
    this.#view = view;
    this.#n = layout.n;
    this.#np = layout.np;
    this.#kp = layout.kp;
    this.#bias = layout.bias;
    this.#u = layout.u;
    this.#uView = new Float32Array(memory.buffer, layout.u, _BATCH * layout.kp);
    this.#out = layout.out;
    this.#outView = new Float32Array(memory.buffer, layout.out, _BATCH * layout.np);
    this.#outView.fill(NaN); // the padding is never written: NaN passes no bar
    this.#users = Array.from(
      { length: _BATCH },
      (_, b) => this.#outView.subarray(b * layout.np, b * layout.np + layout.n),
    );
    this.#hits = layout.hits;
    this.#hitView = new Int32Array(memory.buffer, layout.hits, _HITS + 16 + 1);
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
    const np = (n + 3) & ~3;
    const kp = (k + 7) & ~7;
    const align = (x: number) => (x + 15) & ~15;
    const q = 0;
    const bias = align(q + n * kp * 4);
    const u = align(bias + n * 4);
    const out = align(u + _BATCH * kp * 4);
    const hits = align(out + _BATCH * np * 4);
    const bytes = align(hits + (_HITS + 16 + 1) * 4);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    const f32 = new Float32Array(memory.buffer);
    const Qf = view.itemFactors;
    for (let i = 0; i < n; i++) f32.set(Qf.subarray(i * k, i * k + k), (q >> 2) + i * kp);
    if (view.itemBias) f32.set(view.itemBias, bias >> 2);
    const instance = new WebAssembly.Instance(mod, { env: { mem: memory } });
    const fns = {
      scores4: instance.exports.scores4 as _Scores4,
      above: instance.exports.above as _Above,
    };
    return new _BatchScorer(fns, view, memory, { n, np, kp, bias, u, out, hits });
  }

  /** Number of items scored. */
  get size(): number {
    return this.#n;
  }

  /** Users per {@linkcode score} call, at most ({@linkcode _BATCH}). */
  get maxUsers(): number {
    return _BATCH;
  }

  /**
   * Scores the dense users `rows` (1 to {@linkcode _BATCH} of them): user
   * `rows[b]`'s raw scores are then {@linkcode userScores}`(b)`, `base_u +
   * itemBias[i] + p_u . q_i` with `base_u` as the factor models' scorer
   * computes it, until the next call. With `from` and `to` (multiples of
   * 256 but for `to` = {@linkcode size}), only the items in `[from, to)` are
   * scored (the other scores keep what they held): the same bits per item.
   */
  score(rows: readonly number[], from = 0, to = this.#n): void {
    const view = this.#view, k = view.k, kp = this.#kp, n = this.#n;
    const P = view.userFactors, uv = this.#uView, bases = this.#bases;
    const quads = Math.ceil(rows.length / _QUAD);
    for (let b = 0; b < quads * _QUAD; b++) {
      const r = rows[Math.min(b, rows.length - 1)]!; // a short quad repeats the last user
      uv.set(P.subarray(r * k, r * k + k), b * kp);
      // the factor scorer keeps base_u as a float32
      bases[b] = Math.fround(
        view.userMean ? view.userMean[r]! : view.globalMean + (view.userBias?.[r] ?? 0),
      );
    }
    const row = kp * 4, np = this.#np;
    const end = Math.min(to, n);
    for (let i0 = from; i0 < end; i0 += _BLOCK) {
      const len = Math.min(_BLOCK, end - i0);
      for (let j = 0; j < quads; j++) {
        const b = j * _QUAD;
        this.#fn(
          this.#u + b * row,
          i0 * row,
          this.#bias + 4 * i0,
          this.#out + 4 * (b * np + i0),
          len,
          row,
          4 * np,
          bases[b]!,
          bases[b + 1]!,
          bases[b + 2]!,
          bases[b + 3]!,
        );
      }
    }
  }

  /**
   * The scores of the `b`-th user of the last {@linkcode score} call
   * ({@linkcode size} long, a view of WebAssembly memory the next call overwrites).
   */
  userScores(b: number): Float32Array {
    return this.#users[b]!;
  }

  /**
   * The positions `i >= from` (ascending) where user `b`'s score of the last
   * {@linkcode score} call is at least `bar` (a float32 value, or
   * -Infinity; NaN scores never): writes them to {@linkcode hits}`[1 ..
   * count]` and returns the count, stopping once about {@linkcode _HITS} are
   * found; `hits[0]` is then the position to go on from ({@linkcode size}
   * or more when done). `from` is 0 or a previous `hits[0]`.
   */
  above(b: number, from: number, bar: number): number {
    const np = this.#np;
    return this.#above(this.#out + 4 * b * np, from, np, bar, this.#hits, _HITS);
  }

  /** The positions {@linkcode above} found (from index 1) and where to go on (index 0). */
  get hits(): Int32Array {
    return this.#hitView;
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
