import assert from "node:assert/strict";
import { _EaseRows, _easeRowsBytes } from "./_wasm_ease.ts";
import { Prng } from "../core/prng.ts";

Deno.test("the ease rows kernel is a valid module", () => {
  assert.ok(WebAssembly.validate(_easeRowsBytes()));
});

Deno.test("the ease rows kernel sums weight rows to the bits of the JS loop", () => {
  const rng = new Prng(11);
  for (const nC of [1, 3, 4, 37, 64]) {
    const B = Float32Array.from({ length: nC * nC }, () => rng.gaussian() * 0.01);
    const k = _EaseRows.create(B, nC);
    assert.ok(k, "this runtime has WebAssembly SIMD");
    for (const n of [0, 1, Math.min(nC, 5), nC]) {
      const cols = Int32Array.from({ length: n }, () => rng.below(nC));
      const expected = new Float64Array(nC);
      for (const r of cols) for (let j = 0; j < nC; j++) expected[j]! += B[r * nC + j]!;
      assert.deepEqual(k.rows(cols), expected, `nC ${nC}, ${n} rows`);
    }
    assert.throws(() => k.rows(new Int32Array(nC + 1)), /at most/);
  }
  assert.throws(() => _EaseRows.create(new Float32Array(3), 2), /3 weights for a 2 x 2/);
});
