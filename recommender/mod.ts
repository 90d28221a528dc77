/**
 * The recommender core's public surface: the ratings table, the model
 * interface, the models, the registry, cold-start fallback and factor access.
 *
 * @module
 */
export * from "./ratings.ts";
export type * from "./model.ts";
export type { FactorView } from "./factor_view.ts";
export { Vocabulary } from "./vocabulary.ts";
export { buildCsr, type CsrMatrix, transposeCsr } from "./csr.ts";
export { TopK } from "./top_k.ts";
export { Prng } from "./prng.ts";
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
export { GlobalMean, globalMeanConfigSchema } from "./global_mean.ts";
export {
  type BaselineConfig,
  baselineConfigSchema,
  BaselineOnly,
  fitBiases,
} from "./baseline_only.ts";
export { Popularity, popularityConfigSchema } from "./popularity_model.ts";
export {
  TruncatedSVD,
  type TruncatedSvdConfig,
  truncatedSvdConfigSchema,
} from "./truncated_svd.ts";
export { BiasedMF, type BiasedMfConfig, biasedMfConfigSchema } from "./biased_mf.ts";
export { ALS, type AlsConfig, alsConfigSchema } from "./als.ts";
export { Blend, type BlendConfig, blendConfigSchema, type BlendFactory } from "./blend.ts";
export type * from "./ranking_recommender.ts";
export { EASE, type EaseConfig, easeConfigSchema } from "./ease.ts";
export { ItemKNN, type ItemKnnConfig, itemKnnConfigSchema } from "./item_knn.ts";
export {
  PopularCount,
  type PopularCountConfig,
  popularCountConfigSchema,
} from "./popular_count.ts";
export { IALS, type IalsConfig, ialsConfigSchema } from "./ials.ts";
export { BPR, type BprConfig, bprConfigSchema } from "./bpr.ts";
export {
  createModel,
  describeModels,
  loadModel,
  modelConfigSchema,
  type ModelName,
  modelNames,
  modelNameSchema,
  type RegisteredModel,
} from "./model_registry.ts";
export * from "./metrics/mod.ts";
export * from "./splits/mod.ts";
export {
  combineFolds,
  evaluateModel,
  type EvaluationOptions,
  type EvaluationResult,
  type FoldSummary,
  metricKeys,
} from "./evaluation.ts";
