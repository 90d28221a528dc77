/**
 * The recommender core's public surface, one folder per idea:
 * - `core/`: the ratings table, id vocabularies, sparse matrices, the model
 *   interfaces, model blobs, the seeded PRNG;
 * - `models/`: every model, the registry and the one training procedure;
 * - `kernels/`: WebAssembly SIMD (WAT) and ALS/iALS solves, their threads;
 * - `scoring/`: all-items scoring, top-k, popular list and cold-start
 *   fallback, fold-in, explanations, the serving bundle;
 * - `evaluation/`: offline evaluation, holdout validation, the support floor;
 * - `metrics/`, `splits/`: the metrics and the train/test splitters;
 * - `tuning/`: hyper-parameter search.
 * Pure computation: no file is read here and nothing goes on the network.
 *
 * @module
 */
export * from "./core/mod.ts";
export * from "./models/mod.ts";
export * from "./scoring/mod.ts";
export * from "./evaluation/mod.ts";
export * from "./kernels/mod.ts";
export * from "./tuning/mod.ts";
export * from "./metrics/mod.ts";
export * from "./splits/mod.ts";
