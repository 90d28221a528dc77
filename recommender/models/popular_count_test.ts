import assert from "node:assert/strict";
import { PopularCount } from "./popular_count.ts";
import { ratingsFromColumns } from "../core/ratings.ts";
import { _twoGroups } from "../core/_ranking_fixture.ts";

const ratings = ratingsFromColumns({
  userId: [1, 2, 3, 1, 2, 3, 4],
  movieId: [10, 10, 10, 20, 20, 30, 40],
  rating: [1, 2, 5, 5, 4, 5, 5],
});

Deno.test("popular-count ranks by number of (positive) ratings", async (t) => {
  const cases = [
    { threshold: 0, user: 4, want: [10, 20, 30] },
    { threshold: 4, user: 4, want: [20, 10, 30] },
    { threshold: 0, user: 1, want: [30, 40] },
    { threshold: 0, user: 99, want: [10, 20, 30] },
  ];
  for (const c of cases) {
    await t.step(`threshold ${c.threshold}, user ${c.user}`, () => {
      const m = new PopularCount({ positiveThreshold: c.threshold });
      m.fit(ratings);
      const r = m.recommend(c.user, 3);
      assert.ok(r.ok);
      assert.equal(r.scorer, "model");
      assert.deepEqual(r.items.map((x) => x.movieId), c.want);
    });
  }
});

Deno.test("popular-count on the two-group fixture: the most-rated group wins for everyone", () => {
  const { ratings: base, missing } = _twoGroups();
  // user 7 joins group A and rates all its movies: A's movies have 6 ratings, B's 5
  const extra = [101, 102, 103, 104, 105, 106];
  const all = ratingsFromColumns({
    userId: [...base.userId, ...extra.map(() => 7)],
    movieId: [...base.movieId, ...extra],
    rating: [...base.rating, ...extra.map(() => 4)],
  });
  const m = new PopularCount();
  m.fit(all);
  const a = m.recommend(1, 2), b = m.recommend(11, 2);
  assert.ok(a.ok && b.ok);
  assert.deepEqual(a.items.map((x) => x.movieId), [missing.get(1), 201]);
  // not personalised: a group B user is offered group A's movies first
  assert.deepEqual(b.items.map((x) => x.movieId), [101, 102]);
});

Deno.test("popular-count: predict is the bias baseline, minRatings and save/load", async () => {
  const m = new PopularCount({ positiveThreshold: 0 });
  m.fit(ratings);
  assert.equal(m.predict(1, 10).scorer, "baseline");
  assert.equal(m.predict(99, 999).scorer, "global-mean");
  const r = m.recommend(4, 3, { minRatings: 2 });
  assert.ok(r.ok);
  assert.deepEqual(r.items.map((x) => x.movieId), [10, 20]);
  const copy = PopularCount.load(structuredClone(await m.save()));
  assert.deepEqual(copy.recommend(4, 3), m.recommend(4, 3));
  assert.deepEqual(copy.recommendForRatings({ movieIds: [10], ratings: [3] }, 2).items, [
    { movieId: 20, score: 2 },
    { movieId: 30, score: 1 },
  ]);
});
