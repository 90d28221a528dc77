import assert from "node:assert/strict";
import { ServingModel, withFallback } from "./fallback.ts";
import { PopularList, weightedRating } from "./popular_list.ts";
import { BiasedMF } from "../models/biased_mf.ts";
import { Popularity } from "../models/popularity_model.ts";
import { ratingsFromColumns } from "../core/ratings.ts";

const train = ratingsFromColumns({
  userId: [1, 1, 1, 2, 2, 3, 3, 3, 4],
  movieId: [10, 20, 30, 10, 40, 20, 30, 40, 10],
  rating: [4, 3, 5, 2, 4.5, 3.5, 4, 1, 5],
});

Deno.test("weightedRating shrinks a movie's mean towards the global mean by m votes", () => {
  assert.equal(weightedRating({ votes: 0, mean: 5, m: 10, globalMean: 3 }), 3);
  assert.equal(weightedRating({ votes: 30, mean: 5, m: 10, globalMean: 3 }), 4.5);
  const list = PopularList.fromRatings(train, { m: 1 });
  const C = list.globalMean;
  // movie 10: three votes averaging 11/3
  assert.ok(Math.abs(list.score(10)! - (3 / 4) * (11 / 3) - C / 4) < 1e-6);
  assert.deepEqual(Array.from(list.scores), Array.from(list.scores).toSorted((a, b) => b - a));
  assert.throws(() => PopularList.fromRatings(train, { m: -1 }), /m: /);
});

Deno.test("ServingModel answers unknown users with the popular list and flags the fallback", () => {
  const model = new BiasedMF({ factors: 4, epochs: 5 });
  model.fit(train);
  // the popular list knows a movie (99) the model never saw: it must be skipped
  const more = ratingsFromColumns({
    userId: [...train.userId, 5, 6, 7],
    movieId: [...train.movieId, 99, 99, 99],
    rating: [...train.rating, 5, 5, 5],
  });
  const popular = PopularList.fromRatings(more, { m: 0 });
  assert.equal(popular.movieIds[0], 99);
  const serving = new ServingModel(model, popular);
  const cold = serving.recommend(1234, 3);
  assert.equal(cold.scorer, "popularity");
  assert.equal(cold.fallback, true);
  assert.equal(cold.items.length, 3);
  assert.ok(cold.items.every((x) => x.movieId !== 99));
  const warm = serving.recommend(1, 3);
  assert.deepEqual(warm, { ...warm, scorer: "model", fallback: false });
  assert.deepEqual(warm.items.map((x) => x.movieId), [40]);
  assert.equal(serving.predict(1, 10).fallback, false);
  assert.deepEqual(
    [serving.predict(1, 99).scorer, serving.predict(1, 99).fallback],
    ["baseline", true],
  );
  assert.deepEqual(
    [serving.predict(1234, 99).scorer, serving.predict(1234, 99).fallback],
    ["global-mean", true],
  );
});

Deno.test("withFallback over the popularity model never falls back for its own answers", () => {
  const pop = new Popularity({ m: 1 });
  pop.fit(train);
  const serving = withFallback(pop, pop.list);
  const r = serving.recommend(1234, 2);
  assert.equal(r.scorer, "popularity");
  assert.equal(r.fallback, false);
  assert.equal(serving.predict(1, 10).fallback, false);
});
