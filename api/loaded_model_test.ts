import assert from "node:assert/strict";
import { loadFromSource, parseModelSource } from "./model_source.ts";
import { fixture } from "./_test_fixture.ts";

Deno.test("LoadedModel serves exactly the model's own recommend() and similar()", async () => {
  const f = await fixture();
  const m = await loadFromSource(parseModelSource({ dataDir: f.dataDir }));
  const users = Array.from(new Set(f.train.userId)).slice(0, 60);
  for (const userId of users) {
    for (const excludeSeen of [true, false]) {
      for (const minRatings of [0, 50]) {
        const served = m.recommend(userId, 20, { excludeSeen, genre: null, minRatings });
        const own = m.model.recommend(userId, 20, { excludeSeen, minRatings });
        assert.ok(own.ok);
        assert.equal(served.scorer, "model");
        assert.deepEqual(
          served.items,
          own.items,
          `user ${userId}, excludeSeen ${excludeSeen}, minRatings ${minRatings}`,
        );
      }
    }
    // a genre bitmap gives the model's ranking with the same genre as a filter
    const comedy = m.recommend(userId, 10, { excludeSeen: true, genre: "Comedy" });
    const own = m.model.recommend(userId, 10, {
      filter: (id) => m.catalog.get(id)?.genres.includes("Comedy") ?? false,
    });
    assert.ok(own.ok);
    assert.deepEqual(comedy.items, own.items);
  }
  const movies = Array.from(m.view!.itemIds.subarray(0, 40));
  for (const movieId of movies) {
    assert.deepEqual(m.similar(movieId, 10), m.model.similar(movieId, 10));
  }
});

Deno.test("fold-in on the packed candidates of a floor ranks as scoring every movie does", async () => {
  const f = await fixture();
  const m = await loadFromSource(parseModelSource({ dataDir: f.dataDir }));
  const counts = new Map<number, number>();
  for (const id of f.train.movieId) counts.set(id, (counts.get(id) ?? 0) + 1);
  const popular = [...counts].filter(([, n]) => n >= 30).map(([id]) => id).slice(0, 40);
  for (let t = 0; t < 10; t++) {
    const movieIds = popular.slice(t * 3, t * 3 + 8);
    const ratings = { movieIds, ratings: movieIds.map((_, j) => 1 + ((j + t) % 5)) };
    for (const genre of [null, "Drama"]) {
      const packed = m.recommendFromRatings(ratings, 10, {
        genre,
        excludeRated: true,
        minRatings: 50,
      });
      const all = m.recommendFromRatings(ratings, 100, {
        genre,
        excludeRated: true,
        minRatings: 0,
      });
      const expected = all.items.filter((x) => (counts.get(x.movieId) ?? 0) >= 50).slice(0, 10);
      // (the full list of 100 may hold fewer than 10 movies over the floor: compare what it has)
      assert.equal(packed.items.length, 10);
      assert.ok(expected.length >= 3);
      assert.deepEqual(
        packed.items.slice(0, expected.length),
        expected,
        `case ${t}, genre ${genre}`,
      );
    }
  }
});

Deno.test("the list cache keeps known users' lists (prefixes answer smaller k); cacheLists 0 keeps none", async () => {
  const f = await fixture();
  const cached = await loadFromSource(parseModelSource({ dataDir: f.dataDir }));
  const off = await loadFromSource(parseModelSource({ dataDir: f.dataDir }), { cacheLists: 0 });
  const options = { excludeSeen: true, genre: null, minRatings: 50 };
  const ten = cached.recommend(1, 10, options);
  assert.equal(cached.cachedLists, 1);
  assert.deepEqual(cached.recommend(1, 3, options).items, ten.items.slice(0, 3));
  assert.deepEqual(off.recommend(1, 10, options), ten);
  assert.equal(off.cachedLists, 0);
  cached.recommend(424242, 10, options); // an unknown user: the popular list, not kept
  assert.equal(cached.cachedLists, 1);
});
