/**
 * The data structures and interfaces every model shares: the ratings table, ids, sparse
 * matrices, the model interfaces, the seeded PRNG, model blobs.
 *
 * @module
 */
export * from "./ratings.ts";
export type * from "./model.ts";
export type { FactorView } from "./factor_view.ts";
export { Vocabulary } from "./vocabulary.ts";
export { buildCsr, type CsrMatrix, transposeCsr } from "./csr.ts";
export { Prng } from "./prng.ts";
export type * from "./ranking_recommender.ts";
