import assert from "node:assert/strict";
import { createModel, loadModel } from "../models/model_registry.ts";
import type { Recommender } from "../core/model.ts";
import { type Ratings, ratingsFromColumns } from "../core/ratings.ts";
import { Prng } from "../core/prng.ts";

/**
 * 80 users, 60 movies: movie j is rated by about j + 1 users, so the counts
 * span 1..60; the rarely rated movies get extreme ratings (all 5s or all 1s),
 * the way an obscure movie rated 5 by one person tops a rating predictor.
 */
function skewedRatings(): Ratings {
  const rng = new Prng(3);
  const u: number[] = [], m: number[] = [], r: number[] = [];
  for (let j = 0; j < 60; j++) {
    const users = rng.shuffle(Int32Array.from({ length: 80 }, (_, x) => x + 1));
    for (let x = 0; x <= j; x++) {
      u.push(users[x]!);
      m.push(100 + j);
      r.push(j < 8 ? (j % 2 === 0 ? 5 : 1) : Math.round(2 + 3 * rng.next()));
    }
  }
  return ratingsFromColumns({ userId: u, movieId: m, rating: r });
}

function countsOf(train: Ratings): Map<number, number> {
  const c = new Map<number, number>();
  for (const id of train.movieId) c.set(id, (c.get(id) ?? 0) + 1);
  return c;
}

const MODELS: Array<[string, unknown]> = [
  ["biased-mf", { factors: 4, epochs: 15 }],
  ["svd", { factors: 4 }],
  ["popularity", { m: 0 }],
  ["global-mean", {}],
  [
    "blend",
    {
      members: [
        { model: "biased-mf", config: { factors: 4, epochs: 10 } },
        { model: "baseline", config: {} },
      ],
    },
  ],
];

/** recommend() with minRatings equals the unrestricted full ranking filtered by count. */
function assertFiltersFullRanking(model: Recommender, train: Ratings, label: string): number {
  const counts = countsOf(train);
  const nItems = counts.size;
  let changed = 0;
  for (const userId of [1, 7, 40, 80]) {
    const full = model.recommend(userId, nItems);
    assert.ok(full.ok, `${label}: user ${userId} is known`);
    for (const minRatings of [0, 1, 10, 30, 61]) {
      const r = model.recommend(userId, 8, { minRatings });
      assert.ok(r.ok);
      for (const it of r.items) {
        assert.ok(
          counts.get(it.movieId)! >= minRatings,
          `${label}: movie ${it.movieId} has ${counts.get(it.movieId)} ratings < ${minRatings}`,
        );
      }
      const expected = full.items.filter((it) => counts.get(it.movieId)! >= minRatings).slice(0, 8);
      assert.deepEqual(r.items, expected, `${label}: user ${userId}, minRatings ${minRatings}`);
      if (minRatings === 61) assert.equal(r.items.length, 0, "no movie has 61 ratings");
      if (minRatings === 10 && r.items[0]?.movieId !== full.items[0]?.movieId) changed++;
    }
  }
  return changed;
}

for (const [name, config] of MODELS) {
  Deno.test(`${name}: recommend() with minRatings equals filtering the full ranking by training count`, async () => {
    const train = skewedRatings();
    const model = createModel(name, config);
    model.fit(train);
    const changed = assertFiltersFullRanking(model, train, name);
    if (name !== "global-mean") {
      // a rating predictor puts a rarely rated 5-star movie first: the floor changes the lists
      assert.ok(changed > 0, `${name}: minRatings 10 never changed the top movie`);
    }
    // the counts are rebuilt from the saved model (no new array in the file)
    const loaded = loadModel(await model.save());
    assertFiltersFullRanking(loaded, train, `${name} (loaded)`);
    for (const userId of [1, 40]) {
      assert.deepEqual(
        loaded.recommend(userId, 5, { minRatings: 20 }),
        model.recommend(userId, 5, { minRatings: 20 }),
      );
    }
  });
}

Deno.test("minRatings combines with excludeSeen false and a filter", () => {
  const train = skewedRatings();
  const counts = countsOf(train);
  const model = createModel("biased-mf", { factors: 4, epochs: 10 });
  model.fit(train);
  const even = (id: number) => id % 2 === 0;
  const full = model.recommend(3, 100, { excludeSeen: false, filter: even });
  const r = model.recommend(3, 5, { excludeSeen: false, filter: even, minRatings: 25 });
  assert.ok(full.ok && r.ok);
  assert.deepEqual(r.items, full.items.filter((x) => counts.get(x.movieId)! >= 25).slice(0, 5));
  assert.equal(r.items.length, 5);
});
