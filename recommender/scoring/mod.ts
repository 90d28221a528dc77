/**
 * Turning a fitted model into answers: all-items scoring, top-k selection, the popular list
 * and cold-start fallback, fold-in of new users, explanations.
 *
 * @module
 */
export { TopK } from "./top_k.ts";
export { ItemScorer, type UserVector } from "./item_scorer.ts";
export { rankScores, type RankScoresOptions } from "./rank_scores.ts";
export {
  type PopularConfig,
  popularConfigSchema,
  PopularList,
  weightedRating,
} from "./popular_list.ts";
export {
  type ServedPrediction,
  type ServedRecommendations,
  ServingModel,
  type ServingOptions,
  withFallback,
} from "./fallback.ts";
