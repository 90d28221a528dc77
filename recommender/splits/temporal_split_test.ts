import assert from "node:assert/strict";
import { temporalSplit } from "./temporal_split.ts";
import { _testRatings } from "./_test_ratings.ts";

const ratings = _testRatings();
const n = ratings.rating.length;
const ts = ratings.timestamp;

function maxOf(rows: Int32Array): number {
  return Math.max(...Array.from(rows, (r) => ts[r]!));
}
function minOf(rows: Int32Array): number {
  return Math.min(...Array.from(rows, (r) => ts[r]!));
}

Deno.test("temporalSplit() by fraction: every test timestamp >= every train timestamp", () => {
  const fold = temporalSplit(ratings, { testFraction: 0.3 }).folds[0]!;
  assert.equal(fold.test.length, Math.round(n * 0.3));
  assert.equal(fold.train.length + fold.test.length, n);
  assert.ok(minOf(fold.test) >= maxOf(fold.train), "test must not precede train");
});

Deno.test("temporalSplit() by cut-off puts exactly the rows at or after it in test", () => {
  const cutoff = 1_000_000 + 3600 * 40;
  const fold = temporalSplit(ratings, { cutoff }).folds[0]!;
  assert.ok(Array.from(fold.test).every((r) => ts[r]! >= cutoff));
  assert.ok(Array.from(fold.train).every((r) => ts[r]! < cutoff));
  assert.equal(fold.train.length + fold.test.length, n);
});

Deno.test("temporalSplit() is deterministic", () => {
  const a = temporalSplit(ratings, { testFraction: 0.2 }).folds[0]!;
  const b = temporalSplit(ratings, { testFraction: 0.2 }).folds[0]!;
  assert.deepEqual(a.test, b.test);
});

Deno.test("temporalSplit() rejects a cut-off that empties one side", () => {
  assert.throws(
    () => temporalSplit(ratings, { cutoff: 0 }),
    /empty train set; pick a time between/,
  );
  assert.throws(() => temporalSplit(ratings, { cutoff: 9e9 }), /empty test set/);
  assert.throws(
    () => temporalSplit(ratings, { testFraction: 2 }),
    /testFraction must be in \(0, 1\)/,
  );
});
