/**
 * The shape of the benches' synthetic data sets: `n` ratings with ml-25m's
 * ratings per user and a catalog that grows like MovieLens' (ml-1m 3.7k ...
 * ml-25m 59k movies), as `generateSynthetic` params. One home, so every bench
 * at "25M" measures the same data.
 *
 * @module
 */
import { generateSynthetic, type SyntheticParams } from "../stages/etl/synthetic.ts";
import { ratingsFromFrame } from "../stages/ratings_frame.ts";
import type { Ratings } from "../recommender/core/ratings.ts";

/** ml-25m: 25,000,095 ratings / 162,541 users. */
export const RATINGS_PER_USER = 154;

/**
 * The generator params of a synthetic set of about `n` ratings (seed 42).
 *
 * @example
 * ```ts
 * import { syntheticSize } from "./_synthetic_size.ts";
 * const p = syntheticSize(25e6);
 * if (p.users !== 162338 || p.movies !== 58943) throw new Error("not ml-25m's shape");
 * ```
 */
export function syntheticSize(n: number): SyntheticParams {
  return {
    users: Math.max(1, Math.round(n / RATINGS_PER_USER)),
    movies: Math.round(3700 * (n / 1e6) ** 0.86),
    ratingsPerUser: RATINGS_PER_USER,
    factors: 8,
    noise: 0.6,
    seed: 42,
  };
}

/** Generates the synthetic set of about `n` ratings as a ratings table (and the generator's seconds). */
export function syntheticRatings(n: number): { ratings: Ratings; seconds: number; movies: number } {
  const size = syntheticSize(n);
  const t0 = performance.now();
  const { ratings } = generateSynthetic(size);
  const seconds = (performance.now() - t0) / 1000;
  return { ratings: ratingsFromFrame(ratings), seconds, movies: size.movies };
}
