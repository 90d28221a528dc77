import assert from "node:assert/strict";
import { coldMoviesSplit } from "./cold_movies_split.ts";
import { ratingsFromColumns } from "../core/ratings.ts";

const ratings = ratingsFromColumns({
  userId: Array.from({ length: 200 }, (_, e) => 1 + (e % 17)),
  movieId: Array.from({ length: 200 }, (_, e) => 100 + (e % 40)),
  rating: Array.from({ length: 200 }, (_, e) => 1 + (e % 5)),
});

Deno.test("coldMoviesSplit() holds out whole movies: no test movie has a training rating", () => {
  const fold = coldMoviesSplit(ratings, { testFraction: 0.25, seed: 3 }).folds[0]!;
  const trainMovies = new Set(Array.from(fold.train, (e) => ratings.movieId[e]!));
  const testMovies = new Set(Array.from(fold.test, (e) => ratings.movieId[e]!));
  assert.equal(testMovies.size, 10);
  for (const m of testMovies) assert.ok(!trainMovies.has(m));
  assert.deepEqual([...fold.coldMovies], [...testMovies].sort((a, b) => a - b));
  assert.equal(fold.coldTestRows, fold.test.length);
  assert.equal(fold.train.length + fold.test.length, 200);
});

Deno.test("coldMoviesSplit() is seeded and rejects fractions that leave a side empty", () => {
  const a = coldMoviesSplit(ratings, { seed: 5 }).folds[0]!;
  const b = coldMoviesSplit(ratings, { seed: 5 }).folds[0]!;
  const c = coldMoviesSplit(ratings, { seed: 6 }).folds[0]!;
  assert.deepEqual(a.test, b.test);
  assert.notDeepEqual(a.test, c.test);
  assert.throws(() => coldMoviesSplit(ratings, { testFraction: 0.001 }), /leave no movie/);
  assert.throws(() => coldMoviesSplit(ratings, { testFraction: 1 }), /testFraction/);
});
