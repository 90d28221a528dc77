/**
 * The surface of the ranking models (`ease`, `ials`, `item-knn`, `bpr`,
 * `popular-count`): the common {@linkcode Recommender} interface plus what a
 * model trained on which movies users rated (implicit feedback) offers beyond
 * it: recommendations for a new user from a handful of ratings without
 * retraining, the model's own ranking score of one pair, and (item models)
 * the rated movies that explain a recommendation.
 *
 * These models rank; they do not predict ratings. Their `predict()` answers
 * with the bias baseline fitted on the same training ratings (scorer
 * `"baseline"`, or `"global-mean"` when neither id is known), so rating
 * metrics stay defined and say honestly who answered; {@linkcode RankingRecommender.score}
 * gives the model's own score, which is not on the rating scale.
 *
 * @module
 */
import type { Recommender, RecommendOptions, ScoredMovie, Scorer } from "./model.ts";
import type { UserRatings } from "../scoring/fold_in.ts";

export type { UserRatings } from "../scoring/fold_in.ts";

/** A ranked list for ratings given at request time (a user the model never saw). */
export interface RatingsRecommendations {
  readonly ok: true;
  /** Best first; the scores are the model's ranking scores, not ratings. */
  readonly items: ScoredMovie[];
  /**
   * `"model"`, or `"popularity"` when none of the given ratings is a positive
   * the model knows (the list is then the most-rated movies).
   */
  readonly scorer: Scorer;
  /** How many given movies counted as positives (known and at or above `positiveThreshold`). */
  readonly positives: number;
  /** Given movie ids the model does not know (ignored). */
  readonly unknownMovieIds: number[];
}

/** A ranking score of one (user, movie) pair; null when the model cannot score it. */
export interface RankingScore {
  readonly userId: number;
  readonly movieId: number;
  /** The model's ranking score: higher ranks first; NOT on the rating scale. */
  readonly score: number | null;
  readonly scorer: Scorer;
}

/** One rated movie and its weight in a recommendation's score. */
export interface ItemContribution {
  readonly movieId: number;
  /** The user's rating of that movie. */
  readonly rating: number;
  /** Its additive share of the score (a similarity or an EASE weight; negative pulls down). */
  readonly weight: number;
}

/** Why an item model scores a movie as it does for a user. */
export interface ItemExplanation {
  /** The explained user; null for ratings given at request time. */
  readonly userId: number | null;
  readonly movieId: number;
  /** The model's ranking score of the movie (the sum of all contributions, plus self terms). */
  readonly score: number;
  /** The largest contributions by absolute weight, largest first. */
  readonly contributions: ItemContribution[];
}

/** Options of {@linkcode RankingRecommender.recommendForRatings}. */
export interface RecommendForRatingsOptions extends RecommendOptions {
  // `excludeSeen` (default true) leaves out every given movie.
}

/** Options of the item models' `explain`. */
export interface ExplainItemOptions {
  /** How many contributions to return. Default 5. */
  readonly k?: number;
}

/** A model trained for top-N ranking (see the module doc). */
export interface RankingRecommender extends Recommender {
  /** Always `"ranking"`: pick rating champions among the other models. */
  readonly task: "ranking";
  /** The model's own ranking score of a pair (not a rating). */
  score(userId: number, movieId: number): RankingScore;
  /**
   * Top-`k` for a user given by their ratings (a new user, or a known one
   * with fresher ratings), scored as the model scores training users:
   * `ease` and `item-knn` score the rated movies directly, `ials` folds the
   * user in with one solve, `bpr` with a short seeded SGD, `popular-count`
   * ignores them but for `excludeSeen`.
   */
  recommendForRatings(
    ratings: UserRatings,
    k: number,
    options?: RecommendForRatingsOptions,
  ): RatingsRecommendations;
}
