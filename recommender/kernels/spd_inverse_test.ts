import assert from "node:assert/strict";
import { _spdInverseInPlace, _spdWorkspace } from "./_spd_inverse.ts";
import { Prng } from "../core/prng.ts";

/** `X^T X + lambda I` of a random sparse binary `users x n` matrix (EASE's Gram matrix). */
function _gram(n: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  const g = new Float64Array(n * n);
  for (let u = 0; u < 2 * n + 5; u++) {
    const items: number[] = [];
    for (let i = 0; i < n; i++) if (rng.next() < 0.1) items.push(i);
    for (const a of items) for (const b of items) g[a * n + b]! += 1;
  }
  for (let i = 0; i < n; i++) g[i * n + i]! += 3.7;
  return g;
}

Deno.test("_spdWorkspace() inverts bit for bit like the JS loop", async (t) => {
  // sizes around the kernel's 2- and 8-column lanes and its 64-row panels and 256-column tiles
  for (const n of [1, 2, 3, 9, 63, 64, 65, 129, 300]) {
    await t.step(`n = ${n}`, () => {
      const g = _gram(n, n);
      const want = g.slice();
      _spdInverseInPlace(want, n);
      const w = _spdWorkspace(n);
      assert.ok(w.simd, "WebAssembly SIMD is available under Deno");
      w.matrix.set(g);
      w.invert();
      for (let x = 0; x < n * n; x++) {
        assert.ok(Object.is(w.matrix[x], want[x]), `entry ${x}: ${w.matrix[x]} vs ${want[x]}`);
      }
    });
  }
});

Deno.test("_spdWorkspace() returns the inverse: A A^-1 = I", () => {
  const n = 70;
  const g = _gram(n, 3);
  const w = _spdWorkspace(n);
  w.matrix.set(g);
  w.invert();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += g[i * n + p]! * w.matrix[p * n + j]!;
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-9, `(${i}, ${j}): ${s}`);
    }
  }
});

Deno.test("_spdWorkspace() names the pivot of a matrix that is not positive definite", () => {
  const w = _spdWorkspace(3);
  w.matrix.set([1, 2, 0, 2, 1, 0, 0, 0, 1]);
  assert.throws(
    () => w.invert(),
    /Cannot invert matrix: pivot 1 is -3, .*increase the regularization/,
  );
});
