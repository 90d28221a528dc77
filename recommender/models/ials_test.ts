import assert from "node:assert/strict";
import { _ialsParallel, IALS, type ialsConfigSchema } from "./ials.ts";
import type { z } from "zod";
import { _ialsApplyBytes, _ialsRowsumBytes } from "../kernels/_wasm_ials.ts";
import { kernelThreads } from "../kernels/kernel_threads.ts";
import { _randomRatings, _ratingsOf, _twoGroups } from "../core/_ranking_fixture.ts";
import { _loadMovieLensSmall } from "../core/_test_data.ts";
import type { Ratings } from "../core/ratings.ts";

Deno.test("the hand-assembled iALS modules are valid WebAssembly", () => {
  assert.ok(WebAssembly.validate(_ialsApplyBytes()));
  assert.ok(WebAssembly.validate(_ialsRowsumBytes()));
});

Deno.test("ials recommends each user their group's unseen movie", async (t) => {
  const { ratings, missing } = _twoGroups();
  const cases = [
    { solver: "cg", kernel: "wasm" },
    { solver: "cg", kernel: "js" },
    { solver: "cholesky", kernel: "js" },
  ] as const;
  for (const c of cases) {
    await t.step(`${c.solver} (${c.kernel})`, () => {
      const m = new IALS({ factors: 4, iterations: 10, regularization: 0.01, ...c });
      m.fit(ratings);
      for (const [user, movie] of missing) {
        const r = m.recommend(user, 3);
        assert.ok(r.ok);
        assert.equal(r.items[0]!.movieId, movie, `user ${user}`);
      }
    });
  }
});

Deno.test("ials: the loss decreases every iteration", async (t) => {
  const ratings = _randomRatings(40, 80, { density: 0.1, seed: 11 });
  const cases = [
    { solver: "cg", confidence: "binary", regularizationExponent: 1 },
    { solver: "cg", confidence: "rating", regularizationExponent: 0.5 },
    { solver: "cholesky", confidence: "binary", regularizationExponent: 0 },
  ] as const;
  for (const c of cases) {
    await t.step(JSON.stringify(c), () => {
      const m = new IALS({ factors: 8, iterations: 12, alpha: 5, regularization: 0.01, ...c });
      m.fit(ratings);
      assert.equal(m.history.length, 12);
      for (let e = 1; e < m.history.length; e++) {
        assert.ok(
          m.history[e]!.trainLoss <= m.history[e - 1]!.trainLoss + 1e-9,
          `epoch ${e + 1}: ${m.history[e]!.trainLoss} > ${m.history[e - 1]!.trainLoss}`,
        );
      }
      assert.ok(m.history.at(-1)!.trainLoss < m.history[0]!.trainLoss);
    });
  }
});

Deno.test("ials: the WASM and JS kernels give the same factors up to float32 rounding", () => {
  const ratings = _randomRatings(40, 80, { density: 0.1, seed: 12 });
  const a = new IALS({ factors: 8, iterations: 5, kernel: "wasm" });
  const b = new IALS({ factors: 8, iterations: 5, kernel: "js" });
  a.fit(ratings);
  b.fit(ratings);
  for (let e = 0; e < 5; e++) {
    const x = a.history[e]!.trainLoss, y = b.history[e]!.trainLoss;
    assert.ok(Math.abs(x - y) < 1e-4 * Math.abs(y), `${x} vs ${y}`);
  }
});

Deno.test("ials: fold-in of a training user's own ratings is close to its list", () => {
  const ratings = _randomRatings(40, 80, { density: 0.15, seed: 13 });
  const m = new IALS({ factors: 8, iterations: 15, solver: "cholesky" });
  m.fit(ratings);
  for (const user of [1, 20, 40]) {
    const known = m.recommend(user, 10);
    assert.ok(known.ok);
    const folded = m.recommendForRatings(_ratingsOf(ratings, user), 10);
    // users are solved last against the final movie factors: the same solve, exactly
    assert.deepEqual(folded.items.map((x) => x.movieId), known.items.map((x) => x.movieId));
    for (let j = 0; j < 10; j++) {
      assert.ok(Math.abs(folded.items[j]!.score - known.items[j]!.score) < 1e-4);
    }
  }
  const cg = new IALS({ factors: 8, iterations: 15 });
  cg.fit(ratings);
  for (const user of [1, 20, 40]) {
    const known = cg.recommend(user, 10);
    assert.ok(known.ok);
    const folded = cg.recommendForRatings(_ratingsOf(ratings, user), 10);
    const same = folded.items.filter((x) => known.items.some((y) => y.movieId === x.movieId));
    assert.ok(same.length >= 8, `user ${user}: ${same.length} of 10 in common`);
  }
});

Deno.test("ials: explain() weights sum to the fold-in score", () => {
  const ratings = _randomRatings(40, 80, { density: 0.15, seed: 14 });
  const m = new IALS({ factors: 8, iterations: 10, solver: "cholesky" });
  m.fit(ratings);
  const top = m.recommend(3, 1);
  assert.ok(top.ok);
  const e = m.explain(3, top.items[0]!.movieId, { k: 1000 })!;
  const sum = e.contributions.reduce((s, c) => s + c.weight, 0);
  assert.ok(Math.abs(sum - e.score) < 1e-6);
  assert.ok(Math.abs(e.score - top.items[0]!.score) < 1e-4, `${e.score} vs ${top.items[0]!.score}`);
  assert.equal(m.explain(3, 424242), null);
});

Deno.test("ials: save/load gives identical lists and similar movies", async () => {
  const ratings = _randomRatings(30, 50, { density: 0.15, seed: 15 });
  const m = new IALS({ factors: 6, iterations: 5 });
  m.fit(ratings);
  const copy = IALS.load(structuredClone(await m.save()));
  for (const user of [1, 15, 30]) assert.deepEqual(copy.recommend(user, 10), m.recommend(user, 10));
  assert.deepEqual(copy.similar(1005, 5), m.similar(1005, 5));
  assert.deepEqual(
    copy.recommendForRatings({ movieIds: [1001, 1002], ratings: [5, 4] }, 5),
    m.recommendForRatings({ movieIds: [1001, 1002], ratings: [5, 4] }, 5),
  );
  assert.deepEqual(copy.history, m.history);
  assert.deepEqual((await copy.save()).data, (await m.save()).data);
});

/** A fit on `threads` kernel threads, worker threads forced on whatever the size: its bytes and model. */
async function fitOnThreads(
  ratings: Ratings,
  threads: number,
  config: z.input<typeof ialsConfigSchema>,
): Promise<{ data: Uint8Array; model: IALS }> {
  const before = kernelThreads(), minWork = _ialsParallel.minWork;
  kernelThreads(threads);
  _ialsParallel.minWork = 0;
  const model = new IALS(config);
  try {
    model.fit(ratings);
  } finally {
    kernelThreads(before);
    _ialsParallel.minWork = minWork;
  }
  return { data: (await model.save()).data, model };
}

Deno.test("ials: a fit on 2 and 3 threads saves the same bytes as on 1 (ml-latest-small)", async () => {
  const ratings = _loadMovieLensSmall();
  const config = { factors: 16, iterations: 3 };
  const one = await fitOnThreads(ratings, 1, config);
  assert.equal(one.model.extra.threads, 1);
  for (const threads of [2, 3]) {
    const many = await fitOnThreads(ratings, threads, config);
    assert.equal(many.model.extra.threads, threads, "the worker threads did not start");
    assert.equal(many.model.extra.kernel, one.model.extra.kernel);
    assert.equal(many.data.length, one.data.length);
    assert.ok(
      many.data.every((b, j) => b === one.data[j]),
      `factors differ: 1 vs ${threads} threads`,
    );
    assert.deepEqual(
      many.model.history.map((h) => h.trainLoss),
      one.model.history.map((h) => h.trainLoss),
    );
  }
});

Deno.test("ials: every solver gives the same bytes on 2 threads as on 1", async (t) => {
  const ratings = _randomRatings(60, 90, { density: 0.12, seed: 16 });
  const cases = [
    { solver: "cg", kernel: "js" },
    { solver: "cholesky", kernel: "js" },
  ] as const;
  for (const c of cases) {
    await t.step(`${c.solver} (${c.kernel})`, async () => {
      const config = { factors: 8, iterations: 4, ...c };
      const one = await fitOnThreads(ratings, 1, config);
      const two = await fitOnThreads(ratings, 2, config);
      assert.equal(two.model.extra.threads, 2);
      assert.ok(two.data.every((b, j) => b === one.data[j]), "factors differ");
    });
  }
});

Deno.test("ials: progress is reported every iteration on worker threads", async () => {
  const before = kernelThreads(), minWork = _ialsParallel.minWork;
  kernelThreads(2);
  _ialsParallel.minWork = 0;
  const epochs: number[] = [];
  const m = new IALS({ factors: 4, iterations: 3 });
  try {
    m.fit(_randomRatings(20, 30, { density: 0.2, seed: 17 }), {
      onProgress: (p) => epochs.push(p.epoch ?? 0),
    });
  } finally {
    kernelThreads(before);
    _ialsParallel.minWork = minWork;
  }
  assert.equal(m.extra.threads, 2);
  assert.deepEqual(epochs, [1, 2, 3]);
  // the fitted model answers like any other (plain arrays behind the scorer)
  assert.ok(m.recommend(1, 5).ok);
  await m.save();
});
