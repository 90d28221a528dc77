import assert from "node:assert/strict";
import { TruncatedSVD } from "./truncated_svd.ts";
import { ratingsFromColumns } from "../core/ratings.ts";

Deno.test("svd reconstructs an exactly low-rank matrix", () => {
  // R[u][i] = c_u + a_u . b_i with columns of b centred, so the user-centred matrix has rank 2
  const nU = 12, nI = 9;
  const b = Array.from({ length: nI }, (_, i) => [Math.sin(i + 1), Math.cos(2 * i + 1)]);
  for (const f of [0, 1]) {
    const mean = b.reduce((s, row) => s + row[f]!, 0) / nI;
    for (const row of b) row[f]! -= mean;
  }
  const userId: number[] = [], movieId: number[] = [], rating: number[] = [];
  for (let u = 0; u < nU; u++) {
    const a = [0.3 + 0.1 * u, 0.5 - 0.07 * u];
    for (let i = 0; i < nI; i++) {
      userId.push(100 + u);
      movieId.push(1000 + 3 * i);
      rating.push(3 + 0.05 * u + a[0]! * b[i]![0]! + a[1]! * b[i]![1]!);
    }
  }
  const train = ratingsFromColumns({ userId, movieId, rating });
  const m = new TruncatedSVD({ factors: 2, oversamples: 3 });
  m.fit(train);
  for (let e = 0; e < rating.length; e++) {
    const p = m.predict(userId[e]!, movieId[e]!);
    assert.equal(p.scorer, "model");
    assert.ok(
      Math.abs(p.rating - train.rating[e]!) < 1e-4,
      `row ${e}: ${p.rating} vs ${rating[e]}`,
    );
  }
  assert.ok(Math.abs(m.explainedVarianceRatio - 1) < 1e-6);
  // one factor captures only part of the variance
  const m1 = new TruncatedSVD({ factors: 1 });
  m1.fit(train);
  assert.ok(m1.explainedVarianceRatio < 0.99 && m1.explainedVarianceRatio > 0.3);
});

Deno.test("svd answers unknown movies with the user mean and unknown users with the global mean", () => {
  const train = ratingsFromColumns({
    userId: [1, 1, 2, 2],
    movieId: [10, 20, 10, 30],
    rating: [4, 2, 5, 4],
  });
  const m = new TruncatedSVD({ factors: 1 });
  m.fit(train);
  assert.deepEqual(m.predict(1, 99), { userId: 1, movieId: 99, rating: 3, scorer: "user-mean" });
  assert.deepEqual(m.predict(7, 10), {
    userId: 7,
    movieId: 10,
    rating: 3.75,
    scorer: "global-mean",
  });
  assert.deepEqual(m.recommend(7, 3), { ok: false, reason: "unknown-user" });
  assert.equal(m.similar(99, 3), null);
});
