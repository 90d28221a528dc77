/**
 * Read-only access to a fitted factor model's parameters, for code that works
 * on top of the factors (API fold-in of new users, explanations).
 *
 * @module
 */

/**
 * The factors of a fitted model. A prediction for known user `u` and movie `i` is
 * `base_u + itemBias[i] + dot(userFactors[u], itemFactors[i])`, where `base_u` is
 * `userMean[u]` for `svd` and `globalMean + userBias[u]` for the biased models;
 * the result is clipped to `ratingScale`.
 */
export interface FactorView {
  /** Number of latent factors. */
  readonly k: number;
  /** Raw user id of each user row (ascending). */
  readonly userIds: Int32Array;
  /** Raw movie id of each item row (ascending). */
  readonly itemIds: Int32Array;
  /** `nUsers * k`, row-major. */
  readonly userFactors: Float32Array;
  /** `nItems * k`, row-major. */
  readonly itemFactors: Float32Array;
  /** Euclidean norm of each item row (for cosine similarity). */
  readonly itemNorms: Float32Array;
  /** Per-user bias (biased models). */
  readonly userBias?: Float32Array;
  /** Per-item bias (biased models). */
  readonly itemBias?: Float32Array;
  /** Per-user mean rating (`svd`). */
  readonly userMean?: Float32Array;
  readonly globalMean: number;
  readonly ratingScale: readonly [number, number];
  /** L2 regularization of the factors used in training (0 for `svd`); fold-in uses it. */
  readonly regularization: number;
}
