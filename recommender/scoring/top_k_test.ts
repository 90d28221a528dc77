import assert from "node:assert/strict";
import { TopK } from "./top_k.ts";
import { Prng } from "../core/prng.ts";

Deno.test("TopK selection equals a full sort on random data", () => {
  const rng = new Prng(7);
  const top = new TopK();
  for (const [n, k] of [[1000, 10], [50, 50], [50, 80], [500, 1], [300, 0]] as const) {
    // few distinct values so ties are common
    const scores = Array.from({ length: n }, () => Math.floor(rng.next() * 40) / 4);
    top.reset(k);
    scores.forEach((s, i) => top.push(i, s));
    const { indices, scores: got } = top.drain();
    const expected = scores
      .map((s, i) => ({ s, i }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .slice(0, k);
    assert.deepEqual(Array.from(indices), expected.map((e) => e.i));
    assert.deepEqual(Array.from(got), expected.map((e) => e.s));
  }
});

Deno.test("TopK ignores NaN scores and rejects a negative k", () => {
  const top = new TopK();
  top.reset(2);
  top.push(0, NaN);
  top.push(1, 1);
  assert.deepEqual(Array.from(top.drain().indices), [1]);
  assert.throws(() => top.reset(-1), /k must be a non-negative integer/);
});
