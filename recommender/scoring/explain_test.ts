import assert from "node:assert/strict";
import { explain } from "./explain.ts";
import { createModel } from "../models/model_registry.ts";
import { _loadMovieLensSmall } from "../core/_test_data.ts";
import type { Ratings } from "../core/ratings.ts";

function _userRatings(train: Ratings, userId: number) {
  const movieIds: number[] = [], ratings: number[] = [];
  for (let e = 0; e < train.rating.length; e++) {
    if (train.userId[e] === userId) {
      movieIds.push(train.movieId[e]!);
      ratings.push(train.rating[e]!);
    }
  }
  return { movieIds, ratings };
}

Deno.test("explain() terms add up to the model's prediction", () => {
  const train = _loadMovieLensSmall();
  const model = createModel("biased-mf", { factors: 16, epochs: 10 });
  model.fit(train);
  const view = model.factors!()!;
  const e = explain(view, 1, 296, _userRatings(train, 1), { k: 3 })!;
  assert.ok(e);
  const t = e.terms;
  const raw = t.globalMean + t.userBias + t.itemBias + t.interaction;
  const [lo, hi] = view.ratingScale;
  assert.ok(Math.abs(Math.min(hi, Math.max(lo, raw)) - e.prediction) < 1e-6);
  assert.ok(Math.abs(model.predict(1, 296).rating - e.prediction) < 1e-4);
  assert.equal(e.contributions.length, 3);
  const abs = e.contributions.map((c) => Math.abs(c.contribution));
  assert.deepEqual(abs, [...abs].sort((a, b) => b - a));
  const rated = new Set(_userRatings(train, 1).movieIds);
  for (const c of e.contributions) assert.ok(rated.has(c.movieId));
});

Deno.test("explain() of svd: the shares sum to the trained interaction term", () => {
  const train = _loadMovieLensSmall();
  const model = createModel("svd", { factors: 20 });
  model.fit(train);
  const view = model.factors!()!;
  const ratings = _userRatings(train, 15);
  const e = explain(view, 15, 1, ratings, { k: 1000 })!;
  assert.equal(e.contributions.length, ratings.movieIds.length);
  const sum = e.contributions.reduce((s, c) => s + c.contribution, 0);
  assert.ok(Math.abs(sum - e.foldInInteraction) < 1e-6);
  assert.ok(
    Math.abs(e.foldInInteraction - e.terms.interaction) < 0.02,
    `${e.foldInInteraction} vs ${e.terms.interaction}`,
  );
  assert.notEqual(e.terms.userMean, null);
});

Deno.test("explain() returns null for an unknown user or movie", () => {
  const train = _loadMovieLensSmall();
  const model = createModel("baseline", {});
  model.fit(train);
  const view = model.factors!()!;
  assert.equal(explain(view, 999_999, 1, { movieIds: [], ratings: [] }), null);
  assert.equal(explain(view, 1, 999_999_9, { movieIds: [], ratings: [] }), null);
});
