import assert from "node:assert/strict";
import { Vocabulary } from "./vocabulary.ts";
import { buildCsr, transposeCsr } from "./csr.ts";

Deno.test("Vocabulary maps raw ids to dense ascending indices and back", () => {
  const v = Vocabulary.fromIds(Int32Array.of(193609, 1, 50, 1));
  assert.deepEqual(Array.from(v.ids), [1, 50, 193609]);
  assert.deepEqual(Array.from(v.encode([50, 7, 193609])), [1, -1, 2]);
  assert.equal(v.idAt(2), 193609);
  assert.throws(() => Vocabulary.fromSortedIds(Int32Array.of(3, 3)), /strictly ascending/);
});

Deno.test("buildCsr sorts columns per row and transposeCsr inverts it", () => {
  const m = buildCsr(
    Int32Array.of(2, 0, 2, 1),
    Int32Array.of(1, 2, 0, 1),
    Float32Array.of(1, 2, 3, 4),
    {
      nRows: 3,
      nCols: 3,
    },
  );
  assert.deepEqual(Array.from(m.indptr), [0, 1, 2, 4]);
  assert.deepEqual(Array.from(m.indices), [2, 1, 0, 1]);
  assert.deepEqual(Array.from(m.values), [2, 4, 3, 1]);
  const t = transposeCsr(m);
  assert.deepEqual(Array.from(t.indptr), [0, 1, 3, 4]);
  assert.deepEqual(Array.from(t.indices), [2, 1, 2, 0]);
  assert.deepEqual(Array.from(transposeCsr(t).values), Array.from(m.values));
  assert.throws(
    () => buildCsr(Int32Array.of(3), Int32Array.of(0), Float32Array.of(1), { nRows: 3, nCols: 1 }),
    /outside the 3 x 1 shape/,
  );
});
