import assert from "node:assert/strict";
import { ItemScorer } from "./item_scorer.ts";
import type { FactorView } from "../core/factor_view.ts";
import { Prng } from "../core/prng.ts";

function view(k: number, nI: number, seed: number): FactorView {
  const rng = new Prng(seed);
  const itemFactors = Float32Array.from({ length: nI * k }, () => rng.gaussian());
  const itemNorms = new Float32Array(nI);
  for (let i = 0; i < nI; i++) {
    let s = 0;
    for (let f = 0; f < k; f++) s += itemFactors[i * k + f]! ** 2;
    itemNorms[i] = Math.sqrt(s);
  }
  return {
    k,
    userIds: Int32Array.of(1, 2),
    itemIds: Int32Array.from({ length: nI }, (_, i) => i + 1),
    userFactors: Float32Array.from({ length: 2 * k }, () => rng.gaussian()),
    itemFactors,
    itemNorms,
    itemBias: Float32Array.from({ length: nI }, () => rng.gaussian()),
    userBias: Float32Array.of(0.1, -0.2),
    globalMean: 3.5,
    ratingScale: [0.5, 5],
    regularization: 0.05,
  };
}

Deno.test("ItemScorer.scores() is base + item bias + p . q for every item, k = 0 included", () => {
  for (const k of [0, 3, 16, 50]) {
    const v = view(k, 41, k + 1);
    const s = ItemScorer.of(v);
    assert.equal(ItemScorer.of(v), s, "one scorer per view");
    const out = s.scores({ vector: v.userFactors, offset: k, base: 3.4 }, new Float32Array(41));
    for (let i = 0; i < 41; i++) {
      let want = 3.4 + v.itemBias![i]!;
      for (let f = 0; f < k; f++) want += v.userFactors[k + f]! * v.itemFactors[i * k + f]!;
      assert.ok(Math.abs(out[i]! - want) < 1e-4, `k=${k} item ${i}: ${out[i]} vs ${want}`);
    }
  }
});

Deno.test("ItemScorer.cosines() matches the cosine of item factors and checks the row", () => {
  const v = view(7, 20, 9);
  const s = ItemScorer.of(v);
  const cos = s.cosines(4);
  for (let j = 0; j < 20; j++) {
    let d = 0;
    for (let f = 0; f < 7; f++) d += v.itemFactors[4 * 7 + f]! * v.itemFactors[j * 7 + f]!;
    assert.ok(Math.abs(cos[j]! - d / (v.itemNorms[4]! * v.itemNorms[j]!)) < 1e-5);
  }
  assert.throws(() => s.cosines(20), /item row 20 is not in 0\.\.19/);
  assert.throws(() => s.scores({ vector: v.userFactors }, new Float32Array(3)), /need 20/);
});
