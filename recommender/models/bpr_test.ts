import assert from "node:assert/strict";
import { BPR } from "./bpr.ts";
import { _randomRatings, _twoGroups } from "../core/_ranking_fixture.ts";

Deno.test("bpr recommends each user their group's unseen movie", () => {
  const { ratings, missing } = _twoGroups();
  const m = new BPR({ factors: 8, epochs: 300, learningRate: 0.1, regularization: 0.001 });
  m.fit(ratings);
  for (const [user, movie] of missing) {
    const r = m.recommend(user, 3);
    assert.ok(r.ok);
    assert.equal(r.items[0]!.movieId, movie, `user ${user}`);
  }
  // a new fan of group A's movies is offered group A's remaining one
  const r = m.recommendForRatings(
    { movieIds: [101, 102, 103, 104, 105], ratings: [5, 5, 5, 5, 5] },
    1,
  );
  assert.equal(r.items[0]!.movieId, 106);
});

Deno.test("bpr: the loss falls, the same seed gives the same model, save/load is exact", async () => {
  const ratings = _randomRatings(30, 50, { density: 0.2, seed: 21 });
  const a = new BPR({ factors: 8, epochs: 20 });
  const b = new BPR({ factors: 8, epochs: 20 });
  a.fit(ratings);
  b.fit(ratings);
  assert.ok(a.history.at(-1)!.trainLoss < a.history[0]!.trainLoss);
  assert.deepEqual(a.recommend(3, 10), b.recommend(3, 10));
  const copy = BPR.load(structuredClone(await a.save()));
  for (const user of [1, 10, 30]) assert.deepEqual(copy.recommend(user, 10), a.recommend(user, 10));
  assert.deepEqual(copy.similar(1004, 5), a.similar(1004, 5));
  assert.deepEqual((await copy.save()).data, (await a.save()).data);
});
