import assert from "node:assert/strict";
import { ItemKNN } from "./item_knn.ts";
import { _randomRatings, _ratingsOf, _twoGroups } from "../core/_ranking_fixture.ts";

Deno.test("item-knn recommends each user their group's unseen movie", async (t) => {
  const { ratings, missing } = _twoGroups();
  for (const config of [{ neighbors: 3, shrinkage: 0 }, { neighbors: 50, shrinkage: 10 }]) {
    await t.step(JSON.stringify(config), () => {
      const m = new ItemKNN(config);
      m.fit(ratings);
      for (const [user, movie] of missing) {
        const r = m.recommend(user, 3);
        assert.ok(r.ok);
        assert.equal(r.items[0]!.movieId, movie, `user ${user}`);
        assert.ok(r.items[0]!.score > 0);
        // the other group's movies share no rater: zero score
        assert.ok(r.items.slice(1).every((x) => x.score === 0));
      }
    });
  }
});

Deno.test("item-knn similarities are the shrunk cosine, best first, k per movie", () => {
  const ratings = _randomRatings(30, 20, { density: 0.3, seed: 2 });
  const m = new ItemKNN({ neighbors: 4, shrinkage: 5, positiveThreshold: 0 });
  m.fit(ratings);
  const raters = new Map<number, Set<number>>();
  for (let e = 0; e < ratings.rating.length; e++) {
    const set = raters.get(ratings.movieId[e]!) ?? new Set();
    set.add(ratings.userId[e]!);
    raters.set(ratings.movieId[e]!, set);
  }
  const a = 1003, ua = raters.get(a)!;
  const want = [...raters.keys()].filter((b) => b !== a).map((b) => {
    const ub = raters.get(b)!;
    const co = [...ua].filter((u) => ub.has(u)).length;
    return { movieId: b, score: co / (Math.sqrt(ua.size * ub.size) + 5) };
  }).filter((x) => x.score > 0).sort((x, y) => y.score - x.score || x.movieId - y.movieId)
    .slice(0, 4);
  const got = m.similar(a, 10)!;
  assert.deepEqual(got.map((x) => x.movieId), want.map((x) => x.movieId));
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(got[j]!.score - want[j]!.score) < 1e-6);
  assert.equal(m.similar(424242, 3), null);
});

Deno.test("item-knn: fold-in of a training user's own ratings reproduces its list", () => {
  const ratings = _randomRatings(25, 60, { density: 0.2, seed: 3 });
  const m = new ItemKNN({ neighbors: 10, positiveThreshold: 3 });
  m.fit(ratings);
  for (const user of [1, 9, 25]) {
    const known = m.recommend(user, 10);
    assert.ok(known.ok);
    const folded = m.recommendForRatings(_ratingsOf(ratings, user), 10);
    assert.deepEqual(folded.items, known.items);
  }
});

Deno.test("item-knn: explain() names the rated neighbours and sums to the score", () => {
  const ratings = _randomRatings(25, 60, { density: 0.2, seed: 4 });
  const m = new ItemKNN({ neighbors: 20 });
  m.fit(ratings);
  const top = m.recommend(2, 1);
  assert.ok(top.ok);
  const e = m.explain(2, top.items[0]!.movieId, { k: 1000 })!;
  const sum = e.contributions.reduce((s, c) => s + c.weight, 0);
  assert.ok(Math.abs(sum - top.items[0]!.score) < 1e-5);
  const mine = _ratingsOf(ratings, 2);
  for (const c of e.contributions) {
    assert.equal(c.rating, mine.ratings[mine.movieIds.indexOf(c.movieId)]);
  }
  const weights = e.contributions.map((c) => c.weight);
  assert.deepEqual(weights, weights.toSorted((x, y) => y - x));
  assert.deepEqual(
    m.explainRatings(mine, top.items[0]!.movieId, { k: 1000 })!.contributions,
    e.contributions,
  );
});

Deno.test("item-knn: save/load gives identical lists", async () => {
  const ratings = _randomRatings(25, 60, { density: 0.2, seed: 5 });
  const m = new ItemKNN({ neighbors: 8 });
  m.fit(ratings);
  const copy = ItemKNN.load(structuredClone(await m.save()));
  for (const user of [1, 12, 25]) assert.deepEqual(copy.recommend(user, 10), m.recommend(user, 10));
  assert.deepEqual(copy.similar(1010, 5), m.similar(1010, 5));
  assert.deepEqual((await copy.save()).data, (await m.save()).data);
});
