import assert from "node:assert/strict";
import { _sgdParallel, BiasedMF, type biasedMfConfigSchema } from "./biased_mf.ts";
import { _loadMovieLensSmall, _randomSplit, _score } from "../core/_test_data.ts";
import { _sgdModuleBytes } from "../kernels/_wasm_sgd.ts";
import type { FitProgress } from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { kernelThreads } from "../kernels/kernel_threads.ts";
import type { z } from "zod";

Deno.test("the hand-assembled SGD module is valid WebAssembly", () => {
  assert.ok(WebAssembly.validate(_sgdModuleBytes()));
});

Deno.test("biased-mf: the wasm and JS kernels agree and early stopping keeps the best epoch", () => {
  const { train, test } = _randomSplit(_loadMovieLensSmall(), 0.2, 42);
  const { train: fitPart, test: validation } = _randomSplit(train, 0.1, 7);
  const progress: FitProgress[] = [];
  const cfg = { factors: 12, epochs: 200, learningRate: 0.02, regularization: 0.01, patience: 2 };
  const wasm = new BiasedMF({ ...cfg, kernel: "wasm" });
  wasm.fit(fitPart, { validation, onProgress: (p) => progress.push(p) });
  const js = new BiasedMF({ ...cfg, kernel: "js" });
  js.fit(fitPart, { validation });
  // weak regularization overfits: training stops early, well before 200 epochs
  assert.ok(wasm.history.length < 200, `ran ${wasm.history.length} epochs`);
  assert.equal(progress.length, wasm.history.length);
  const losses = wasm.history.map((h) => h.validationLoss!);
  const best = Math.min(...losses);
  assert.equal(wasm.extra.bestValidationRmse, best);
  assert.equal(wasm.history.length - losses.indexOf(best) - 1, cfg.patience);
  assert.ok(wasm.history[0]!.trainLoss > wasm.history.at(-1)!.trainLoss);
  // float32 (wasm) vs float64 (JS) arithmetic: the same model up to rounding
  const a = _score(wasm, test), b = _score(js, test);
  assert.ok(Math.abs(a.rmse - b.rmse) < 0.005, `wasm ${a.rmse} vs js ${b.rmse}`);
  assert.equal(wasm.extra.kernel, "wasm");
  assert.equal(js.extra.kernel, "js");
});

Deno.test("biased-mf exposes its factors for fold-in", () => {
  const { train } = _randomSplit(_loadMovieLensSmall(), 0.2, 42);
  const m = new BiasedMF({ factors: 8, epochs: 3 });
  assert.equal(m.factors(), null);
  m.fit(train);
  const f = m.factors()!;
  assert.equal(f.k, 8);
  assert.equal(f.userFactors.length, f.userIds.length * 8);
  assert.equal(f.itemFactors.length, f.itemIds.length * 8);
  assert.equal(f.regularization, m.config.regularization);
  const i = 5;
  const norm = Math.hypot(...f.itemFactors.subarray(i * 8, i * 8 + 8));
  assert.ok(Math.abs(f.itemNorms[i]! - norm) < 1e-5);
  const u = 3, id = f.userIds[u]!, movie = f.itemIds[i]!;
  let dot = 0;
  for (let x = 0; x < 8; x++) dot += f.userFactors[u * 8 + x]! * f.itemFactors[i * 8 + x]!;
  const raw = f.globalMean + f.userBias![u]! + f.itemBias![i]! + dot;
  const clipped = Math.min(f.ratingScale[1], Math.max(f.ratingScale[0], raw));
  assert.ok(Math.abs(m.predict(id, movie).rating - clipped) < 1e-5);
  // similar() is the cosine of item factors, best first, without the movie itself
  const sim = m.similar(movie, 5)!;
  assert.equal(sim.length, 5);
  assert.ok(sim.every((s) => s.movieId !== movie && s.score <= 1 + 1e-6));
  assert.deepEqual(sim.map((s) => s.score), sim.map((s) => s.score).toSorted((x, y) => y - x));
});

/** Fits on `threads` kernel threads (workers forced on), returning the model and its saved bytes. */
async function fitOn(
  threads: number,
  train: Ratings,
  config: z.input<typeof biasedMfConfigSchema>,
  validation?: Ratings,
): Promise<{ model: BiasedMF; bytes: Uint8Array }> {
  const before = kernelThreads(), minWork = _sgdParallel.minWork;
  kernelThreads(threads);
  _sgdParallel.minWork = 0;
  const model = new BiasedMF(config);
  try {
    model.fit(train, validation ? { validation } : {});
  } finally {
    kernelThreads(before);
    _sgdParallel.minWork = minWork;
  }
  return { model, bytes: (await model.save()).data };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, j) => x === b[j]);
}

Deno.test("biased-mf: DSGD strata give the same bytes and losses on 1, 2 and 3 threads", async (t) => {
  const { train, test } = _randomSplit(_loadMovieLensSmall(), 0.2, 42);
  const { train: fitPart, test: validation } = _randomSplit(train, 0.1, 7);
  for (const strata of [2, 4]) {
    await t.step(`strata ${strata}`, async () => {
      const config = { factors: 16, epochs: 6, strata };
      const one = await fitOn(1, fitPart, config, validation);
      const two = await fitOn(2, fitPart, config, validation);
      assert.equal(one.model.extra.threads, 1);
      assert.equal(two.model.extra.threads, 2);
      assert.ok(sameBytes(one.bytes, two.bytes), "factors differ between 1 and 2 threads");
      assert.deepEqual(
        two.model.history.map((h) => [h.trainLoss, h.validationLoss]),
        one.model.history.map((h) => [h.trainLoss, h.validationLoss]),
      );
      if (strata === 4) {
        const three = await fitOn(3, fitPart, config, validation);
        assert.equal(three.model.extra.threads, 3);
        assert.ok(sameBytes(one.bytes, three.bytes), "factors differ between 1 and 3 threads");
      }
      // a real model, not a no-op: better than the global mean on the test split
      assert.ok(_score(two.model, test).rmse < 0.95);
    });
  }
});

Deno.test("biased-mf: the strata change the order, strata 1 is the unstratified one", async () => {
  const { train } = _randomSplit(_loadMovieLensSmall(), 0.2, 42);
  const config = { factors: 8, epochs: 3 };
  const s1 = await fitOn(1, train, { ...config, strata: 1 });
  const s1on2 = await fitOn(2, train, { ...config, strata: 1 });
  const s4 = await fitOn(2, train, { ...config, strata: 4 });
  // one stratum has nothing to run beside it: no workers, the same fit
  assert.equal(s1on2.model.extra.threads, 1);
  assert.ok(sameBytes(s1.bytes, s1on2.bytes));
  assert.ok(!sameBytes(s1.bytes, s4.bytes), "strata 4 should visit the ratings in another order");
  // ... and the same model up to SGD noise
  const a = s1.model.history.at(-1)!.trainLoss, b = s4.model.history.at(-1)!.trainLoss;
  assert.ok(Math.abs(a - b) < 0.01, `train RMSE ${a} (1 stratum) vs ${b} (4)`);
});
