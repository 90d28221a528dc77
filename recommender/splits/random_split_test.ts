import assert from "node:assert/strict";
import { randomSplit } from "./random_split.ts";
import { _sameRows, _testRatings } from "./_test_ratings.ts";

const ratings = _testRatings();
const n = ratings.rating.length;

Deno.test("randomSplit() holds out round(n * fraction) rows and partitions the table", () => {
  const { folds } = randomSplit(ratings, { testFraction: 0.25, seed: 1 });
  const fold = folds[0]!;
  assert.equal(fold.test.length, Math.round(n * 0.25));
  const all = new Set([...fold.train, ...fold.test]);
  assert.equal(all.size, n);
  assert.equal(fold.train.length + fold.test.length, n);
});

Deno.test("randomSplit() is reproducible by seed and different seeds differ", () => {
  const a = randomSplit(ratings, { seed: 42 }).folds[0]!;
  const b = randomSplit(ratings, { seed: 42 }).folds[0]!;
  const c = randomSplit(ratings, { seed: 43 }).folds[0]!;
  assert.ok(_sameRows(a.test, b.test));
  assert.ok(!_sameRows(a.test, c.test));
});

Deno.test("randomSplit() reports users and movies seen only in the test set", () => {
  const fold = randomSplit(ratings, { testFraction: 0.5, seed: 5 }).folds[0]!;
  const trainUsers = new Set(Array.from(fold.train, (r) => ratings.userId[r]!));
  const trainMovies = new Set(Array.from(fold.train, (r) => ratings.movieId[r]!));
  const expectUsers = new Set(
    Array.from(fold.test, (r) => ratings.userId[r]!).filter((u) => !trainUsers.has(u)),
  );
  const expectMovies = new Set(
    Array.from(fold.test, (r) => ratings.movieId[r]!).filter((m) => !trainMovies.has(m)),
  );
  assert.ok(expectUsers.size > 0, "fixture should have a user rated only in test");
  assert.deepEqual([...fold.coldUsers], [...expectUsers].sort((x, y) => x - y));
  assert.deepEqual([...fold.coldMovies], [...expectMovies].sort((x, y) => x - y));
  const coldRows =
    Array.from(fold.test).filter((r) =>
      !trainUsers.has(ratings.userId[r]!) || !trainMovies.has(ratings.movieId[r]!)
    ).length;
  assert.equal(fold.coldTestRows, coldRows);
});

Deno.test("randomSplit() rejects a fraction outside (0, 1) and a split with an empty side", () => {
  assert.throws(
    () => randomSplit(ratings, { testFraction: 1 }),
    /testFraction must be in \(0, 1\), got 1/,
  );
  assert.throws(() => randomSplit(ratings, { testFraction: 0 }), /testFraction/);
  assert.throws(() => randomSplit(ratings, { seed: 1.5 }), /seed must be an integer/);
  const tiny = { ...ratings, rating: ratings.rating.subarray(0, 2) };
  assert.throws(() => randomSplit(tiny, { testFraction: 0.1 }), /leave an empty train or test set/);
});
