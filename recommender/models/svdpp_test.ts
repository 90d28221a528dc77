import assert from "node:assert/strict";
import { SVDpp } from "./svdpp.ts";
import { TimeSVDpp } from "./time_svdpp.ts";
import { BiasedMF } from "./biased_mf.ts";
import { loadModel } from "./model_registry.ts";
import { ratingsFromColumns } from "../core/ratings.ts";
import { Prng } from "../core/prng.ts";
import { _svdppModuleBytes } from "../kernels/_wasm_svdpp.ts";

/** Ratings from a rank-2 truth, with every user rating ~60% of the movies. */
function lowRank(seed: number) {
  const rng = new Prng(seed);
  const users = 60, movies = 40;
  const pu = Array.from({ length: users }, () => [rng.gaussian(), rng.gaussian()]);
  const qi = Array.from({ length: movies }, () => [rng.gaussian(), rng.gaussian()]);
  const u: number[] = [], m: number[] = [], r: number[] = [], t: number[] = [];
  for (let a = 0; a < users; a++) {
    for (let b = 0; b < movies; b++) {
      if (rng.next() > 0.6) continue;
      const x = 3 + 0.6 * (pu[a]![0]! * qi[b]![0]! + pu[a]![1]! * qi[b]![1]!);
      u.push(a + 1);
      m.push(b + 100);
      r.push(Math.min(5, Math.max(1, x)));
      t.push(1_000_000_000 + (a * 7 + b) * 86400);
    }
  }
  return ratingsFromColumns({ userId: u, movieId: m, rating: r, timestamp: t });
}

Deno.test("svdpp: the kernel's module validates", () => {
  assert.ok(WebAssembly.validate(_svdppModuleBytes()));
});

Deno.test("svdpp and timesvdpp: the training loss decreases epoch after epoch", () => {
  const train = lowRank(1);
  for (
    const m of [
      new SVDpp({ factors: 4, epochs: 15, learningRate: 0.03 }),
      new TimeSVDpp({ factors: 4, epochs: 15, learningRate: 0.03 }),
    ]
  ) {
    m.fit(train);
    const loss = m.history.map((h) => h.trainLoss);
    assert.equal(loss.length, 15);
    for (let e = 1; e < loss.length; e++) {
      assert.ok(loss[e]! < loss[e - 1]!, `${m.name} epoch ${e}`);
    }
    assert.ok(loss.at(-1)! < 0.6 * loss[0]!, `${m.name}: ${loss[0]} -> ${loss.at(-1)}`);
  }
});

Deno.test("svdpp: the WASM and JS kernels agree", () => {
  const train = lowRank(2);
  const a = new SVDpp({ factors: 6, epochs: 5, kernel: "wasm" });
  const b = new SVDpp({ factors: 6, epochs: 5, kernel: "js" });
  a.fit(train);
  b.fit(train);
  for (let e = 0; e < 5; e++) {
    assert.ok(Math.abs(a.history[e]!.trainLoss - b.history[e]!.trainLoss) < 1e-4);
  }
  for (const [u, m] of [[1, 100], [5, 120], [60, 139]] as const) {
    assert.ok(Math.abs(a.predict(u, m).rating - b.predict(u, m).rating) < 1e-3);
  }
});

Deno.test("svdpp: recovers a low-rank truth on held-out pairs better than the bias model", () => {
  const all = lowRank(3);
  const n = all.rating.length;
  const testRows = Array.from({ length: n }, (_, e) => e).filter((e) => e % 5 === 0);
  const trainRows = Array.from({ length: n }, (_, e) => e).filter((e) => e % 5 !== 0);
  const pick = (rows: number[]) =>
    ratingsFromColumns({
      userId: rows.map((e) => all.userId[e]!),
      movieId: rows.map((e) => all.movieId[e]!),
      rating: rows.map((e) => all.rating[e]!),
    });
  const train = pick(trainRows), test = pick(testRows);
  const rmse = (m: { predict(u: number, i: number): { rating: number } }) => {
    let se = 0;
    for (let e = 0; e < test.rating.length; e++) {
      se += (m.predict(test.userId[e]!, test.movieId[e]!).rating - test.rating[e]!) ** 2;
    }
    return Math.sqrt(se / test.rating.length);
  };
  const s = new SVDpp({ factors: 4, epochs: 200, learningRate: 0.02, regularization: 0.02 });
  s.fit(train);
  const bias = new BiasedMF({ factors: 1, epochs: 50, initStd: 0 });
  bias.fit(train);
  assert.ok(rmse(s) < 0.7 * rmse(bias), `svdpp ${rmse(s)} vs biases ${rmse(bias)}`);
});

Deno.test("svdpp: early stopping keeps the best validation epoch", () => {
  const all = lowRank(4);
  const m = new SVDpp({
    factors: 8,
    epochs: 300,
    learningRate: 0.03,
    regularization: 0,
    patience: 2,
  });
  const n = all.rating.length;
  const rows = (keep: (e: number) => boolean) => {
    const idx = Array.from({ length: n }, (_, e) => e).filter(keep);
    return ratingsFromColumns({
      userId: idx.map((e) => all.userId[e]!),
      movieId: idx.map((e) => all.movieId[e]!),
      rating: idx.map((e) => all.rating[e]!),
    });
  };
  m.fit(rows((e) => e % 4 !== 0), { validation: rows((e) => e % 4 === 0) });
  const extra = m.extra as { bestEpoch: number; epochsRun: number };
  assert.ok(extra.epochsRun < 300, "stopped early");
  assert.equal(extra.epochsRun - extra.bestEpoch, 2);
});

Deno.test("timesvdpp: predictAt 'last' uses the latest day bias, 'mean' the average", async () => {
  // user 1 rates 2 on day 0 and 5 on day 100: the day biases split the difference
  const train = ratingsFromColumns({
    userId: [1, 1, 1, 1, 2, 2, 2, 2],
    movieId: [10, 20, 30, 40, 10, 20, 30, 40],
    rating: [2, 2, 5, 5, 3, 3, 3, 3],
    timestamp: [0, 0, 100 * 86400, 100 * 86400, 0, 0, 0, 0],
  });
  const cfg = {
    factors: 1,
    epochs: 200,
    initStd: 0,
    timeLearningRate: 0.05,
    timeRegularization: 0,
  };
  const last = new TimeSVDpp({ ...cfg, predictAt: "last" });
  const mean = new TimeSVDpp({ ...cfg, predictAt: "mean" });
  last.fit(train);
  mean.fit(train);
  assert.ok(last.predict(1, 10).rating > mean.predict(1, 10).rating + 0.3);
  const copy = loadModel(structuredClone(await last.save()));
  assert.deepEqual(copy.predict(1, 10), last.predict(1, 10));
});
