/**
 * Partial selection of the `k` best scores with a small binary min-heap:
 * O(n log k) instead of sorting all n candidates, and no per-call allocation
 * of big arrays (the heap is reused between calls).
 *
 * @module
 */

/**
 * A reusable top-`k` selector over (index, score) pairs. Higher scores win;
 * equal scores prefer the lower index, so the result equals a full sort by
 * (score descending, index ascending).
 *
 * @example
 * ```ts
 * import { TopK } from "./top_k.ts";
 * const top = new TopK();
 * top.reset(2);
 * for (const [i, s] of [[0, 1], [1, 5], [2, 3]]) top.push(i!, s!);
 * const { indices } = top.drain();
 * if (indices.join() !== "1,2") throw new Error("wrong order");
 * ```
 */
export class TopK {
  #k = 0;
  #size = 0;
  #idx: Int32Array = new Int32Array(16);
  #score: Float64Array = new Float64Array(16);

  /** Empties the heap and sets its capacity to `k` (k >= 0). */
  reset(k: number): void {
    if (!Number.isInteger(k) || k < 0) {
      throw new RangeError(`Cannot select top-k: k must be a non-negative integer, got ${k}`);
    }
    this.#k = k;
    this.#size = 0;
    if (this.#idx.length < k) {
      this.#idx = new Int32Array(k);
      this.#score = new Float64Array(k);
    }
  }

  /** Number of pairs currently held. */
  get size(): number {
    return this.#size;
  }

  /** The smallest kept score (the bar a new candidate must beat), -Infinity until full. */
  get threshold(): number {
    return this.#size < this.#k ? -Infinity : this.#score[0]!;
  }

  /** Offers one candidate. */
  push(index: number, score: number): void {
    const k = this.#k;
    if (k === 0 || score !== score) return; // NaN never wins
    const idx = this.#idx;
    const sc = this.#score;
    if (this.#size < k) {
      // sift up
      let i = this.#size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!_worse(score, index, sc[parent]!, idx[parent]!)) break;
        idx[i] = idx[parent]!;
        sc[i] = sc[parent]!;
        i = parent;
      }
      idx[i] = index;
      sc[i] = score;
      return;
    }
    if (!_worse(sc[0]!, idx[0]!, score, index)) return;
    this.#siftDown(index, score, k);
  }

  #siftDown(index: number, score: number, size: number): void {
    const idx = this.#idx;
    const sc = this.#score;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      let c = l;
      const r = l + 1;
      if (r < size && _worse(sc[r]!, idx[r]!, sc[l]!, idx[l]!)) c = r;
      if (!_worse(sc[c]!, idx[c]!, score, index)) break;
      idx[i] = idx[c]!;
      sc[i] = sc[c]!;
      i = c;
    }
    idx[i] = index;
    sc[i] = score;
  }

  /** Returns the kept pairs best first and empties the heap. */
  drain(): { indices: Int32Array; scores: Float64Array } {
    const n = this.#size;
    const indices = new Int32Array(n);
    const scores = new Float64Array(n);
    const idx = this.#idx;
    const sc = this.#score;
    for (let size = n; size > 0; size--) {
      // the root is the worst kept pair: it goes last
      indices[size - 1] = idx[0]!;
      scores[size - 1] = sc[0]!;
      const lastI = idx[size - 1]!;
      const lastS = sc[size - 1]!;
      if (size > 1) this.#siftDown(lastI, lastS, size - 1);
    }
    this.#size = 0;
    return { indices, scores };
  }
}

/** True when (sa, ia) ranks below (sb, ib). */
function _worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}
