import assert from "node:assert/strict";
import { chunkLogBatch } from "./_log_batch.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

Deno.test("chunkLogBatch() keeps every call within 1000 metrics, 100 params, 100 tags and 1000 in all", async (t) => {
  const cases: [string, number, number, number, number][] = [
    ["2,500 metrics -> 3 calls", 2500, 0, 0, 3],
    ["250 params -> 3 calls", 0, 250, 0, 3],
    ["1000 metrics + 1 param -> 2 calls", 1000, 1, 0, 2],
    ["100 params + 100 tags + 800 metrics -> 1 call", 800, 100, 100, 1],
    ["nothing -> no call", 0, 0, 0, 0],
  ];
  for (const [name, m, p, tg, calls] of cases) {
    await t.step(name, () => {
      const chunks = chunkLogBatch({ metrics: range(m), params: range(p), tags: range(tg) });
      assert.equal(chunks.length, calls);
      for (const c of chunks) {
        assert.ok(c.metrics.length <= 1000 && c.params.length <= 100 && c.tags.length <= 100);
        assert.ok(c.metrics.length + c.params.length + c.tags.length <= 1000);
      }
      assert.deepEqual(chunks.flatMap((c) => c.metrics), range(m), "metrics kept in order");
      assert.deepEqual(chunks.flatMap((c) => c.params), range(p));
      assert.deepEqual(chunks.flatMap((c) => c.tags), range(tg));
    });
  }
});
