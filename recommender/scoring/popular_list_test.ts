import assert from "node:assert/strict";
import { PopularList, priorWeight } from "./popular_list.ts";
import { ratingsFromColumns } from "../core/ratings.ts";

Deno.test("PopularList breaks weighted-rating ties by vote count, then movie id", async (t) => {
  await t.step("fromRatings", () => {
    // with m = 0 the weighted rating is the mean: movies 5, 6 and 7 all average 4
    const r = ratingsFromColumns({
      userId: [1, 2, 1, 1, 2, 3, 1],
      movieId: [7, 7, 6, 5, 5, 5, 9],
      rating: [4, 4, 4, 4, 4, 4, 2],
    });
    const list = PopularList.fromRatings(r, { m: 0 });
    assert.deepEqual(Array.from(list.movieIds), [5, 7, 6, 9]);
    assert.deepEqual(Array.from(list.votes), [3, 2, 1, 1]);
    assert.deepEqual(Array.from(list.means), [4, 4, 4, 2]);
  });
  await t.step("fromColumns", () => {
    const list = PopularList.fromColumns({
      movieId: [30, 10, 20, 40, 50],
      count: [4, 4, 9, 1, 2],
      mean: [3.5, 3.5, 3, 5, 1],
      weightedRating: [3.2, 3.2, 3.2, 3.9, Number.NaN],
    });
    assert.deepEqual(Array.from(list.movieIds), [40, 20, 10, 30]); // 50 has no weighted rating
    assert.deepEqual(Array.from(list.votes), [1, 9, 4, 4]);
    assert.ok(Math.abs(list.globalMean - (5 + 27 + 14 + 14) / 18) < 1e-12);
    assert.ok(Number.isNaN(list.m));
    assert.deepEqual(list.topPositions(2, (id) => id !== 20), [0, 2]);
    assert.deepEqual(list.top(2, (id) => id !== 20).map((x) => x.movieId), [40, 10]);
  });
});

Deno.test("priorWeight() is the quantile of the vote counts, 0 without movies", () => {
  assert.equal(priorWeight([5, 1, 3, 2, 4], 0.9), 5);
  assert.equal(priorWeight([5, 1, 3, 2, 4], 0.5), 3);
  assert.equal(priorWeight([], 0.9), 0);
});
