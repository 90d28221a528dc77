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

/** Surprise's definition, pair by pair over every user: the reference for the fast count. */
function fcpReference(userId: number[], actual: number[], predicted: number[]): number {
  const byUser = new Map<number, number[]>();
  userId.forEach((u, e) => byUser.set(u, [...(byUser.get(u) ?? []), e]));
  let ncSum = 0, ncUsers = 0, ndSum = 0, ndUsers = 0;
  for (const rows of byUser.values()) {
    let nc = 0, nd = 0;
    for (const i of rows) {
      for (const j of rows) {
        if (predicted[i]! > predicted[j]! && actual[i]! > actual[j]!) nc++;
        if (predicted[i]! >= predicted[j]! && actual[i]! < actual[j]!) nd++;
      }
    }
    if (nc > 0) (ncSum += nc, ncUsers++);
    if (nd > 0) (ndSum += nd, ndUsers++);
  }
  const ncMean = ncUsers > 0 ? ncSum / ncUsers : 0;
  const ndMean = ndUsers > 0 ? ndSum / ndUsers : 0;
  return ncMean + ndMean === 0 ? NaN : ncMean / (ncMean + ndMean);
}

Deno.test("fcp() counts heavy users by sorting, with the same result as pair by pair", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // users from 1 to 400 ratings (above and below the pair-by-pair cut-off), half-star ratings,
  // predictions rounded so that many tie, some users with NaN predictions or one rating value
  for (const shape of ["mixed", "ties", "nan", "constant"] as const) {
    const userId: number[] = [], actual: number[] = [], predicted: number[] = [];
    for (let u = 0; u < 40; u++) {
      const n = 1 + Math.floor(rand() * rand() * 400);
      for (let x = 0; x < n; x++) {
        userId.push(u);
        const r = shape === "constant" && u % 2 === 0 ? 3 : 0.5 + Math.floor(rand() * 10) / 2;
        actual.push(r);
        const p = r + (rand() - 0.5) * 3;
        predicted.push(
          shape === "nan" && u % 3 === 0 && x === n - 1
            ? NaN
            : shape === "ties"
            ? Math.round(p)
            : Math.fround(p),
        );
      }
    }
    // interleave the users' rows, as a test set is not grouped by user
    const perm = userId.map((_, e) => e).sort((a, b) => ((a * 7919) % 977) - ((b * 7919) % 977));
    const pick = <T>(xs: T[]) => perm.map((e) => xs[e]!);
    const [u, a, p] = [pick(userId), pick(actual), pick(predicted)];
    const expected = fcpReference(u, a, p);
    assert.ok(Number.isFinite(expected), shape);
    assert.equal(fcp(u, Float32Array.from(a), Float32Array.from(p)), expected, shape);
    assert.equal(fcp(u, a, p), fcpReference(u, a, p), shape);
  }
});
