/**
 * Hyper-parameter search over the zod-declared ranges of model configs
 * (`deno task tune`): the search space read from a config schema and the
 * seeded random search with early stopping on the holdout.
 *
 * @module
 */
export {
  isBetter,
  type TrialResult,
  type TuneMetric,
  tuneModel,
  type TuneOptions,
  type TuneResult,
} from "./tuner.ts";
export {
  type ChoiceDimension,
  type NumberDimension,
  sampleConfig,
  type SearchDimension,
  searchSpace,
} from "./search_space.ts";
