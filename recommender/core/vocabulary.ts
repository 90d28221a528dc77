/**
 * Raw id <-> dense index mapping used by every model: raw MovieLens ids are
 * sparse (movie ids go up to ~200k), the models work on `0..size-1`.
 *
 * @module
 */

/**
 * A sorted set of raw ids with a dense index for each.
 *
 * @example
 * ```ts
 * import { Vocabulary } from "./vocabulary.ts";
 * const v = Vocabulary.fromIds(Int32Array.of(30, 10, 30, 20));
 * if (v.size !== 3 || v.indexOf(20) !== 1 || v.idAt(2) !== 30 || v.indexOf(99) !== -1) {
 *   throw new Error("unexpected vocabulary");
 * }
 * ```
 */
export class Vocabulary {
  /** Raw id of each dense index, ascending. */
  readonly ids: Int32Array;
  /** Dense index by raw id when the ids are small non-negative integers (MovieLens'), else null. */
  readonly #table: Int32Array | null;
  readonly #index: Map<number, number> | null;

  private constructor(ids: Int32Array) {
    this.ids = ids;
    const n = ids.length;
    if (n > 0 && ids[0]! >= 0 && _denseRange(ids[n - 1]!, n)) {
      const table = new Int32Array(ids[n - 1]! + 1).fill(-1);
      for (let i = 0; i < n; i++) table[ids[i]!] = i;
      this.#table = table;
      this.#index = null;
    } else {
      this.#table = null;
      this.#index = new Map();
      for (let i = 0; i < n; i++) this.#index.set(ids[i]!, i);
    }
  }

  /** Builds the vocabulary of the distinct ids in `ids` (any order, repeats allowed). */
  static fromIds(ids: ArrayLike<number>): Vocabulary {
    let min = Infinity, max = -Infinity, integers = true;
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
      if ((v | 0) !== v) integers = false;
    }
    if (integers && ids.length > 0 && min >= 0 && _denseRange(max, ids.length)) {
      // a presence map instead of a Set and a sort: the ids come out ascending
      const present = new Uint8Array(max + 1);
      for (let i = 0; i < ids.length; i++) present[ids[i]!] = 1;
      let count = 0;
      for (let v = 0; v <= max; v++) count += present[v]!;
      const unique = new Int32Array(count);
      for (let v = 0, j = 0; v <= max; v++) if (present[v] === 1) unique[j++] = v;
      return new Vocabulary(unique);
    }
    const unique = Int32Array.from(new Set(Array.from(ids)));
    unique.sort();
    return new Vocabulary(unique);
  }

  /** Rebuilds a vocabulary from its saved `ids`; they must be strictly ascending. */
  static fromSortedIds(ids: Int32Array): Vocabulary {
    for (let i = 1; i < ids.length; i++) {
      if (ids[i]! <= ids[i - 1]!) {
        throw new RangeError(
          `Cannot build vocabulary: ids must be strictly ascending, found ${ids[i]} after ${
            ids[i - 1]
          } at position ${i}`,
        );
      }
    }
    return new Vocabulary(ids);
  }

  /** Number of distinct ids. */
  get size(): number {
    return this.ids.length;
  }

  /** Dense index of a raw id, or -1 when unknown. */
  indexOf(id: number): number {
    return this.#table ? (this.#table[id] ?? -1) : (this.#index!.get(id) ?? -1);
  }

  /** True when the raw id is known. */
  has(id: number): boolean {
    return this.indexOf(id) >= 0;
  }

  /** Raw id at a dense index (no bounds check in the hot path; returns undefined when out of range). */
  idAt(index: number): number {
    return this.ids[index]!;
  }

  /** Dense indices of many raw ids at once (-1 for unknown ones). */
  encode(ids: ArrayLike<number>): Int32Array {
    const out = new Int32Array(ids.length);
    const table = this.#table;
    if (table) {
      for (let i = 0; i < ids.length; i++) out[i] = table[ids[i]!] ?? -1;
    } else {
      for (let i = 0; i < ids.length; i++) out[i] = this.#index!.get(ids[i]!) ?? -1;
    }
    return out;
  }
}

/**
 * True when ids up to `max` are few enough next to `count` of them for a
 * table indexed by id (4 bytes per id up to max): at most 8 slots per id,
 * or 64k slots.
 */
export function _denseRange(max: number, count: number): boolean {
  return max < Math.max(65_536, 8 * count) && max < 2 ** 28;
}
