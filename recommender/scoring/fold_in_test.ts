import assert from "node:assert/strict";
import { foldIn } from "./fold_in.ts";
import { createModel } from "../models/model_registry.ts";
import type { FactorView } from "../core/factor_view.ts";
import { _loadMovieLensSmall } from "../core/_test_data.ts";
import { type Ratings, ratingsFromColumns } from "../core/ratings.ts";

function _userRatings(train: Ratings, userId: number) {
  const movieIds: number[] = [], ratings: number[] = [];
  for (let e = 0; e < train.rating.length; e++) {
    if (train.userId[e] === userId) {
      movieIds.push(train.movieId[e]!);
      ratings.push(train.rating[e]!);
    }
  }
  return { movieIds, ratings };
}

function _cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, x = 0, y = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    x += a[i]! * a[i]!;
    y += b[i]! * b[i]!;
  }
  return d / Math.sqrt(x * y);
}

let _views: Promise<{ train: Ratings; mf: FactorView; svd: FactorView }> | null = null;
function _trained() {
  _views ??= Promise.resolve().then(() => {
    const train = _loadMovieLensSmall();
    const mf = createModel("biased-mf", { factors: 32, epochs: 25, seed: 3 });
    mf.fit(train);
    const svd = createModel("svd", { factors: 20 });
    svd.fit(train);
    return { train, mf: mf.factors!()!, svd: svd.factors!()! };
  });
  return _views;
}

Deno.test("foldIn() of a trained user's own ratings approximates their biased-mf factors", async () => {
  const { train, mf } = await _trained();
  let sumCos = 0, n = 0;
  for (const u of [0, 10, 100, 300, 500]) {
    const userId = mf.userIds[u]!;
    const f = foldIn(mf, _userRatings(train, userId));
    assert.equal(f.mode, "observed");
    const trained = mf.userFactors.subarray(u * mf.k, (u + 1) * mf.k);
    sumCos += _cosine(f.factors, trained);
    n++;
    assert.ok(
      Math.abs(f.bias - mf.userBias![u]!) < 0.15,
      `user ${userId}: bias ${f.bias} vs ${mf.userBias![u]}`,
    );
  }
  assert.ok(sumCos / n > 0.85, `mean cosine ${sumCos / n}`);
});

Deno.test("foldIn() of a trained user's ratings reproduces svd factors (dense least squares)", async () => {
  const { train, svd } = await _trained();
  for (const u of [0, 42, 400]) {
    const userId = svd.userIds[u]!;
    const f = foldIn(svd, _userRatings(train, userId));
    assert.equal(f.mode, "dense");
    const trained = svd.userFactors.subarray(u * svd.k, (u + 1) * svd.k);
    assert.ok(
      _cosine(f.factors, trained) > 0.99,
      `user ${userId}: cosine ${_cosine(f.factors, trained)}`,
    );
    assert.ok(Math.abs(f.base - svd.userMean![u]!) < 1e-3);
  }
});

Deno.test("foldIn() ignores unknown movies, counts a repeated movie once and keeps the last rating", async () => {
  const { mf } = await _trained();
  const known = mf.itemIds[5]!;
  const f = foldIn(mf, { movieIds: [known, 99_999_999, known], ratings: [1, 4, 5] });
  assert.deepEqual(f.unknownMovieIds, [99_999_999]);
  assert.equal(f.itemIndices.length, 1);
  assert.equal(f.ratings[0], 5);
});

Deno.test("foldIn() with no known movie gives zero factors and the global mean", async () => {
  const { mf } = await _trained();
  const f = foldIn(mf, { movieIds: [123_456_789], ratings: [5] });
  assert.equal(f.itemIndices.length, 0);
  assert.ok(f.factors.every((x) => x === 0));
  assert.ok(Math.abs(f.base - mf.globalMean) < 1e-9);
});

Deno.test("foldIn() influence shares sum to the folded interaction term", async () => {
  const { train, mf, svd } = await _trained();
  for (const view of [mf, svd]) {
    const userId = view.userIds[7]!;
    const f = foldIn(view, _userRatings(train, userId));
    const i = 12;
    const shares = f.influence(i);
    let sum = 0;
    for (const s of shares) sum += s;
    let dot = f.mode === "observed" ? f.bias : 0;
    for (let x = 0; x < view.k; x++) dot += f.factors[x]! * view.itemFactors[i * view.k + x]!;
    assert.ok(Math.abs(sum - dot) < 1e-4, `${f.mode}: ${sum} vs ${dot}`);
  }
});

Deno.test("foldIn() rejects mismatched columns and non-finite ratings", async () => {
  const { mf } = await _trained();
  assert.throws(() => foldIn(mf, { movieIds: [1, 2], ratings: [3] }), /2 movie ids but 1 ratings/);
  assert.throws(
    () => foldIn(mf, { movieIds: [mf.itemIds[0]!], ratings: [NaN] }),
    /expected a number/,
  );
});

Deno.test("foldIn() on a tiny exact model recovers the direction of taste", () => {
  // Two taste groups: users 1-3 love movies 10/11 and hate 20/21; users 4-6 the reverse.
  const u: number[] = [], m: number[] = [], r: number[] = [];
  for (let user = 1; user <= 6; user++) {
    for (const movie of [10, 11, 20, 21]) {
      u.push(user);
      m.push(movie);
      const likesFirst = user <= 3;
      r.push((movie < 20) === likesFirst ? 5 : 1);
    }
  }
  const model = createModel("als", { factors: 2, iterations: 30, regularization: 0.01 });
  model.fit(ratingsFromColumns({ userId: u, movieId: m, rating: r }));
  const view = model.factors!()!;
  const f = foldIn(view, { movieIds: [10], ratings: [5] });
  const score = (movieId: number) => {
    const i = view.itemIds.indexOf(movieId);
    let s = f.base + (view.itemBias?.[i] ?? 0);
    for (let x = 0; x < view.k; x++) s += f.factors[x]! * view.itemFactors[i * view.k + x]!;
    return s;
  };
  assert.ok(score(11) > score(21), `${score(11)} vs ${score(21)}`);
});
