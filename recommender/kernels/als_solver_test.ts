import assert from "node:assert/strict";
import { buildCsr, transposeCsr } from "../core/csr.ts";
import { Prng } from "../core/prng.ts";
import { _loadMovieLensSmall } from "../core/_test_data.ts";
import { ALS } from "../models/als.ts";
import { kernelThreads } from "./kernel_threads.ts";
import { _alsSolveBytes } from "./_wasm_als.ts";
import { type _AlsFit, _alsKernel, type _AlsKernelName, _alsSolver } from "./_als_solver.ts";

/** A fit over random ratings: user 0 has none, user 1 one, user 2 many (several blocks). */
function randomFit(k: number): _AlsFit {
  const rng = new Prng(k);
  const nU = 40, nI = 400;
  const u: number[] = [], i: number[] = [], r: number[] = [];
  for (let user = 1; user < nU; user++) {
    const n = user === 1 ? 1 : user === 2 ? 350 : 1 + rng.below(60);
    const items = rng.shuffle(Int32Array.from({ length: nI }, (_, j) => j)).subarray(0, n);
    for (const item of items) u.push(user), i.push(item), r.push(0.5 + rng.below(10) / 2);
  }
  const byUser = buildCsr(Int32Array.from(u), Int32Array.from(i), Float32Array.from(r), {
    nRows: nU,
    nCols: nI,
  });
  const f32 = (n: number) => Float32Array.from({ length: n }, () => rng.gaussian() * 0.3);
  return {
    byUser,
    byItem: transposeCsr(byUser),
    P: f32(nU * k),
    Q: f32(nI * k),
    bu: f32(nU),
    bi: f32(nI),
    k,
    mu: 3.5,
    regularization: 0.15,
    biasRegularization: 0.1,
  };
}

/** The fit's arrays after `sweeps` alternating half-steps with kernel `kernel`. */
function sweep(fit: _AlsFit, kernel: _AlsKernelName, sweeps: number): Float32Array[] {
  const copy = {
    ...fit,
    P: fit.P.slice(),
    Q: fit.Q.slice(),
    bu: fit.bu.slice(),
    bi: fit.bi.slice(),
  };
  const ranges = [[0, fit.byUser.nRows], [0, fit.byItem.nRows]] as const;
  const solver = _alsSolver(copy, { ranges, kernel });
  assert.equal(solver.kernel, kernel);
  for (let s = 0; s < sweeps; s++) {
    solver.solve(0);
    solver.solve(1);
  }
  return [copy.P, copy.Q, copy.bu, copy.bi];
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, j) => v === y[j]);
}

Deno.test("als_solve.wat compiles to a valid WebAssembly module", () => {
  assert.ok(WebAssembly.validate(_alsSolveBytes()));
});

Deno.test("_alsSolver() WASM kernel computes the JS kernel's bits", async (t) => {
  for (const k of [1, 2, 3, 4, 5, 8, 13, 30, 31, 64]) {
    await t.step(`k = ${k}`, () => {
      const fit = randomFit(k);
      const js = sweep(fit, "js", 3), wasm = sweep(fit, "wasm", 3);
      ["P", "Q", "bu", "bi"].forEach((name, j) => {
        assert.ok(sameBits(js[j]!, wasm[j]!), `${name} differs between the kernels`);
      });
      // user 0 has no ratings: its factors are left as they were
      assert.ok(sameBits(wasm[0]!.subarray(0, k), fit.P.subarray(0, k)));
    });
  }
});

Deno.test("_alsSolver() solves only its row ranges", () => {
  const fit = randomFit(6);
  const P = fit.P.slice(), Q = fit.Q.slice(), bu = fit.bu.slice(), bi = fit.bi.slice();
  const part = { ...fit, P, Q, bu, bi };
  const solver = _alsSolver(part, { ranges: [[10, 25], [100, 300]], kernel: "wasm" });
  solver.solve(0);
  assert.ok(sameBits(P.subarray(0, 60), fit.P.subarray(0, 60)), "row before the range changed");
  assert.ok(sameBits(P.subarray(25 * 6), fit.P.subarray(25 * 6)), "row after the range changed");
  assert.ok(!sameBits(P.subarray(60, 150), fit.P.subarray(60, 150)), "range not solved");
  assert.ok(sameBits(bi, fit.bi) && sameBits(Q, fit.Q), "the fixed side changed");
  // the rows in the range are solved as in a half-step over all rows
  const ref = {
    ...fit,
    P: fit.P.slice(),
    Q: fit.Q.slice(),
    bu: fit.bu.slice(),
    bi: fit.bi.slice(),
  };
  _alsSolver(ref, { ranges: [[0, 40], [0, 0]], kernel: "js" }).solve(0);
  assert.ok(sameBits(P.subarray(60, 150), ref.P.subarray(60, 150)));
});

async function fitWith(kernel: _AlsKernelName, threads: number): Promise<Uint8Array> {
  const before = [_alsKernel(), kernelThreads()] as const;
  _alsKernel(kernel);
  kernelThreads(threads);
  const m = new ALS({ factors: 11, iterations: 3 });
  try {
    m.fit(_loadMovieLensSmall());
  } finally {
    _alsKernel(before[0]);
    kernelThreads(before[1]);
  }
  return (await m.save()).data;
}

Deno.test("ALS.fit() on ml-latest-small saves the same bytes with the WASM and the JS kernel", async (t) => {
  const js = await fitWith("js", 1);
  for (const threads of [1, 2]) {
    await t.step(`WASM on ${threads} thread(s)`, async () => {
      const wasm = await fitWith("wasm", threads);
      assert.equal(wasm.length, js.length);
      assert.ok(wasm.every((b, j) => b === js[j]), "the saved model differs between the kernels");
    });
  }
});
