/**
 * Evaluation metrics: small pure functions, one per file, each with a
 * `label`. Pointwise metrics take paired `actual` / `predicted` columns;
 * ranking metrics take one user's ranked list and that user's relevant set
 * (test ratings at or above a threshold) and are averaged over users by
 * `recommender/evaluation/evaluation.ts`.
 *
 * @module
 */
export { rmse } from "./rmse.ts";
export { mae } from "./mae.ts";
export { explainedVariance } from "./explained_variance.ts";
export { fcp } from "./fcp.ts";
export { precisionAtK } from "./precision_at_k.ts";
export { recallAtK } from "./recall_at_k.ts";
export { ndcgAtK } from "./ndcg_at_k.ts";
export { averagePrecisionAtK } from "./map_at_k.ts";
export { hitAtK } from "./hit_rate_at_k.ts";
export { catalogCoverage } from "./coverage.ts";
export { coldStartRate } from "./cold_start_rate.ts";
export { popularityBias } from "./popularity_bias.ts";
export { histogram, type HistogramBin, type HistogramOptions } from "./histogram.ts";
export { type ConfidenceInterval, confidenceInterval } from "./confidence_interval.ts";
