import assert from "node:assert/strict";
import { _BatchScorer, _HITS } from "./_batch_scorer.ts";
import { ItemScorer } from "../scoring/item_scorer.ts";
import { Prng } from "../core/prng.ts";

/** A view of `n` items and 5 users whose scores repeat (ties), with some NaN and -Infinity. */
function _view(n: number) {
  const k = 3, rng = new Prng(3);
  const itemFactors = Float32Array.from({ length: n * k }, () => Math.round(rng.gaussian() * 2));
  itemFactors[7 * k] = NaN;
  itemFactors[(n - 1) * k + 1] = -Infinity; // -Infinity * a positive factor
  return {
    k,
    userIds: Int32Array.of(3, 5, 8, 13, 21),
    itemIds: Int32Array.from({ length: n }, (_, i) => 10 + i),
    userFactors: Float32Array.from({ length: 5 * k }, (_, j) => 1 + (j % 4) * 0.25),
    itemFactors,
    itemNorms: new Float32Array(n),
    userBias: Float32Array.of(0.1, -0.3, 0, 2.5, 1e-3),
    itemBias: Float32Array.from({ length: n }, (_, i) => (i % 5) * 0.5),
    globalMean: 3.25,
    ratingScale: [0.5, 5] as const,
    regularization: 0,
  };
}

Deno.test("_BatchScorer.above() finds every position at or above the bar, in order, a few at a time", async (t) => {
  for (const n of [1, 5, 16, 37, 300]) {
    await t.step(`${n} items`, () => {
      const view = _view(n);
      const created = _BatchScorer.create(view);
      assert.ok(created, "WebAssembly SIMD is available");
      const batch: _BatchScorer = created;
      batch.score([0, 1, 2, 3, 4]);
      const one = new Float32Array(n);
      for (let b = 0; b < 5; b++) {
        const scores: Float32Array = batch.userScores(b);
        // the scores in WebAssembly memory are rawScores' bits (ItemScorer with the user's base)
        ItemScorer.of(view).scores({
          vector: view.userFactors,
          offset: b * view.k,
          base: Math.fround(view.globalMean + view.userBias[b]!),
        }, one);
        assert.deepEqual(new Uint8Array(scores.slice().buffer), new Uint8Array(one.buffer));
        const finite = [...scores].filter((s) => Number.isFinite(s)).sort((x, y) => x - y);
        for (
          const bar of [-Infinity, finite[0]!, finite[finite.length >> 1]!, finite.at(-1)!, 1e9]
        ) {
          const expected = [...scores.keys()].filter((i) => scores[i]! >= bar);
          const got: number[] = [];
          let calls = 0;
          for (let from = 0; from < n; calls++) {
            const c = batch.above(b, from, bar);
            assert.ok(c <= _HITS + 15, "at most cap + 15 hits per call");
            got.push(...batch.hits.subarray(1, 1 + c));
            assert.ok(batch.hits[0]! > from, "each call moves on");
            from = batch.hits[0]!;
          }
          assert.deepEqual(got, expected, `user ${b}, bar ${bar}`);
          assert.ok(calls <= 1 + Math.floor(expected.length / _HITS), `${calls} calls`);
        }
      }
    });
  }
});

Deno.test("_BatchScorer.score() over item ranges of 256 writes the same bits as over every item", () => {
  for (const n of [1, 256, 300, 700]) {
    const view = _view(n);
    const batch = _BatchScorer.create(view)!;
    const rows = [0, 1, 2, 3, 4];
    batch.score(rows);
    const whole = rows.map((_, b) => batch.userScores(b).slice());
    // overwrite, then score range by range in a shuffled order
    batch.score([4, 3, 2, 1, 0]);
    const starts = Array.from({ length: Math.ceil(n / 256) }, (_, j) => j * 256).reverse();
    for (const from of starts) batch.score(rows, from, Math.min(n, from + 256));
    for (let b = 0; b < rows.length; b++) {
      const got = batch.userScores(b).slice();
      assert.deepEqual(
        new Uint8Array(got.buffer),
        new Uint8Array(whole[b]!.buffer),
        `n ${n}, user ${b}`,
      );
    }
    // a range leaves the scores outside it as they were
    batch.score([4, 3, 2, 1, 0]);
    const before = batch.userScores(0).slice();
    batch.score(rows, 0, Math.min(n, 256));
    const after = batch.userScores(0);
    for (let i = 256; i < n; i++) assert.ok(Object.is(after[i], before[i]), `item ${i} untouched`);
  }
});
