import assert from "node:assert/strict";
import { ratingsFromColumns } from "../core/ratings.ts";
import { createModel } from "../models/model_registry.ts";
import { sampleUsers, validateModel } from "./validation.ts";

// 50 users with 4 ratings each over 8 movies.
const columns = { userId: [] as number[], movieId: [] as number[], rating: [] as number[] };
for (let u = 1; u <= 50; u++) {
  for (let j = 0; j < 4; j++) {
    columns.userId.push(u);
    columns.movieId.push(((u + j * 3) % 8) + 1);
    columns.rating.push(((u * 7 + j) % 9) / 2 + 0.5);
  }
}
const all = ratingsFromColumns(columns);
const train = ratingsFromColumns({
  userId: columns.userId.filter((_, i) => i % 4 !== 0),
  movieId: columns.movieId.filter((_, i) => i % 4 !== 0),
  rating: columns.rating.filter((_, i) => i % 4 !== 0),
});
const holdout = ratingsFromColumns({
  userId: columns.userId.filter((_, i) => i % 4 === 0),
  movieId: columns.movieId.filter((_, i) => i % 4 === 0),
  rating: columns.rating.filter((_, i) => i % 4 === 0),
});

Deno.test("a holdout of more users than maxUsers is measured on a seeded sample of them", () => {
  const a = sampleUsers(all, 10, 7)!, b = sampleUsers(all, 10, 7)!, c = sampleUsers(all, 10, 8)!;
  assert.equal(a.of, 50);
  assert.equal(a.measured, 10);
  assert.equal(new Set(a.holdout.userId).size, 10);
  assert.equal(a.holdout.userId.length, 40, "every rating of a sampled user is kept");
  assert.deepEqual(a.holdout.userId, b.holdout.userId, "same seed, same sample");
  assert.notDeepEqual(a.holdout.userId, c.holdout.userId, "another seed, another sample");
  assert.equal(sampleUsers(all, 50, 7), null);
  assert.throws(() => sampleUsers(all, 0, 7), /maxUsers must be a whole number >= 1/);
});

Deno.test("validateModel says when it measured a sample, and on how many ratings", () => {
  const model = createModel("popularity");
  model.fit(train);
  const options = { k: 3, relevanceThreshold: 3, minRatings: [0] };
  const full = validateModel(model, train, holdout, options);
  assert.equal(full.sampledUsers, undefined);
  assert.equal(full.holdoutRatings, 50);
  const sampled = validateModel(model, train, holdout, { ...options, maxUsers: 20, seed: 1 });
  assert.deepEqual(sampled.sampledUsers, { of: 50, measured: 20 });
  assert.equal(sampled.holdoutRatings, 20);
  assert.notEqual(sampled.rmse, full.rmse);
});
