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

Deno.test("the ease batch scorer gives each user the rows kernel's sums as float32, NaN where not kept", () => {
  const rng = new Prng(5);
  // nC over one block of columns or not, 0 to 40 rows per user (groups of 8, 4 and single
  // rows), column counts not a multiple of 4: every path of the kernel
  for (
    const [nC, users, block] of [[1, 1, 8], [3, 4, 8], [4, 16, 3], [21, 5, 8], [37, 16, 16], [
      300,
      3,
      64,
    ], [301, 1, 8192]] as const
  ) {
    const nItems = nC + 9;
    // kept: nC of the nItems positions, ascending
    const kept = Int32Array.from({ length: nItems }, (_, i) => i)
      .filter((i) => i % 7 !== 3 || i >= 7 * 9).subarray(0, nC).slice();
    assert.equal(kept.length, nC);
    // exponents spread over 2^-40 .. 2^40, so that the float64 sums are inexact
    const B = Float32Array.from(
      { length: nC * nC },
      () => rng.gaussian() * 2 ** (rng.below(81) - 40),
    );
    const rows = _EaseRows.create(B, nC)!;
    // 40 users with 0 to nC rows each (ascending, as ease's CSR)
    const indptr = new Int32Array(41), idx: number[] = [];
    for (let u = 0; u < 40; u++) {
      const n = u === 3 ? 0 : u === 4 ? nC : rng.below(Math.min(nC, 60) + 1);
      const set = new Set<number>();
      while (set.size < n) set.add(rng.below(nC));
      idx.push(...[...set].sort((a, b) => a - b));
      indptr[u + 1] = idx.length;
    }
    const indices = Int32Array.from(idx);
    const options = { kept, nItems, indptr, indices, users, columnsPerBlock: block };
    const batch = rows.batch(options);
    assert.ok(batch, "this runtime has WebAssembly SIMD");
    assert.equal(rows.batch(options), batch, "made once");
    assert.equal(batch.maxUsers, users);
    assert.equal(batch.size, nItems);
    for (let u0 = 0; u0 < 40; u0 += 1 + (u0 % users)) {
      const some = Array.from({ length: 1 + (u0 % users) }, (_, j) => u0 + j)
        .filter((u) => u < 40);
      batch.score(some);
      for (const [b, u] of some.entries()) {
        // the one-user kernel still works on the grown memory
        const sums = rows.rows(indices.subarray(indptr[u]!, indptr[u + 1]!));
        const expected = new Float32Array(nItems).fill(NaN);
        for (let j = 0; j < nC; j++) expected[kept[j]!] = sums[j]!;
        assert.deepEqual(
          new Uint8Array(batch.userScores(b).slice().buffer),
          new Uint8Array(expected.buffer),
          `nC ${nC}, ${users} users, blocks of ${block}, user ${u}`,
        );
      }
    }
    assert.throws(() => batch.score([]), /1 to/);
    assert.throws(() => batch.score(Array.from({ length: users + 1 }, () => 0)), /1 to/);
  }
});
