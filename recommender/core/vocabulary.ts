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
  readonly #index: Map<number, number>;

  private constructor(ids: Int32Array) {
    this.ids = ids;
    this.#index = new Map();
    for (let i = 0; i < ids.length; i++) this.#index.set(ids[i]!, i);
  }

  /** Builds the vocabulary of the distinct ids in `ids` (any order, repeats allowed). */
  static fromIds(ids: ArrayLike<number>): Vocabulary {
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
    return this.#index.get(id) ?? -1;
  }

  /** True when the raw id is known. */
  has(id: number): boolean {
    return this.#index.has(id);
  }

  /** Raw id at a dense index (no bounds check in the hot path; returns undefined when out of range). */
  idAt(index: number): number {
    return this.ids[index]!;
  }

  /** Dense indices of many raw ids at once (-1 for unknown ones). */
  encode(ids: ArrayLike<number>): Int32Array {
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.#index.get(ids[i]!) ?? -1;
    return out;
  }
}
