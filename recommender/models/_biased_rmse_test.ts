import assert from "node:assert/strict";
import { Prng } from "../core/prng.ts";
import { _wasmSse } from "../kernels/_wasm_rmse.ts";
import {
  _biasedFactorRmse,
  _biasedFactorRmseJs,
  _biasedFactorRmseScalar,
  type _BiasedFactors,
  type _EncodedRatings,
} from "./_biased_rmse.ts";

/** Random ratings and factors; ids -1 (unknown) at rate `unknown`, factor rows of stride kp. */
function randomCase(
  seed: number,
  o: { n: number; nU: number; nI: number; k: number; kp: number; unknown: number; std: number },
): { data: _EncodedRatings; m: _BiasedFactors } {
  const rng = new Prng(seed);
  const id = (size: number) => rng.next() < o.unknown ? -1 : rng.below(size);
  const g = (len: number) => Float32Array.from({ length: len }, () => rng.gaussian() * o.std);
  const data = {
    u: Int32Array.from({ length: o.n }, () => id(o.nU)),
    i: Int32Array.from({ length: o.n }, () => id(o.nI)),
    r: Float32Array.from({ length: o.n }, () => 0.5 + rng.below(10) / 2),
  };
  const m = {
    P: g(o.nU * o.kp),
    Q: g(o.nI * o.kp),
    bu: g(o.nU),
    bi: g(o.nI),
    k: o.k,
    ...(o.kp !== o.k ? { kp: o.kp } : {}),
    mu: 3.4 + rng.next() * 0.2,
    scale: [0.5, 5] as const,
  };
  return { data, m };
}

/** The loss by each path: the WebAssembly kernel (required here), the JS loop, the reference. */
function byPath(
  data: _EncodedRatings,
  m: _BiasedFactors,
): { wasm: number; js: number; ref: number } {
  const n = data.r.length;
  const se = _wasmSse({ ...data, ...m, kp: m.kp ?? m.k, lo: m.scale[0], hi: m.scale[1] });
  assert(se !== null, "this runtime has WebAssembly SIMD");
  return {
    wasm: n > 0 ? Math.sqrt(se / n) : NaN,
    js: _biasedFactorRmseJs(data, m),
    ref: _biasedFactorRmseScalar(data, m),
  };
}

Deno.test("_biasedFactorRmse() equals the one-rating loop bit for bit", async (t) => {
  const cases = [
    { name: "k = 30, stride k, no unknown ids", n: 4003, k: 30, kp: 30, unknown: 0, std: 0.3 },
    { name: "k = 30 padded to 32, unknown ids", n: 4001, k: 30, kp: 32, unknown: 0.05, std: 0.3 },
    { name: "k = 100, many unknown ids", n: 2002, k: 100, kp: 100, unknown: 0.3, std: 0.2 },
    { name: "k = 1, padded to 4", n: 999, k: 1, kp: 4, unknown: 0.1, std: 1 },
    // large factors: most predictions clip at one end of the scale or the other
    { name: "k = 7 padded to 8, clipping", n: 3000, k: 7, kp: 8, unknown: 0.02, std: 1.5 },
    // more ratings than the kernel's buffer holds: the running sum crosses chunks
    { name: "k = 30, several chunks", n: 40003, k: 30, kp: 32, unknown: 0.01, std: 0.3 },
    { name: "fewer ratings than a group", n: 3, k: 5, kp: 8, unknown: 0.3, std: 0.5 },
  ];
  for (const [seed, c] of cases.entries()) {
    await t.step(c.name, () => {
      const { data, m } = randomCase(seed + 1, { ...c, nU: 50, nI: 70 });
      const { wasm, js, ref } = byPath(data, m);
      assert(Number.isFinite(ref));
      assert.equal(wasm, ref);
      assert.equal(js, ref);
      assert.equal(_biasedFactorRmse(data, m), ref);
      // the same on every prefix length, so each tail (0-3 ratings after the groups) is covered
      for (let len = 0; len <= Math.min(9, c.n); len++) {
        const part = {
          u: data.u.subarray(0, len),
          i: data.i.subarray(0, len),
          r: data.r.subarray(0, len),
        };
        const { wasm, js, ref } = byPath(part, m);
        if (len === 0) assert(Number.isNaN(wasm) && Number.isNaN(js) && Number.isNaN(ref));
        else assert.deepEqual([wasm, js], [ref, ref]);
      }
    });
  }
  await t.step("the comparison sees a change of summation order", () => {
    // the reference with the dot product summed from the last factor down: another f64 chain
    const reversed = (data: _EncodedRatings, m: _BiasedFactors) => {
      let se = 0;
      for (let e = 0; e < data.r.length; e++) {
        const u = data.u[e]!, i = data.i[e]!;
        let p = m.mu + m.bu[u]! + m.bi[i]!;
        for (let f = m.k - 1; f >= 0; f--) p += m.P[u * m.k + f]! * m.Q[i * m.k + f]!;
        p = p < m.scale[0] ? m.scale[0] : p > m.scale[1] ? m.scale[1] : p;
        se += (p - data.r[e]!) ** 2;
      }
      return Math.sqrt(se / data.r.length);
    };
    const { data, m } = randomCase(5, {
      n: 4000,
      nU: 50,
      nI: 70,
      k: 30,
      kp: 30,
      unknown: 0,
      std: 0.3,
    });
    assert.notEqual(reversed(data, m), _biasedFactorRmseScalar(data, m));
  });
  await t.step("the clipping case clips", () => {
    const { data, m } = randomCase(99, {
      n: 3000,
      nU: 50,
      nI: 70,
      k: 7,
      kp: 8,
      unknown: 0,
      std: 1.5,
    });
    const clipped = { ...m, scale: [-1e9, 1e9] as const };
    assert(_biasedFactorRmse(data, clipped) > _biasedFactorRmse(data, m));
  });
  await t.step("no ratings: NaN", () => {
    const { m } = randomCase(1, { n: 0, nU: 2, nI: 2, k: 2, kp: 4, unknown: 0, std: 1 });
    const empty = { u: new Int32Array(0), i: new Int32Array(0), r: new Float32Array(0) };
    assert(Number.isNaN(_biasedFactorRmse(empty, m)));
  });
});
