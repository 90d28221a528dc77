import assert from "node:assert/strict";
import { leaveLastNSplit } from "./leave_last_n_split.ts";
import { _sameRows, _testRatings } from "./_test_ratings.ts";

const ratings = _testRatings();
const n = ratings.rating.length;

function byUser(rows: Int32Array): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const r of rows) {
    const u = ratings.userId[r]!;
    m.set(u, [...(m.get(u) ?? []), r]);
  }
  return m;
}

Deno.test("leaveLastNSplit() tests on each user's latest ratings", async (t) => {
  for (const holdOut of [1, 3]) {
    await t.step(`n = ${holdOut}`, () => {
      const fold = leaveLastNSplit(ratings, { n: holdOut, seed: 9 }).folds[0]!;
      const train = byUser(fold.train);
      const test = byUser(fold.test);
      assert.equal(fold.train.length + fold.test.length, n);
      for (const [u, rows] of test) {
        assert.equal(rows.length, holdOut, `user ${u} holds out ${holdOut}`);
        const latestTrain = Math.max(...(train.get(u) ?? []).map((r) => ratings.timestamp[r]!));
        for (const r of rows) assert.ok(ratings.timestamp[r]! >= latestTrain, `user ${u} leaks`);
      }
      // users with too few ratings keep them all in train; nobody is cold
      for (const [u, rows] of train) {
        if (!test.has(u)) assert.ok(rows.length < holdOut + 1);
      }
      assert.equal(fold.coldUsers.length, 0);
    });
  }
});

Deno.test("leaveLastNSplit() breaks timestamp ties by seed, reproducibly", () => {
  const a = leaveLastNSplit(ratings, { n: 2, seed: 1 }).folds[0]!;
  const b = leaveLastNSplit(ratings, { n: 2, seed: 1 }).folds[0]!;
  const c = leaveLastNSplit(ratings, { n: 2, seed: 2 }).folds[0]!;
  assert.ok(_sameRows(a.test, b.test));
  assert.ok(!_sameRows(a.test, c.test), "fixture has ties at users' latest timestamps");
});

Deno.test("leaveLastNSplit() rejects a bad n and an empty test set", () => {
  assert.throws(() => leaveLastNSplit(ratings, { n: 0 }), /n must be a positive integer, got 0/);
  assert.throws(() => leaveLastNSplit(ratings, { n: 100 }), /test set is empty; lower n/);
});
