/**
 * Fold-in: places a user the model never saw into its factor space from a
 * few ratings, by least squares against the fixed item factors. Real cold
 * start without retraining.
 *
 * Two cases, matching how the model was trained:
 * - biased models (`userBias`/`itemBias`, e.g. biased-mf, als): solve
 *   `min sum_j (r_j - mu - b_j - b_u - p.q_j)^2 + lambda n (|p|^2 + b_u^2)`
 *   over the rated movies only, for the user's factors `p` and bias `b_u`;
 *   `lambda` is the model's regularization, scaled by the number of ratings as
 *   per-rating SGD/ALS-WR regularization is.
 * - `svd` (a `userMean` per user, missing entries are zeros of the
 *   mean-centred matrix): the base is the user's mean rating and
 *   `p = (Q^T Q + lambda I)^-1 Q^T y` where `y` holds the centred ratings and
 *   zeros elsewhere, i.e. least squares over the whole row, as the SVD saw it.
 *
 * Either way `p = W X^T y` for a fixed matrix `W`, so the interaction term of
 * any movie splits exactly into one share per rated movie
 * ({@linkcode FoldIn.influence}), which `explain.ts` uses.
 *
 * @module
 */
import type { FactorView } from "../core/factor_view.ts";
import { _choleskyInPlace, _choleskySolveInPlace } from "../kernels/_cholesky.ts";

/** Ratings of one user: parallel arrays of raw movie ids and values. */
export interface UserRatings {
  readonly movieIds: ArrayLike<number>;
  readonly ratings: ArrayLike<number>;
}

/** Options of {@linkcode foldIn}. */
export interface FoldInOptions {
  /**
   * Per-rating L2 regularization of the new user's parameters. Default: the
   * model's own, at least 0.02 for biased models (a handful of ratings needs some).
   */
  readonly regularization?: number;
}

/** A folded-in user. */
export interface FoldIn {
  /** `"observed"` (biased models) or `"dense"` (svd). */
  readonly mode: "observed" | "dense";
  /** The user's latent factors (length `view.k`). */
  readonly factors: Float32Array;
  /** The user's bias (0 in dense mode). */
  readonly bias: number;
  /**
   * The user's base: `globalMean + bias` (observed) or the mean of the given
   * ratings (dense). A prediction is `base + itemBias[i] + factors . q_i`.
   */
  readonly base: number;
  /** Item rows of the ratings that were used, in input order. */
  readonly itemIndices: Int32Array;
  /** The rating of each used movie (after deduplication), in `itemIndices` order. */
  readonly ratings: Float64Array;
  /** The centred target of each used rating (what the factors explain). */
  readonly residuals: Float64Array;
  /** Movie ids the model does not know (ignored). */
  readonly unknownMovieIds: number[];
  /**
   * For item row `i`: the share of each used rating in the interaction term
   * (`bias + factors . q_i` observed, `factors . q_i` dense). They sum to it.
   */
  influence(itemIndex: number): Float64Array;
}

const _gramCache = new WeakMap<Float32Array, Float64Array>();

/** `Q^T Q` of all item rows (cached per factor array). */
function _itemGram(view: FactorView): Float64Array {
  const cached = _gramCache.get(view.itemFactors);
  if (cached) return cached;
  const k = view.k;
  const q = view.itemFactors;
  const g = new Float64Array(k * k);
  const nI = view.itemIds.length;
  for (let i = 0; i < nI; i++) {
    const o = i * k;
    for (let a = 0; a < k; a++) {
      const qa = q[o + a]!;
      if (qa === 0) continue;
      const ra = a * k;
      for (let b = a; b < k; b++) g[ra + b]! += qa * q[o + b]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) g[a * k + b] = g[b * k + a]!;
  _gramCache.set(view.itemFactors, g);
  return g;
}

/** Item row of a raw movie id, or -1 (binary search over the ascending ids). */
export function itemIndexOf(view: FactorView, movieId: number): number {
  const ids = view.itemIds;
  let lo = 0, hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v === movieId) return mid;
    if (v < movieId) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Folds a new user into the factor space of `view`.
 *
 * Ratings of unknown movies are skipped (listed in `unknownMovieIds`); a
 * movie rated twice counts once, with its last rating. With no known movie
 * the factors are zero and the base is the global mean.
 *
 * @example
 * ```ts
 * import { foldIn } from "./fold_in.ts";
 * import type { FactorView } from "../core/factor_view.ts";
 * const view: FactorView = {
 *   k: 1, userIds: Int32Array.of(1), itemIds: Int32Array.of(10, 20),
 *   userFactors: Float32Array.of(1), itemFactors: Float32Array.of(1, -1),
 *   itemNorms: Float32Array.of(1, 1), userBias: Float32Array.of(0), itemBias: Float32Array.of(0, 0),
 *   globalMean: 3, ratingScale: [1, 5], regularization: 0.01,
 * };
 * const user = foldIn(view, { movieIds: [10, 20], ratings: [5, 1] });
 * if (!(user.factors[0]! > 1.5)) throw new Error("a fan of movie 10 should get a positive factor");
 * ```
 */
export function foldIn(
  view: FactorView,
  ratings: UserRatings,
  options: FoldInOptions = {},
): FoldIn {
  const n = ratings.movieIds.length;
  if (ratings.ratings.length !== n) {
    throw new RangeError(
      `Cannot fold in user: ${n} movie ids but ${ratings.ratings.length} ratings`,
    );
  }
  const k = view.k;
  const dense = view.userMean !== undefined && view.userBias === undefined;
  // Deduplicate (last rating wins), drop unknown movies.
  const byItem = new Map<number, number>();
  const unknownMovieIds: number[] = [];
  for (let j = 0; j < n; j++) {
    const r = ratings.ratings[j]!;
    if (!Number.isFinite(r)) {
      throw new RangeError(`Cannot fold in user: rating ${j} is ${r}, expected a number`);
    }
    const i = itemIndexOf(view, ratings.movieIds[j]!);
    if (i < 0) unknownMovieIds.push(ratings.movieIds[j]!);
    else {
      byItem.delete(i);
      byItem.set(i, r);
    }
  }
  const m = byItem.size;
  const itemIndices = new Int32Array(m);
  const raw = new Float64Array(m);
  let t = 0;
  for (const [i, r] of byItem) {
    itemIndices[t] = i;
    raw[t++] = r;
  }
  const q = view.itemFactors;
  const itemBias = view.itemBias;
  const residuals = new Float64Array(m);
  let base = view.globalMean;
  if (dense) {
    if (m > 0) {
      let s = 0;
      for (let j = 0; j < m; j++) s += raw[j]!;
      base = s / m;
    }
    for (let j = 0; j < m; j++) residuals[j] = raw[j]! - base;
  } else {
    for (let j = 0; j < m; j++) {
      residuals[j] = raw[j]! - view.globalMean - (itemBias ? itemBias[itemIndices[j]!]! : 0);
    }
  }
  // Normal equations over d unknowns: the k factors (+ the bias in observed mode).
  const d = dense ? k : k + 1;
  const a = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  if (dense) {
    a.set(_itemGram(view));
    let trace = 0;
    for (let f = 0; f < k; f++) trace += a[f * d + f]!;
    const lambda = Math.max(options.regularization ?? view.regularization, 0) +
      1e-6 * (trace / Math.max(1, k) || 1);
    for (let f = 0; f < k; f++) a[f * d + f]! += lambda;
  } else {
    for (let j = 0; j < m; j++) {
      const o = itemIndices[j]! * k;
      for (let x = 0; x < k; x++) {
        const qx = q[o + x]!;
        const rx = x * d;
        for (let y = x; y < k; y++) a[rx + y]! += qx * q[o + y]!;
        a[rx + k]! += qx; // bias column: feature 1
      }
    }
    a[k * d + k] = m;
    for (let x = 0; x < d; x++) for (let y = 0; y < x; y++) a[x * d + y] = a[y * d + x]!;
    const perRating = options.regularization ?? Math.max(view.regularization, 0.02);
    const lambda = perRating * Math.max(1, m);
    for (let x = 0; x < d; x++) a[x * d + x]! += lambda;
  }
  for (let j = 0; j < m; j++) {
    const o = itemIndices[j]! * k;
    const y = residuals[j]!;
    for (let x = 0; x < k; x++) rhs[x]! += q[o + x]! * y;
    if (!dense) rhs[k]! += y;
  }
  _choleskyInPlace(a, d);
  const w = Float64Array.from(rhs);
  _choleskySolveInPlace(a, w, d);
  const factors = new Float32Array(k);
  for (let f = 0; f < k; f++) factors[f] = w[f]!;
  const bias = dense ? 0 : w[k]!;
  if (!dense) base = view.globalMean + bias;

  return {
    mode: dense ? "dense" : "observed",
    factors,
    bias,
    base,
    itemIndices,
    ratings: raw,
    residuals,
    unknownMovieIds,
    influence(itemIndex: number): Float64Array {
      // z = W x_i, share_j = (z . x_j) y_j
      const z = new Float64Array(d);
      const o = itemIndex * k;
      for (let f = 0; f < k; f++) z[f] = q[o + f]!;
      if (!dense) z[k] = 1;
      _choleskySolveInPlace(a, z, d);
      const out = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        const oj = itemIndices[j]! * k;
        let s = dense ? 0 : z[k]!;
        for (let f = 0; f < k; f++) s += z[f]! * q[oj + f]!;
        out[j] = s * residuals[j]!;
      }
      return out;
    },
  };
}
