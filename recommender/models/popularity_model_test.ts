import assert from "node:assert/strict";
import { Popularity } from "./popularity_model.ts";
import { ratingsFromColumns } from "../core/ratings.ts";

const table = ratingsFromColumns({
  userId: [1, 1, 2, 2, 3, 3, 3, 4],
  movieId: [10, 30, 10, 20, 20, 30, 40, 50],
  rating: [5, 4, 5, 3, 3, 4, 1, 2],
});

Deno.test("popularity recommends the popular list minus the user's seen and filtered movies", async () => {
  const m = new Popularity({ m: 1 });
  m.fit(table);
  const list = Array.from(m.list.movieIds);
  for (const [u, seen] of [[1, [10, 30]], [3, [20, 30, 40]], [99, []]] as const) {
    const r = m.recommend(u, 10);
    assert.ok(r.ok);
    assert.deepEqual(
      r.items.map((x) => x.movieId),
      list.filter((id) => !(seen as readonly number[]).includes(id)),
    );
  }
  const all = m.recommend(1, 10, { excludeSeen: false, filter: (id) => id !== 20 });
  assert.ok(all.ok);
  assert.deepEqual(all.items.map((x) => x.movieId), list.filter((id) => id !== 20));
  const two = m.recommend(3, 2);
  assert.ok(two.ok);
  assert.deepEqual(two.items.map((x) => x.movieId), list.filter((id) => id === 10 || id === 50));
  // the same after a save/load round trip
  const copy = Popularity.load(structuredClone(await m.save()));
  assert.deepEqual(copy.recommend(3, 10), m.recommend(3, 10));
});

Deno.test("popularity's raw scores are the weighted ratings over its items", () => {
  const m = new Popularity({ m: 1 });
  m.fit(table);
  const ids = m.rawItemIds();
  assert.deepEqual(Array.from(ids), [10, 20, 30, 40, 50]);
  const out = new Float32Array(ids.length);
  assert.equal(m.rawScores(1, out), true);
  ids.forEach((id, i) => assert.equal(out[i], m.list.score(id)));
  assert.deepEqual(Array.from(m.seenItems(3)), [1, 2, 3]);
  assert.deepEqual(Array.from(m.seenItems(99)), []);
});
