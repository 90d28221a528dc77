/**
 * Why a factor model predicts what it predicts for a (user, movie) pair: the
 * bias terms of the prediction, and the user's rated movies that contribute
 * most to its interaction term.
 *
 * The shares come from the fold-in of the user's own ratings (see
 * `fold_in.ts`): the folded factors are a linear function of the ratings,
 * `p = W X^T y`, so the interaction term of movie `i` is exactly
 * `sum_j (x_i^T W x_j) y_j`, one share per rated movie (the explanation of
 * Hu, Koren and Volinsky, "Collaborative Filtering for Implicit Feedback
 * Datasets", 2008, section 5). The shares sum to the fold-in's interaction
 * term, which approximates the trained one (`foldInInteraction` beside
 * `terms.interaction` shows how closely).
 *
 * @module
 */
import type { FactorView } from "../core/factor_view.ts";
import type { Scorer } from "../core/model.ts";
import { foldIn, type FoldInOptions, itemIndexOf, type UserRatings } from "./fold_in.ts";

/** One rated movie and its share of the prediction. */
export interface Contribution {
  readonly movieId: number;
  /** The user's rating of that movie. */
  readonly rating: number;
  /** Its share of the interaction term (rating points; negative pulls down). */
  readonly contribution: number;
}

/** The explanation of one prediction. */
export interface Explanation {
  readonly userId: number;
  readonly movieId: number;
  /** The model's prediction, clipped to the rating scale. */
  readonly prediction: number;
  readonly scorer: Scorer;
  /** The additive terms of the unclipped prediction. */
  readonly terms: {
    readonly globalMean: number;
    readonly userBias: number;
    readonly itemBias: number;
    /** The user's mean rating (`svd`), else null. */
    readonly userMean: number | null;
    /** `p_u . q_i` of the trained factors. */
    readonly interaction: number;
  };
  /** The fold-in's interaction term: the sum of all contributions (plus the user bias share). */
  readonly foldInInteraction: number;
  /** Largest contributions by absolute value, largest first. */
  readonly contributions: Contribution[];
}

/** Options of {@linkcode explain}. */
export interface ExplainOptions extends FoldInOptions {
  /** How many contributions to return. Default 5. */
  readonly k?: number;
}

/** Row of a raw user id, or -1 (binary search over the ascending ids). */
function _userIndexOf(view: FactorView, userId: number): number {
  const ids = view.userIds;
  let lo = 0, hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v === userId) return mid;
    if (v < userId) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Explains the prediction of a known user for a known movie, given the user's
 * training ratings. Returns null when the model knows the user or the movie not.
 *
 * @example
 * ```ts
 * import { explain } from "./explain.ts";
 * import type { FactorView } from "../core/factor_view.ts";
 * const view: FactorView = {
 *   k: 1, userIds: Int32Array.of(1), itemIds: Int32Array.of(10, 20, 30),
 *   userFactors: Float32Array.of(1), itemFactors: Float32Array.of(1, -1, 0.9),
 *   itemNorms: Float32Array.of(1, 1, 0.9), userBias: Float32Array.of(0),
 *   itemBias: Float32Array.of(0, 0, 0), globalMean: 3, ratingScale: [1, 5], regularization: 0.01,
 * };
 * const e = explain(view, 1, 30, { movieIds: [10, 20], ratings: [5, 1] });
 * if (e === null || e.contributions.length !== 2) throw new Error("expected two shares");
 * ```
 */
export function explain(
  view: FactorView,
  userId: number,
  movieId: number,
  userRatings: UserRatings,
  options: ExplainOptions = {},
): Explanation | null {
  const u = _userIndexOf(view, userId);
  const i = itemIndexOf(view, movieId);
  if (u < 0 || i < 0) return null;
  const k = view.k;
  let interaction = 0;
  for (let f = 0; f < k; f++) {
    interaction += view.userFactors[u * k + f]! * view.itemFactors[i * k + f]!;
  }
  const userBias = view.userBias ? view.userBias[u]! : 0;
  const itemBias = view.itemBias ? view.itemBias[i]! : 0;
  const userMean = view.userMean ? view.userMean[u]! : null;
  const base = userMean ?? view.globalMean + userBias;
  const raw = base + itemBias + interaction;
  const [lo, hi] = view.ratingScale;
  const prediction = raw < lo ? lo : raw > hi ? hi : raw;

  const folded = foldIn(view, userRatings, options);
  const shares = folded.influence(i);
  let foldInInteraction = 0;
  const order: number[] = [];
  for (let j = 0; j < shares.length; j++) {
    foldInInteraction += shares[j]!;
    order.push(j);
  }
  const top = Math.max(0, Math.min(options.k ?? 5, shares.length));
  order.sort((a, b) => Math.abs(shares[b]!) - Math.abs(shares[a]!) || a - b);
  const contributions: Contribution[] = [];
  for (let t = 0; t < top; t++) {
    const j = order[t]!;
    const row = folded.itemIndices[j]!;
    contributions.push({
      movieId: view.itemIds[row]!,
      rating: folded.ratings[j]!,
      contribution: shares[j]!,
    });
  }
  return {
    userId,
    movieId,
    prediction,
    scorer: "model",
    terms: { globalMean: view.globalMean, userBias, itemBias, userMean, interaction },
    foldInInteraction,
    contributions,
  };
}
