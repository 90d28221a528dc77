/**
 * A synthetic ratings table for the split tests (private to `splits/`):
 * users with 1 to 40 ratings, timestamps with many ties.
 *
 * @module
 */
import { Prng } from "../core/prng.ts";
import { type Ratings, ratingsFromColumns } from "../core/ratings.ts";

/** Builds `users` users with varied counts; timestamps fall on a coarse grid so they tie. */
export function _testRatings(users = 60, seed = 3): Ratings {
  const rng = new Prng(seed);
  const userId: number[] = [];
  const movieId: number[] = [];
  const rating: number[] = [];
  const timestamp: number[] = [];
  for (let u = 1; u <= users; u++) {
    const count = 1 + rng.below(40);
    const seen = new Set<number>();
    while (seen.size < count) seen.add(1 + rng.below(200));
    for (const m of seen) {
      userId.push(u * 7);
      movieId.push(m);
      rating.push(0.5 + 0.5 * rng.below(10));
      timestamp.push(1_000_000 + 3600 * rng.below(50));
    }
  }
  return ratingsFromColumns({ userId, movieId, rating, timestamp });
}

/** True when `a` and `b` hold the same values in the same order. */
export function _sameRows(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
