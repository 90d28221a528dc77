/**
 * Offline evaluation of a fitted model, holdout validation for model choice, the support floor.
 *
 * @module
 */
export {
  combineFolds,
  evaluateModel,
  type EvaluationOptions,
  type EvaluationResult,
  type FoldSummary,
  metricKeys,
} from "./evaluation.ts";
