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
