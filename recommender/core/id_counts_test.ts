import assert from "node:assert/strict";
import { IdCounts, rowsById } from "./id_counts.ts";
import { Prng } from "./prng.ts";

Deno.test("IdCounts and rowsById agree with a Map and a sort, for small and sparse ids", () => {
  const rng = new Prng(3);
  for (const spread of [50, 2 ** 30]) {
    const ids = Int32Array.from({ length: 2000 }, () => rng.below(spread) - (spread > 1e6 ? 5 : 0));
    const map = new Map<number, number>();
    for (const id of ids) map.set(id, (map.get(id) ?? 0) + 1);
    const c = IdCounts.of(ids);
    assert.equal(c.size, map.size);
    for (const [id, n] of map) assert.equal(c.count(id), n);
    for (const absent of [-7, 51, 2 ** 31 - 1, 0.5]) {
      if (!map.has(absent)) assert.equal(c.has(absent), false);
    }
    const expected = Int32Array.from({ length: ids.length }, (_, e) => e)
      .sort((a, b) => ids[a]! - ids[b]! || a - b);
    assert.deepEqual(rowsById(ids), expected);
  }
  assert.equal(IdCounts.of(new Int32Array(0)).size, 0);
  assert.deepEqual(rowsById(new Int32Array(0)), new Int32Array(0));
});
