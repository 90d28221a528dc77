import assert from "node:assert/strict";
import { histogram } from "./histogram.ts";

Deno.test("histogram() bins like numpy.histogram: half-open bins, closed last bin", () => {
  const h = histogram([1, 2, 2, 3, 4], { bins: 3, min: 1, max: 4 });
  assert.deepEqual(h.map((b) => b.count), [1, 2, 2]);
  assert.deepEqual(h.map((b) => [b.x0, b.x1]), [[1, 2], [2, 3], [3, 4]]);
});

Deno.test("histogram() uses the data range by default and skips NaN and outliers", () => {
  const h = histogram([0, 10, NaN, 5], { bins: 2 });
  assert.deepEqual(h.map((b) => b.count), [1, 2]);
  const clipped = histogram([-1, 0, 1, 2], { bins: 1, min: 0, max: 1 });
  assert.equal(clipped[0]!.count, 2);
});

Deno.test("histogram() of constant values has one non-empty bin around the value", () => {
  const h = histogram([3, 3, 3], { bins: 1 });
  assert.deepEqual(h, [{ x0: 2.5, x1: 3.5, count: 3 }]);
  assert.deepEqual(histogram([], { bins: 4 }), []);
});

Deno.test("histogram() rejects bad bins and ranges", () => {
  assert.throws(() => histogram([1], { bins: 0 }), /bins must be a positive integer, got 0/);
  assert.throws(() => histogram([1], { min: 2, max: 1 }), /max \(1\) is below min \(2\)/);
});
