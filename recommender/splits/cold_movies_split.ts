/**
 * Cold-movies split: whole movies held out, so every test rating is of a
 * movie the model never saw in training (the case a content model exists for).
 *
 * @module
 */
import { Prng } from "../core/prng.ts";
import { type Ratings, ratingsLength } from "../core/ratings.ts";
import { _checkFraction, _checkSeed } from "./_check.ts";
import { makeFold, type Split } from "./fold.ts";

/** Options of {@linkcode coldMoviesSplit}. */
export interface ColdMoviesSplitOptions {
  /** Share of the rated movies held out, with all their ratings, in (0, 1). Default 0.2. */
  readonly testFraction?: number;
  /** PRNG seed of the movie draw. Default 42. */
  readonly seed?: number;
}

/**
 * Draws `round(movies * testFraction)` of the distinct rated movies uniformly
 * at random (a seeded shuffle of the ascending movie ids) and puts every
 * rating of those movies in the test set. The share of test RATINGS follows
 * from which movies are drawn (about `testFraction` on average, since a movie
 * is drawn regardless of its rating count). Users whose every rating lands in
 * the test set are reported as cold, like the held-out movies.
 *
 * @example
 * ```ts
 * import { coldMoviesSplit } from "./cold_movies_split.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const r = ratingsFromColumns({ userId: [1, 2, 1, 2, 3], movieId: [1, 1, 2, 2, 3], rating: [1, 2, 3, 4, 5] });
 * const fold = coldMoviesSplit(r, { testFraction: 0.34, seed: 1 }).folds[0]!;
 * if (fold.coldMovies.length !== 1 || fold.coldTestRows !== fold.test.length) throw new Error();
 * ```
 */
export function coldMoviesSplit(ratings: Ratings, options: ColdMoviesSplitOptions = {}): Split {
  const testFraction = options.testFraction ?? 0.2;
  const seed = options.seed ?? 42;
  _checkFraction("cold-movies", testFraction);
  _checkSeed("cold-movies", seed);
  const movies = Int32Array.from(new Set(ratings.movieId)).sort();
  const nTestMovies = Math.round(movies.length * testFraction);
  if (nTestMovies < 1 || nTestMovies > movies.length - 1) {
    throw new RangeError(
      `Cannot make cold-movies split: ${movies.length} movies with testFraction ${testFraction} leave no movie on one side; use more movies or another fraction`,
    );
  }
  new Prng(seed).shuffle(movies);
  const held = new Set(movies.subarray(0, nTestMovies));
  const train: number[] = [], test: number[] = [];
  const n = ratingsLength(ratings);
  for (let e = 0; e < n; e++) (held.has(ratings.movieId[e]!) ? test : train).push(e);
  return {
    kind: "cold-movies",
    ratings,
    folds: [makeFold(ratings, Int32Array.from(train), Int32Array.from(test))],
  };
}
