import assert from "node:assert/strict";
import { combineFolds, evaluateModel, metricKeys } from "./evaluation.ts";
import type {
  ModelArtifact,
  Prediction,
  Recommendations,
  Recommender,
  RecommendOptions,
  ScoredMovie,
} from "../core/model.ts";
import { ratingsFromColumns } from "../core/ratings.ts";
import { TruncatedSVD } from "../models/truncated_svd.ts";
import { randomSplit } from "../splits/random_split.ts";
import { selectRows } from "../core/ratings.ts";

const close = (a: number | undefined, b: number, eps = 1e-9) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);

/**
 * A model whose answers are written out, so every metric can be computed by hand.
 * (The real models are exercised in the last test.)
 */
class ScriptedModel implements Recommender {
  readonly name = "scripted";
  readonly config = {};
  readonly history = [];
  readonly calls: Array<{ userId: number; k: number; options?: RecommendOptions }> = [];
  constructor(
    readonly predictions: Record<string, [number, Prediction["scorer"]]>,
    readonly lists: Record<number, number[]>,
  ) {}
  fit(): void {}
  predict(userId: number, movieId: number): Prediction {
    const [rating, scorer] = this.predictions[`${userId}:${movieId}`] ?? [NaN, "model"];
    return { userId, movieId, rating, scorer };
  }
  recommend(userId: number, k: number, options?: RecommendOptions): Recommendations {
    this.calls.push({ userId, k, options });
    const list = this.lists[userId];
    if (!list) return { ok: false, reason: "unknown-user" };
    return {
      ok: true,
      scorer: "model",
      items: list.slice(0, k).map((movieId, j) => ({ movieId, score: 5 - j })),
    };
  }
  similar(): ScoredMovie[] | null {
    return null;
  }
  save(): Promise<ModelArtifact> {
    return Promise.reject(new Error("not saved"));
  }
}

// train: users 1, 2, 3 over movies 1..5 (catalog of 5)
const train = ratingsFromColumns({
  userId: [1, 1, 2, 2, 3, 3],
  movieId: [1, 2, 1, 3, 4, 5],
  rating: [4, 3, 5, 2, 4, 3],
});
// test: user 9 and movie 99 are cold
const test = ratingsFromColumns({
  userId: [1, 1, 2, 2, 9, 1],
  movieId: [3, 4, 2, 5, 1, 99],
  rating: [5, 2, 4, 1, 3, 4],
});
const model = new ScriptedModel(
  {
    "1:3": [4.5, "model"],
    "1:4": [2.5, "model"],
    "2:2": [3, "model"],
    "2:5": [2, "model"],
    "9:1": [3.5, "popularity"],
    "1:99": [3, "baseline"],
  },
  { 1: [3, 5, 4], 2: [2, 4, 5], 3: [1, 2, 3] },
);

Deno.test("evaluateModel() computes every metric as by hand", () => {
  const r = evaluateModel(model, train, test, { k: 2, relevanceThreshold: 4 });
  const m = r.metrics;
  // errors -0.5, 0.5, -1, 1, 0.5, -1
  close(m.rmse, Math.sqrt(3.75 / 6));
  close(m.mae, 0.75);
  close(m.explained_variance, 0.657692, 1e-6);
  // user 1: 3 concordant pairs, user 2: 1; no discordant pair
  close(m.fcp, 1);
  // user 1: list [3, 5], relevant {3, 99}; user 2: list [2, 4], relevant {2}
  close(m.precision_at_2, 0.5);
  close(m.recall_at_2, (0.5 + 1) / 2);
  close(m.ndcg_at_2, (1 / (1 + 1 / Math.log2(3)) + 1) / 2);
  close(m.map_at_2, (0.5 + 1) / 2);
  close(m.hit_rate_at_2, 1);
  // distinct recommended {2, 3, 4, 5} of 5 train movies
  close(m.coverage, 0.8);
  close(m.cold_start_rate, 2 / 6);
  assert.deepEqual(Object.keys(m), metricKeys(2));
  assert.deepEqual([...r.cold], [0, 0, 0, 0, 1, 1]);
  assert.deepEqual(r.scorerCounts, { model: 4, popularity: 1, baseline: 1 });
  assert.equal(r.counts.rankedUsers, 2);
  assert.equal(r.counts.relevantUsers, 2);
  assert.equal(r.counts.coldTestRatings, 2);
});

Deno.test("evaluateModel() ranks only test users known in train, excluding seen movies", () => {
  model.calls.length = 0;
  evaluateModel(model, train, test, { k: 3 });
  assert.deepEqual(model.calls.map((c) => c.userId).sort(), [1, 2]);
  assert.ok(model.calls.every((c) => c.k === 3 && c.options?.excludeSeen === true));
});

Deno.test("evaluateModel() passes minRatings to recommend and rejects a bad one", () => {
  model.calls.length = 0;
  const r = evaluateModel(model, train, test, { k: 3, minRatings: 20 });
  assert.equal(r.minRatings, 20);
  assert.ok(model.calls.length > 0 && model.calls.every((c) => c.options?.minRatings === 20));
  model.calls.length = 0;
  assert.equal(evaluateModel(model, train, test, { k: 3 }).minRatings, 0);
  assert.ok(model.calls.every((c) => c.options?.minRatings === 0));
  assert.throws(
    () => evaluateModel(model, train, test, { minRatings: -1 }),
    /minRatings must be a whole number >= 0, got -1/,
  );
  assert.throws(() => evaluateModel(model, train, test, { minRatings: 2.5 }), /got 2\.5/);
});

Deno.test("evaluateModel() replaces a non-finite prediction by the training mean", () => {
  const extra = ratingsFromColumns({ userId: [3], movieId: [1], rating: [4] });
  const r = evaluateModel(model, train, extra, { k: 2 });
  close(r.predicted[0], 3.5);
  assert.equal(r.scorerCounts["global-mean"], 1);
});

Deno.test("evaluateModel() histograms cover every prediction and error", () => {
  const r = evaluateModel(model, train, test, { k: 2, histogramBins: 8 });
  assert.equal(r.predictionHistogram.length, 8);
  assert.equal(r.predictionHistogram.reduce((s, b) => s + b.count, 0), 6);
  assert.equal(r.errorHistogram.reduce((s, b) => s + b.count, 0), 6);
  assert.equal(r.predictionHistogram[0]!.x0, 1);
  assert.equal(r.predictionHistogram.at(-1)!.x1, 5);
});

Deno.test("evaluateModel() rejects a bad k and an empty test set", () => {
  assert.throws(
    () => evaluateModel(model, train, test, { k: 0 }),
    /k must be a positive integer, got 0/,
  );
  const empty = ratingsFromColumns({ userId: [], movieId: [], rating: [] });
  assert.throws(() => evaluateModel(model, train, empty), /the test set is empty/);
});

Deno.test("combineFolds() gives mean, 95% CI and per-fold values per metric", () => {
  const s = combineFolds([
    { metrics: { rmse: 0.9, fcp: NaN } },
    { metrics: { rmse: 0.92, fcp: 0.7 } },
    { metrics: { rmse: 0.88, fcp: 0.8 } },
  ]);
  close(s.rmse!.mean, 0.9);
  // std 0.02, t(0.975, 2) = 4.302653
  close(s.rmse!.halfWidth!, (4.302653 * 0.02) / Math.sqrt(3), 1e-6);
  assert.deepEqual(s.rmse!.values, [0.9, 0.92, 0.88]);
  close(s.fcp!.mean, 0.75);
  assert.equal(s.fcp!.n, 2);
});

Deno.test("evaluateModel() on a real svd beats the constant predictor on synthetic low-rank data", () => {
  // 60 users x 40 movies, ratings from a rank-2 structure plus user offsets
  const u: number[] = [], m: number[] = [], r: number[] = [];
  for (let a = 0; a < 60; a++) {
    for (let b = 0; b < 40; b++) {
      if ((a * 7 + b * 3) % 4 === 0) continue;
      u.push(a + 1);
      m.push(b + 1);
      const v = 3 + Math.sin(a) * Math.cos(b) + 0.5 * Math.cos(a * 0.3) * Math.sin(b * 0.7);
      r.push(Math.min(5, Math.max(0.5, Math.round(v * 2) / 2)));
    }
  }
  const all = ratingsFromColumns({ userId: u, movieId: m, rating: r });
  const fold = randomSplit(all, { testFraction: 0.2, seed: 1 }).folds[0]!;
  const tr = selectRows(all, fold.train);
  const te = selectRows(all, fold.test);
  const svd = new TruncatedSVD({ factors: 3 });
  svd.fit(tr);
  const result = evaluateModel(svd, tr, te, { k: 5 });
  let sd = 0;
  const mean = te.rating.reduce((s, x) => s + x, 0) / te.rating.length;
  for (const x of te.rating) sd += (x - mean) ** 2;
  sd = Math.sqrt(sd / te.rating.length);
  assert.ok(result.metrics.rmse! < sd, `rmse ${result.metrics.rmse} vs constant ${sd}`);
  assert.ok(result.metrics.explained_variance! > 0.3);
  assert.ok(result.metrics.fcp! > 0.6);
  assert.equal(result.counts.rankedUsers, 60);
  // a floor above every movie's training count empties the lists; the rating metrics stay
  const floored = evaluateModel(svd, tr, te, { k: 5, minRatings: 1000 });
  assert.equal(floored.metrics.rmse, result.metrics.rmse);
  assert.equal(floored.metrics.coverage, 0);
  assert.equal(floored.metrics.ndcg_at_5, 0);
  // a floor of 1 keeps every training movie: the same lists as no floor
  const one = evaluateModel(svd, tr, te, { k: 5, minRatings: 1 });
  assert.equal(one.metrics.ndcg_at_5, result.metrics.ndcg_at_5);
  assert.equal(one.metrics.coverage, result.metrics.coverage);
});

Deno.test("evaluateModel() refuses a list that holds a movie twice (its hit would count twice)", () => {
  const twice = new ScriptedModel(
    { "1:3": [4.5, "model"], "1:4": [2.5, "model"], "2:2": [3, "model"], "2:5": [2, "model"] },
    { 1: [3, 5, 3], 2: [2, 4, 5] },
  );
  assert.throws(
    () => evaluateModel(twice, train, test, { k: 3 }),
    /Cannot evaluate model "scripted": its list for user 1 holds movie 3 twice \(positions 1 and 3\)/,
  );
});

Deno.test("evaluateModel() moreFloors: each floor's ranking metrics equal an evaluation at that floor", async () => {
  const { _loadMovieLensSmall } = await import("../core/_test_data.ts");
  const { createModel } = await import("../models/model_registry.ts");
  const all = _loadMovieLensSmall();
  const fold = randomSplit(all, { testFraction: 0.2, seed: 3 }).folds[0]!;
  const train = selectRows(all, fold.train), test = selectRows(all, fold.test);
  for (const name of ["biased-mf", "item-knn"]) {
    const model = createModel(name, name === "biased-mf" ? { factors: 16, epochs: 5 } : {});
    model.fit(train);
    const once = evaluateModel(model, train, test, { minRatings: 0, moreFloors: [10, 50] });
    assert.deepEqual(once.moreFloors?.map((f) => f.minRatings), [10, 50]);
    for (const f of once.moreFloors!) {
      const alone = evaluateModel(model, train, test, { minRatings: f.minRatings });
      for (const [key, value] of Object.entries(f.metrics)) {
        assert.ok(Object.is(value, alone.metrics[key]), `${name} floor ${f.minRatings} ${key}`);
      }
    }
    // The floors really differ (else the test could not tell them apart).
    assert.notEqual(once.moreFloors![1]!.metrics.ndcg_at_10, once.metrics.ndcg_at_10, name);
  }
});
