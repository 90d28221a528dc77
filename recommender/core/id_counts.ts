/**
 * How many times each id occurs in a column (distinct ids, membership,
 * counts), for the evaluation's passes over millions of ratings: a table
 * indexed by id when the ids are small non-negative integers (MovieLens'),
 * a Map otherwise. Also the rows of a column grouped by id in one counting
 * pass ({@linkcode rowsById}).
 *
 * @module
 */
import { _denseRange } from "./vocabulary.ts";

/** Counts of the ids of a column. */
export class IdCounts {
  /** Number of distinct ids. */
  readonly size: number;
  readonly #table: Int32Array | null;
  readonly #map: Map<number, number> | null;

  private constructor(size: number, table: Int32Array | null, map: Map<number, number> | null) {
    this.size = size;
    this.#table = table;
    this.#map = map;
  }

  /**
   * Counts the ids of `ids`.
   *
   * @example
   * ```ts
   * import { IdCounts } from "./id_counts.ts";
   * const c = IdCounts.of(Int32Array.of(7, 3, 7));
   * if (c.size !== 2 || c.count(7) !== 2 || c.has(4)) throw new Error("miscounted");
   * ```
   */
  static of(ids: ArrayLike<number>): IdCounts {
    const max = _smallIdsMax(ids);
    if (max !== null) {
      const table = new Int32Array(max + 1);
      let size = 0;
      for (let i = 0; i < ids.length; i++) if (table[ids[i]!]!++ === 0) size++;
      return new IdCounts(size, table, null);
    }
    const map = new Map<number, number>();
    for (let i = 0; i < ids.length; i++) map.set(ids[i]!, (map.get(ids[i]!) ?? 0) + 1);
    return new IdCounts(map.size, null, map);
  }

  /** Occurrences of `id` (0 when absent). */
  count(id: number): number {
    return this.#table ? (this.#table[id] ?? 0) : (this.#map!.get(id) ?? 0);
  }

  /** True when `id` occurs. */
  has(id: number): boolean {
    return this.count(id) > 0;
  }
}

/**
 * The rows `0..ids.length` ordered by id, ascending, and by row within an id
 * (what sorting them by `(ids[row], row)` gives), by counting when the ids
 * are small non-negative integers.
 *
 * @example
 * ```ts
 * import { rowsById } from "./id_counts.ts";
 * if (rowsById(Int32Array.of(5, 2, 5, 2)).join() !== "1,3,0,2") throw new Error("misordered");
 * ```
 */
export function rowsById(ids: ArrayLike<number>): Int32Array {
  const n = ids.length;
  const max = _smallIdsMax(ids);
  if (max === null) {
    const order = Int32Array.from({ length: n }, (_, e) => e);
    return order.sort((a, b) => ids[a]! - ids[b]! || a - b);
  }
  const start = new Int32Array(max + 2);
  for (let e = 0; e < n; e++) start[ids[e]! + 1]!++;
  for (let v = 0; v <= max; v++) start[v + 1]! += start[v]!;
  const order = new Int32Array(n);
  for (let e = 0; e < n; e++) order[start[ids[e]!]!++] = e;
  return order;
}

/** The largest id when every id is a small non-negative integer (a table pays), else null. */
function _smallIdsMax(ids: ArrayLike<number>): number | null {
  let max = -1;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (!((v | 0) === v && v >= 0)) return null;
    if (v > max) max = v;
  }
  return ids.length > 0 && _denseRange(max, ids.length) ? max : null;
}
