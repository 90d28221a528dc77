import assert from "node:assert/strict";
import { predefinedSplit } from "./predefined_split.ts";
import { ratingsFromColumns } from "../core/ratings.ts";

const train1 = ratingsFromColumns({ userId: [1, 1, 2], movieId: [10, 20, 10], rating: [4, 3, 5] });
const test1 = ratingsFromColumns({ userId: [2, 3], movieId: [20, 30], rating: [2, 1] });
const train2 = ratingsFromColumns({ userId: [1], movieId: [10], rating: [4] });
const test2 = ratingsFromColumns({ userId: [1], movieId: [10], rating: [3] });

Deno.test("predefinedSplit() keeps the given rows and reports test-only users and movies", () => {
  const split = predefinedSplit([{ train: train1, test: test1 }, { train: train2, test: test2 }]);
  assert.equal(split.ratings.rating.length, 7);
  const [a, b] = split.folds;
  assert.deepEqual([...a!.train], [0, 1, 2]);
  assert.deepEqual([...a!.test], [3, 4]);
  assert.deepEqual([...b!.train], [5]);
  assert.deepEqual([...b!.test], [6]);
  assert.deepEqual([...split.ratings.userId.subarray(3, 5)], [2, 3]);
  assert.deepEqual([...a!.coldUsers], [3]);
  assert.deepEqual([...a!.coldMovies], [30]);
  assert.equal(a!.coldTestRows, 1);
  assert.equal(b!.coldUsers.length, 0);
});

Deno.test("predefinedSplit() rejects no pairs and empty sides", () => {
  assert.throws(() => predefinedSplit([]), /no train\/test pair given/);
  const empty = ratingsFromColumns({ userId: [], movieId: [], rating: [] });
  assert.throws(
    () => predefinedSplit([{ train: train1, test: empty }]),
    /pair 1 has an empty test set/,
  );
});
