import assert from "node:assert/strict";
import { ItemKnnBaseline } from "./item_knn_baseline.ts";
import { fitBiases } from "./baseline_only.ts";
import { loadModel } from "./model_registry.ts";
import { ratingsFromColumns } from "../core/ratings.ts";
import { Vocabulary } from "../core/vocabulary.ts";

const train = ratingsFromColumns({
  userId: [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4],
  movieId: [10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 30],
  rating: [5, 4, 1, 2, 1, 4, 4, 4, 2, 5, 1],
});

Deno.test("item-knn-baseline: the prediction is the baseline plus the similarity-weighted residuals", () => {
  const m = new ItemKnnBaseline({ shrinkage: 0, minSupport: 1, k: 5, baselineEpochs: 3 });
  m.fit(train);
  // by hand: baselines, residuals, Pearson of residuals over common raters
  const users = Vocabulary.fromIds(train.userId), items = Vocabulary.fromIds(train.movieId);
  const u = users.encode(train.userId), i = items.encode(train.movieId);
  const mu = train.rating.reduce((a, b) => a + b, 0) / train.rating.length;
  const b = fitBiases({ u, i, r: train.rating, nUsers: 4, nItems: 3, mu }, {
    epochs: 3,
    regUser: 15,
    regItem: 10,
  });
  const res = (uu: number, ii: number) => {
    const e = Array.from(train.userId).findIndex((x, j) => x === uu && train.movieId[j] === ii);
    return train.rating[e]! - mu - b.userBias[users.indexOf(uu)]! - b.itemBias[items.indexOf(ii)]!;
  };
  const pearson = (a: number, c: number) => {
    let num = 0, sa = 0, sc = 0;
    for (const uu of [1, 2, 3, 4]) {
      const has = (ii: number) =>
        Array.from(train.userId).some((x, j) => x === uu && train.movieId[j] === ii);
      if (!has(a) || !has(c)) continue;
      num += res(uu, a) * res(uu, c);
      sa += res(uu, a) ** 2;
      sc += res(uu, c) ** 2;
    }
    return num / Math.sqrt(sa * sc);
  };
  // user 4 did not rate movie 20; its neighbours among 10 and 30 with positive similarity
  const sims = [10, 30].map((j) => ({ j, s: pearson(20, j) })).filter((x) => x.s > 0);
  assert.ok(sims.length > 0, "the fixture needs a positive neighbour");
  const sw = sims.reduce((a, x) => a + x.s, 0);
  const expected = mu + b.userBias[users.indexOf(4)]! + b.itemBias[items.indexOf(20)]! +
    sims.reduce((a, x) => a + x.s * res(4, x.j), 0) / sw;
  const got = m.predict(4, 20);
  assert.equal(got.scorer, "model");
  assert.ok(
    Math.abs(got.rating - Math.min(5, Math.max(1, expected))) < 1e-5,
    `${got.rating} vs ${expected}`,
  );
  const e = m.explain(4, 20)!;
  assert.deepEqual(
    e.neighbours.map((x) => x.movieId),
    sims.sort((a, c) => c.s - a.s).map((x) => x.j),
  );
  const sum = e.baseline + e.neighbours.reduce((a, x) => a + x.contribution, 0);
  assert.ok(Math.abs(sum - expected) < 1e-5);
  for (const x of e.neighbours) assert.ok(Math.abs(x.similarity - pearson(20, x.movieId)) < 1e-5);
});

Deno.test("item-knn-baseline: shrinkage pulls similarities towards 0 and minSupport drops rare pairs", () => {
  const a = new ItemKnnBaseline({ shrinkage: 0, minSupport: 1 });
  const b = new ItemKnnBaseline({ shrinkage: 10, minSupport: 1 });
  const c = new ItemKnnBaseline({ shrinkage: 0, minSupport: 5 });
  for (const m of [a, b, c]) m.fit(train);
  const sa = a.similar(10, 2)!, sb = b.similar(10, 2)!;
  assert.ok(sa.length > 0);
  for (const x of sb) {
    const y = sa.find((z) => z.movieId === x.movieId)!;
    assert.ok(x.score < y.score);
  }
  assert.deepEqual(c.similar(10, 2), []);
  assert.equal(c.predict(4, 20).scorer, "baseline");
});

Deno.test("item-knn-baseline: recommend ranks by the same scores predict gives, and reloads", async () => {
  const m = new ItemKnnBaseline({ shrinkage: 0, minSupport: 1 });
  m.fit(train);
  const recs = m.recommend(4, 5, { excludeSeen: false });
  assert.ok(recs.ok);
  for (const x of recs.items) assert.ok(Math.abs(x.score - m.predict(4, x.movieId).rating) < 1e-5);
  const unseen = m.recommend(4, 5);
  assert.ok(unseen.ok);
  assert.deepEqual(unseen.items.map((x) => x.movieId), [20]);
  assert.deepEqual(m.recommend(99, 5), { ok: false, reason: "unknown-user" });
  const copy = loadModel(structuredClone(await m.save()));
  assert.deepEqual(copy.predict(4, 20), m.predict(4, 20));
  assert.deepEqual(copy.recommend(1, 3), m.recommend(1, 3));
});
