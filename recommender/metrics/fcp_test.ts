import assert from "node:assert/strict";
import { fcp } from "./fcp.ts";

Deno.test("fcp() averages concordant and discordant counts per user as Surprise does", () => {
  // user 1: actual 1, 2, 3 predicted 1, 3, 2 -> 2 concordant, 1 discordant
  // user 2: actual 4, 5 predicted 4, 4 -> a prediction tie counts as discordant
  // Surprise: mean nc over users with nc > 0 = 2, mean nd over users with nd > 0 = 1
  // -> 2 / 3 (a pooled count would give 2 / 4)
  const users = [1, 2, 1, 1, 2];
  const actual = [1, 4, 2, 3, 5];
  const predicted = [1, 4, 3, 2, 4];
  assert.equal(fcp(users, actual, predicted), 2 / 3);
});

Deno.test("fcp() ignores ties in the actual ratings and pairs across users", () => {
  // within each user the actual ratings tie; across users they differ but do not count
  assert.ok(Number.isNaN(fcp([1, 1, 2], [3, 3, 5], [1, 2, 4])));
  assert.equal(fcp([1, 1, 2, 2], [1, 2, 1, 2], [1, 2, 2, 1]), 0.5);
});

Deno.test("fcp() is 1 for a perfect ranking and 0 for a reversed one", () => {
  assert.equal(fcp([7, 7, 7, 7], [1, 2, 3, 4], [2, 2.1, 3, 5]), 1);
  assert.equal(fcp([7, 7, 7, 7], [1, 2, 3, 4], [5, 3, 2.1, 2]), 0);
});

Deno.test("fcp() rejects columns of different length", () => {
  assert.throws(() => fcp([1, 1], [1, 2], [1]), /FCP: userId, actual and predicted differ/);
});
