import assert from "node:assert/strict";
import { Vocabulary } from "./vocabulary.ts";

Deno.test("a vocabulary maps ids the same whether they are small (a table) or sparse (a map)", () => {
  const cases: number[][] = [
    [5, 3, 3, 9, 0, 5], // small ids: the table
    [5, -3, 3, 9, 0, 5], // a negative id: the map
    [2 ** 30, 7, 7, 2 ** 29 + 1], // sparse ids: the map
    [1e6, 1, 2], // few ids far apart: the map
  ];
  for (const raw of cases) {
    const v = Vocabulary.fromIds(Int32Array.from(raw));
    const expected = [...new Set(raw)].sort((a, b) => a - b);
    assert.deepEqual([...v.ids], expected);
    for (const [i, id] of expected.entries()) {
      assert.equal(v.indexOf(id), i);
      assert.ok(v.has(id));
    }
    for (const unknown of [4, -1, 2 ** 31 - 1, 1.5, NaN]) {
      assert.equal(v.indexOf(unknown), -1, `${unknown} in ${raw}`);
      assert.equal(v.has(unknown), false);
    }
    assert.deepEqual([...v.encode([...raw, 4])], [...raw.map((id) => expected.indexOf(id)), -1]);
    assert.deepEqual([...Vocabulary.fromSortedIds(v.ids).encode(raw)], [...v.encode(raw)]);
  }
  // plain arrays of non-integers take the general path
  assert.deepEqual([...Vocabulary.fromIds([2.5, 1, 2.5]).ids], [1, 2]);
});
