import assert from "node:assert/strict";
import { _scoresModuleBytes, _WasmScores } from "./_wasm_scores.ts";

Deno.test("_WasmScores scores and cosines match a plain loop for odd factor counts", () => {
  for (const k of [1, 7, 8, 13, 100]) {
    const n = 37;
    let seed = k;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
    const q = Float32Array.from({ length: n * k }, rand);
    const bias = Float32Array.from({ length: n }, rand);
    const norms = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += q[i * k + f]! ** 2;
      norms[i] = Math.sqrt(s);
    }
    const w = _WasmScores.create(q, k, bias, norms);
    assert.ok(w, "WebAssembly SIMD is available in Deno");
    const u = Float32Array.from({ length: 2 * k }, rand);
    const out = w.scores(u, k); // second row of a two-user matrix
    for (let i = 0; i < n; i++) {
      let s = bias[i]!;
      for (let f = 0; f < k; f++) s += u[k + f]! * q[i * k + f]!;
      assert.ok(Math.abs(s - out[i]!) < 1e-5, `k=${k} item ${i}: ${s} vs ${out[i]}`);
    }
    const cos = w.cosines(3);
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let f = 0; f < k; f++) d += q[3 * k + f]! * q[j * k + f]!;
      assert.ok(Math.abs(d / (norms[3]! * norms[j]!) - cos[j]!) < 1e-5);
    }
  }
});

Deno.test("_WasmScores is not built for a model without factors", () => {
  assert.equal(_WasmScores.create(new Float32Array(0), 0, undefined, new Float32Array(3)), null);
});

Deno.test("_scoresModuleBytes() is a valid WebAssembly module", () => {
  assert.ok(WebAssembly.validate(_scoresModuleBytes()));
});
