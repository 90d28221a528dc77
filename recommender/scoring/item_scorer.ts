/**
 * The all-items scoring of a factor model, in one place: the factor models'
 * `recommend`, `rawScores` and `similar`, and the API (known users, folded-in
 * new users), all score through an {@linkcode ItemScorer}, so what is served
 * is exactly what is evaluated. It runs the WebAssembly SIMD kernel
 * (`_wasm_scores.ts`) when the runtime has SIMD, else a plain JS loop.
 *
 * @module
 */
import type { FactorView } from "../core/factor_view.ts";
import { _WasmScores } from "../kernels/_wasm_scores.ts";

/** One user's vector for {@linkcode ItemScorer.scores}. */
export interface UserVector {
  /** Holds the user's `k` factors from `offset` (e.g. the whole user-factor matrix). */
  readonly vector: Float32Array;
  /** Index of the first factor in `vector`. Default 0. */
  readonly offset?: number;
  /** Added to every score: `userMean` (svd) or `globalMean + userBias` (biased models). Default 0. */
  readonly base?: number;
}

const _cache = new WeakMap<FactorView, ItemScorer>();

/**
 * Scores every item of a {@linkcode FactorView} for one user vector, and the
 * cosine of one item with every item. Built once per view (the item factors
 * are copied into WebAssembly memory); the buffers it returns are reused.
 *
 * @example
 * ```ts
 * import { ItemScorer } from "./item_scorer.ts";
 * const view = {
 *   k: 1, userIds: Int32Array.of(1), itemIds: Int32Array.of(10, 20),
 *   userFactors: Float32Array.of(2), itemFactors: Float32Array.of(1, -1),
 *   itemNorms: Float32Array.of(1, 1), globalMean: 3, ratingScale: [1, 5] as const,
 *   regularization: 0,
 * };
 * const out = ItemScorer.of(view).scores({ vector: view.userFactors, base: 3 }, new Float32Array(2));
 * if (out.join() !== "5,1") throw new Error(`unexpected scores ${out.join()}`);
 * ```
 */
export class ItemScorer {
  readonly #view: FactorView;
  readonly #bias: Float32Array;
  readonly #wasm: _WasmScores | null;
  #cos: Float32Array | null = null;

  private constructor(view: FactorView) {
    this.#view = view;
    this.#bias = view.itemBias ?? new Float32Array(view.itemIds.length);
    this.#wasm = _WasmScores.create(view.itemFactors, view.k, view.itemBias, view.itemNorms);
  }

  /** The scorer of `view`, built on first use and shared by every caller of the same view. */
  static of(view: FactorView): ItemScorer {
    let s = _cache.get(view);
    if (!s) {
      s = new ItemScorer(view);
      _cache.set(view, s);
    }
    return s;
  }

  /** Number of items scored (the view's item rows). */
  get size(): number {
    return this.#view.itemIds.length;
  }

  /** True when the WebAssembly SIMD kernel scores (false: the JS loop). */
  get simd(): boolean {
    return this.#wasm !== null;
  }

  /**
   * Writes `base + itemBias[i] + p . q_i` for every item row `i` into `out`
   * (at least {@linkcode size} long) and returns it: the raw, unclipped score.
   */
  scores(user: UserVector, out: Float32Array): Float32Array {
    const nI = this.size;
    if (out.length < nI) {
      throw new RangeError(
        `Cannot score items: the output buffer holds ${out.length} values, need ${nI}`,
      );
    }
    const offset = user.offset ?? 0, base = user.base ?? 0;
    const bias = this.#bias;
    const kf = this.#view.k;
    if (kf === 0) {
      for (let i = 0; i < nI; i++) out[i] = base + bias[i]!;
    } else if (this.#wasm) {
      const s = this.#wasm.scores(user.vector, offset);
      for (let i = 0; i < nI; i++) out[i] = base + s[i]!;
    } else {
      const p = user.vector, q = this.#view.itemFactors;
      for (let i = 0; i < nI; i++) out[i] = base + (bias[i]! + _dot(p, offset, q, i * kf, kf));
    }
    return out;
  }

  /**
   * The cosine of item row `i`'s factors with every item row's (0 where a
   * norm is 0). The returned array is reused by the next call.
   */
  cosines(i: number): Float32Array {
    const nI = this.size;
    if (!Number.isInteger(i) || i < 0 || i >= nI) {
      throw new RangeError(`Cannot compute similarities: item row ${i} is not in 0..${nI - 1}`);
    }
    if (this.#wasm) return this.#wasm.cosines(i);
    const out = this.#cos ?? (this.#cos = new Float32Array(nI));
    const kf = this.#view.k, q = this.#view.itemFactors, norms = this.#view.itemNorms;
    const ni = norms[i]!;
    for (let j = 0; j < nI; j++) {
      const d = ni * norms[j]!;
      out[j] = d > 0 ? _dot(q, i * kf, q, j * kf, kf) / d : 0;
    }
    return out;
  }
}

/** Dot product of `k` floats at `a[ao..]` and `b[bo..]`, unrolled by 4. */
export function _dot(a: Float32Array, ao: number, b: Float32Array, bo: number, k: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let f = 0;
  for (; f + 4 <= k; f += 4) {
    s0 += a[ao + f]! * b[bo + f]!;
    s1 += a[ao + f + 1]! * b[bo + f + 1]!;
    s2 += a[ao + f + 2]! * b[bo + f + 2]!;
    s3 += a[ao + f + 3]! * b[bo + f + 3]!;
  }
  for (; f < k; f++) s0 += a[ao + f]! * b[bo + f]!;
  return s0 + s1 + s2 + s3;
}
