/**
 * The default `minRatings` of the ranked lists: only movies with at least
 * this many training ratings are recommended. Rating-prediction models give a
 * movie rated 5 by one person a high predicted rating, so without a floor
 * their top-N lists are full of obscure titles. The value was chosen by
 * `bench/min_ratings.ts` on a validation split carved (seeded) from the
 * training ratings of ml-latest-small, never the test set: it maximises
 * NDCG@10 averaged over biased-mf, als and svd (`reports/bench/min_ratings.md`).
 * The evaluate stage and the API both default to it.
 *
 * @module
 */

/** Default minimum number of training ratings of a recommended movie. */
export const DEFAULT_MIN_RATINGS = 50;
