import assert from "node:assert/strict";
import { kFoldSplit } from "./kfold_split.ts";
import { _sameRows, _testRatings } from "./_test_ratings.ts";

const ratings = _testRatings();
const n = ratings.rating.length;

Deno.test("kFoldSplit() test sets partition the rows and each train is the rest", () => {
  const { folds } = kFoldSplit(ratings, { folds: 5, seed: 3 });
  assert.equal(folds.length, 5);
  const count = new Int32Array(n);
  for (const fold of folds) {
    for (const r of fold.test) count[r]!++;
    assert.equal(fold.train.length + fold.test.length, n);
    const inTest = new Set(fold.test);
    assert.ok(Array.from(fold.train).every((r) => !inTest.has(r)));
    assert.ok(Math.abs(fold.test.length - n / 5) < 1);
  }
  assert.ok(count.every((c) => c === 1), "every row is tested exactly once");
});

Deno.test("kFoldSplit() is reproducible by seed and different seeds differ", () => {
  const a = kFoldSplit(ratings, { folds: 3, seed: 42 });
  const b = kFoldSplit(ratings, { folds: 3, seed: 42 });
  const c = kFoldSplit(ratings, { folds: 3, seed: 7 });
  assert.ok(a.folds.every((f, i) => _sameRows(f.test, b.folds[i]!.test)));
  assert.ok(!_sameRows(a.folds[0]!.test, c.folds[0]!.test));
});

Deno.test("kFoldSplit() rejects fewer than two folds or more folds than rows", () => {
  assert.throws(() => kFoldSplit(ratings, { folds: 1 }), /folds must be an integer >= 2, got 1/);
  assert.throws(() => kFoldSplit(ratings, { folds: n + 1 }), /need at least/);
});
