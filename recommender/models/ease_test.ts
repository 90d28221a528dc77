import assert from "node:assert/strict";
import { inverse, Matrix } from "ml-matrix";
import { EASE } from "./ease.ts";
import { _randomRatings, _ratingsOf, _twoGroups } from "../core/_ranking_fixture.ts";
import { Vocabulary } from "../core/vocabulary.ts";
import type { Ratings } from "../core/ratings.ts";

/** x_u B for every user, B from a direct (ml-matrix) inverse of X^T X + lambda I. */
function _directScores(ratings: Ratings, lambda: number): Map<number, Float64Array> {
  const users = Vocabulary.fromIds(ratings.userId), items = Vocabulary.fromIds(ratings.movieId);
  const X = Matrix.zeros(users.size, items.size);
  for (let e = 0; e < ratings.rating.length; e++) {
    X.set(users.indexOf(ratings.userId[e]!), items.indexOf(ratings.movieId[e]!), 1);
  }
  const G = X.transpose().mmul(X);
  for (let i = 0; i < items.size; i++) G.set(i, i, G.get(i, i) + lambda);
  const P = inverse(G);
  const B = Matrix.zeros(items.size, items.size);
  for (let i = 0; i < items.size; i++) {
    for (let j = 0; j < items.size; j++) {
      if (i !== j) B.set(i, j, -P.get(i, j) / P.get(j, j));
    }
  }
  const S = X.mmul(B);
  const out = new Map<number, Float64Array>();
  for (let u = 0; u < users.size; u++) out.set(users.idAt(u), Float64Array.from(S.getRow(u)));
  return out;
}

Deno.test("ease recommends each user their group's unseen movie", async (t) => {
  const { ratings, missing } = _twoGroups();
  for (const solver of ["primal", "dual"] as const) {
    await t.step(solver, () => {
      const m = new EASE({ lambda: 1, solver });
      m.fit(ratings);
      assert.equal(m.solver, solver);
      for (const [user, movie] of missing) {
        const r = m.recommend(user, 3);
        assert.ok(r.ok);
        assert.equal(r.items[0]!.movieId, movie, `user ${user}`);
        assert.equal(r.scorer, "model");
      }
      assert.deepEqual(m.recommend(999, 3), { ok: false, reason: "unknown-user" });
    });
  }
});

Deno.test("ease: primal and dual equal x_u B of a direct inverse", async (t) => {
  const cases = [
    { name: "fewer users than movies", users: 12, movies: 30, lambda: 2 },
    { name: "fewer movies than users", users: 30, movies: 12, lambda: 5 },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const ratings = _randomRatings(c.users, c.movies, { density: 0.3, seed: c.users });
      const direct = _directScores(ratings, c.lambda);
      for (const solver of ["primal", "dual"] as const) {
        const m = new EASE({ lambda: c.lambda, solver, positiveThreshold: 0 });
        m.fit(ratings);
        const out = new Float32Array(m.rawItemIds().length);
        for (const [user, want] of direct) {
          assert.ok(m.rawScores(user, out));
          for (let j = 0; j < want.length; j++) {
            assert.ok(
              Math.abs(out[j]! - want[j]!) < 1e-5,
              `${solver}: user ${user}, item ${j}: ${out[j]} vs ${want[j]}`,
            );
          }
        }
      }
    });
  }
});

Deno.test("ease: auto picks the dual form when users are fewer than movies", async (t) => {
  for (const [users, movies, want] of [[10, 40, "dual"], [40, 10, "primal"]] as const) {
    await t.step(`${users} users, ${movies} movies -> ${want}`, () => {
      const m = new EASE();
      m.fit(_randomRatings(users, movies, { density: 0.3, seed: 1 }));
      assert.equal(m.solver, want);
    });
  }
});

Deno.test("ease: fold-in of a training user's own ratings reproduces its list", async (t) => {
  const ratings = _randomRatings(25, 60, { density: 0.2, seed: 3 });
  for (const solver of ["primal", "dual"] as const) {
    await t.step(solver, () => {
      const m = new EASE({ lambda: 3, solver });
      m.fit(ratings);
      for (const user of [1, 7, 25]) {
        const known = m.recommend(user, 10);
        const folded = m.recommendForRatings(_ratingsOf(ratings, user), 10);
        assert.ok(known.ok);
        assert.deepEqual(folded.items.map((x) => x.movieId), known.items.map((x) => x.movieId));
        for (let j = 0; j < known.items.length; j++) {
          assert.ok(Math.abs(folded.items[j]!.score - known.items[j]!.score) < 1e-4);
        }
      }
    });
  }
});

Deno.test("ease: save/load gives identical lists, explanations and similar movies", async () => {
  const ratings = _randomRatings(20, 40, { density: 0.25, seed: 5 });
  const m = new EASE({ lambda: 2, positiveThreshold: 3 });
  m.fit(ratings);
  const copy = EASE.load(structuredClone(await m.save()));
  for (const user of [1, 5, 20]) {
    assert.deepEqual(copy.recommend(user, 10), m.recommend(user, 10));
    assert.deepEqual(copy.explain(user, 1003), m.explain(user, 1003));
  }
  assert.deepEqual(copy.similar(1003, 5), m.similar(1003, 5));
  assert.deepEqual((await copy.save()).data, (await m.save()).data);
});

Deno.test("ease: explain() weights sum to the score and name rated positives", () => {
  const ratings = _randomRatings(20, 40, { density: 0.25, seed: 6 });
  const m = new EASE({ lambda: 2, solver: "dual" });
  m.fit(ratings);
  const user = 4;
  const top = m.recommend(user, 1);
  assert.ok(top.ok);
  const movie = top.items[0]!.movieId;
  const e = m.explain(user, movie, { k: 100 })!;
  const sum = e.contributions.reduce((s, c) => s + c.weight, 0);
  assert.ok(Math.abs(sum - top.items[0]!.score) < 1e-4, `${sum} vs ${top.items[0]!.score}`);
  assert.ok(Math.abs(e.score - top.items[0]!.score) < 1e-4);
  const rated = new Set(_ratingsOf(ratings, user).movieIds);
  assert.ok(e.contributions.every((c) => rated.has(c.movieId)));
  const again = m.explainRatings(_ratingsOf(ratings, user), movie, { k: 100 })!;
  assert.ok(Math.abs(again.score - e.score) < 1e-4);
  assert.equal(m.explain(999, movie), null);
});

Deno.test("ease: the memory guard refuses, or keeps the most-rated movies that fit", () => {
  const ratings = _randomRatings(60, 40, { density: 0.3, seed: 8 });
  // 40 x 40 x 12 bytes = 18.75 KiB; a budget of 0.01 MiB holds 29 movies
  assert.throws(
    () => new EASE({ maxDenseMB: 0.01 }).fit(ratings),
    /Cannot fit model "ease": the 40 x 40 dense matrix needs 1 MiB, over maxDenseMB 0.01; raise maxDenseMB/,
  );
  const m = new EASE({ maxDenseMB: 0.01, overBudget: "restrict" });
  m.fit(ratings);
  assert.equal(m.extra.keptItems, 29);
  assert.equal(m.extra.restrictedFrom, 40);
  const r = m.recommend(1, 40);
  assert.ok(r.ok && r.items.length <= 29);
});
