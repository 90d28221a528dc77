/**
 * Fraction of concordant pairs (FCP), computed per user exactly as Surprise's
 * `accuracy.fcp`.
 *
 * @module
 */
import { rowsById } from "../core/id_counts.ts";

/**
 * FCP: within each user, an ordered pair of test ratings (i, j) is concordant
 * when `actual_i > actual_j` and `predicted_i > predicted_j`, and discordant
 * when `actual_i < actual_j` and `predicted_i >= predicted_j`. The result is
 * `nc / (nc + nd)` where `nc` is the mean concordant count over the users that
 * have at least one concordant pair, and `nd` likewise for discordant pairs (the
 * Surprise definition, kept so numbers compare). NaN when there are no pairs.
 *
 * @example
 * ```ts
 * import { fcp } from "./fcp.ts";
 * // user 1 ranks 3 ratings perfectly: 3 concordant pairs, no discordant one
 * if (fcp([1, 1, 1], [1, 2, 3], [1.5, 2.5, 3.5]) !== 1) throw new Error("wrong fcp");
 * ```
 */
export function fcp(
  userId: ArrayLike<number>,
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): number {
  const n = userId.length;
  if (actual.length !== n || predicted.length !== n) {
    throw new RangeError(
      `Cannot compute FCP: userId, actual and predicted differ in length (${n}, ${actual.length}, ${predicted.length})`,
    );
  }
  // Group rows by user: sort row indices by user id.
  const order = rowsById(userId);
  let ncSum = 0;
  let ncUsers = 0;
  let ndSum = 0;
  let ndUsers = 0;
  let start = 0;
  const counter = new _PairCounter();
  while (start < n) {
    const u = userId[order[start]!]!;
    let end = start + 1;
    while (end < n && userId[order[end]!]! === u) end++;
    const [nc, nd] = end - start <= _QUADRATIC_MAX
      ? _countPairs(order, start, end, actual, predicted)
      : counter.count(order, start, end, actual, predicted);
    if (nc > 0) {
      ncSum += nc;
      ncUsers++;
    }
    if (nd > 0) {
      ndSum += nd;
      ndUsers++;
    }
    start = end;
  }
  const ncMean = ncUsers > 0 ? ncSum / ncUsers : 0;
  const ndMean = ndUsers > 0 ? ndSum / ndUsers : 0;
  return ncMean + ndMean === 0 ? NaN : ncMean / (ncMean + ndMean);
}

/** Display label. */
fcp.label = "FCP";

/**
 * Users with at most this many test ratings are counted pair by pair; above
 * it the sort-based count wins (a heavy user's thousands of ratings are
 * millions of pairs).
 */
const _QUADRATIC_MAX = 32;

/** Concordant and discordant ordered pairs of one user's rows `order[start..end)`, pair by pair. */
function _countPairs(
  order: Int32Array,
  start: number,
  end: number,
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): [number, number] {
  let nc = 0;
  let nd = 0;
  for (let a = start; a < end; a++) {
    const i = order[a]!;
    const ri = actual[i]!;
    const ei = predicted[i]!;
    for (let b = start; b < end; b++) {
      const j = order[b]!;
      const rj = actual[j]!;
      const ej = predicted[j]!;
      if (ei > ej && ri > rj) nc++;
      if (ei >= ej && ri < rj) nd++;
    }
  }
  return [nc, nd];
}

/**
 * The same two counts in O(n log n). Every unordered pair with different
 * actual ratings is exactly one of concordant (the higher-rated row also has
 * the higher prediction) or discordant (its prediction is lower or equal),
 * and a pair with equal actual ratings is neither; so `nd` is the pairs with
 * different ratings minus `nc`. `nc` counts, over the rows in order of
 * prediction (rows with equal predictions in one step), the rows already seen
 * (strictly lower prediction) with a strictly lower rating, with a Fenwick
 * tree over the ranks of the user's distinct ratings. Integer counts, so the
 * same numbers as {@linkcode _countPairs}; a user with a NaN rating or
 * prediction (for which neither comparison holds) is counted pair by pair.
 */
class _PairCounter {
  #rows = new Int32Array(0);
  #values = new Float64Array(0);
  #tree = new Int32Array(0);

  count(
    order: Int32Array,
    start: number,
    end: number,
    actual: ArrayLike<number>,
    predicted: ArrayLike<number>,
  ): [number, number] {
    const m = end - start;
    if (this.#rows.length < m) {
      this.#rows = new Int32Array(m);
      this.#values = new Float64Array(m);
      this.#tree = new Int32Array(m + 1);
    }
    const rows = this.#rows.subarray(0, m);
    const values = this.#values.subarray(0, m);
    for (let a = 0; a < m; a++) {
      const i = order[start + a]!;
      const r = actual[i]!, e = predicted[i]!;
      if (Number.isNaN(r) || Number.isNaN(e)) {
        return _countPairs(order, start, end, actual, predicted);
      }
      rows[a] = i;
      values[a] = r;
    }
    // The user's distinct ratings, ascending; and the pairs with equal ratings.
    values.sort();
    let distinct = 0;
    let tiedPairs = 0;
    for (let a = 0; a < m;) {
      let b = a + 1;
      while (b < m && values[b] === values[a]) b++;
      tiedPairs += ((b - a) * (b - a - 1)) / 2;
      values[distinct++] = values[a]!;
      a = b;
    }
    const ranks = values.subarray(0, distinct);
    const tree = this.#tree;
    tree.fill(0, 0, distinct + 1);
    rows.sort((x, y) => predicted[x]! - predicted[y]!);
    let nc = 0;
    for (let a = 0; a < m;) {
      const e = predicted[rows[a]!]!;
      let b = a + 1;
      while (b < m && predicted[rows[b]!]! === e) b++;
      // rows[a..b) tie on the prediction: count against the lower ones, then add them.
      for (let x = a; x < b; x++) {
        for (let p = _rank(ranks, actual[rows[x]!]!); p > 0; p -= p & -p) nc += tree[p]!;
      }
      for (let x = a; x < b; x++) {
        for (let p = _rank(ranks, actual[rows[x]!]!) + 1; p <= distinct; p += p & -p) tree[p]!++;
      }
      a = b;
    }
    const differing = (m * (m - 1)) / 2 - tiedPairs;
    return [nc, differing - nc];
  }
}

/** Index of `value` in the ascending distinct `ranks` (it is there). */
function _rank(ranks: Float64Array, value: number): number {
  let lo = 0, hi = ranks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranks[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
