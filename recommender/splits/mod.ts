/**
 * Seeded, pure train/test splits over {@linkcode Ratings}: each returns
 * row-index folds and reports the users and movies seen only in a test set.
 *
 * @module
 */
export { makeFold, type Split, type SplitFold, type SplitKind } from "./fold.ts";
export { randomSplit, type RandomSplitOptions } from "./random_split.ts";
export { temporalSplit, type TemporalSplitOptions } from "./temporal_split.ts";
export { leaveLastNSplit, type LeaveLastNSplitOptions } from "./leave_last_n_split.ts";
export { kFoldSplit, type KFoldSplitOptions } from "./kfold_split.ts";
export { predefinedSplit, type RatingsPair } from "./predefined_split.ts";
export { coldMoviesSplit, type ColdMoviesSplitOptions } from "./cold_movies_split.ts";
