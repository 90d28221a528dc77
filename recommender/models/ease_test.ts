import assert from "node:assert/strict";
import { inverse, Matrix } from "ml-matrix";
import { _mirrorLower, EASE } from "./ease.ts";
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

Deno.test("ease: over budget, the default keeps the most-rated movies that fit", async (t) => {
  const ratings = _randomRatings(60, 40, { density: 0.3, seed: 8 });
  const positives = new Map<number, number>();
  for (let e = 0; e < ratings.rating.length; e++) {
    if (ratings.rating[e]! >= 3) {
      positives.set(ratings.movieId[e]!, (positives.get(ratings.movieId[e]!) ?? 0) + 1);
    }
  }
  // 40 x 40 x 20 bytes = 31.25 KiB; a budget of 0.01 MiB holds 22 movies
  for (
    const c of [
      {
        name: "memory (maxDenseMB)",
        config: { maxDenseMB: 0.01 },
        kept: 22,
        why: /over maxDenseMB 0.01/,
      },
      {
        name: "compute (maxDenseSide)",
        config: { maxDenseSide: 15 },
        kept: 15,
        why: /over maxDenseSide 15/,
      },
    ]
  ) {
    await t.step(c.name, () => {
      const lines: string[] = [];
      const m = new EASE(c.config);
      m.fit(ratings, { onProgress: (p) => lines.push(p.message) });
      assert.equal(m.solver, "primal");
      assert.equal(m.extra.keptItems, c.kept);
      assert.equal(m.extra.restrictedFrom, 40);
      const line = lines.find((l) => l.startsWith(`keeping the ${c.kept} most-rated of 40 movies`));
      assert.ok(line, lines.join("\n"));
      assert.match(line, c.why);
      // the kept movies are the most-rated ones: every recommendable movie has at least as many
      // positives as every movie that is never recommended
      const r = m.recommend(1, 40);
      assert.ok(r.ok);
      const out = new Float32Array(m.rawItemIds().length);
      assert.ok(m.rawScores(1, out));
      const kept = [...m.rawItemIds()].filter((_, j) => !Number.isNaN(out[j]!));
      assert.equal(kept.length, c.kept);
      const dropped = [...positives.keys()].filter((id) => !kept.includes(id));
      const minKept = Math.min(...kept.map((id) => positives.get(id)!));
      assert.ok(dropped.every((id) => positives.get(id)! <= minKept));
      assert.ok(r.items.every((x) => kept.includes(x.movieId)));
    });
  }
});

Deno.test("ease: overBudget error refuses with the sizes, as does a forced dual form", () => {
  const ratings = _randomRatings(60, 40, { density: 0.3, seed: 8 });
  assert.throws(
    () => new EASE({ maxDenseMB: 0.01, overBudget: "error" }).fit(ratings),
    /Cannot fit model "ease": the 40 x 40 dense matrix needs 1 MiB, over maxDenseMB 0.01; raise maxDenseMB and maxDenseSide, or set overBudget: "restrict"/,
  );
  assert.throws(
    () => new EASE({ maxDenseSide: 30, overBudget: "error" }).fit(ratings),
    /the 40 x 40 dense matrix is over maxDenseSide 30/,
  );
  assert.throws(
    () => new EASE({ maxDenseSide: 30, solver: "dual" }).fit(ratings),
    /the 60 x 60 dense matrix is over maxDenseSide 30/,
  );
});

Deno.test("ease: within budget nothing is restricted", () => {
  const m = new EASE();
  m.fit(_randomRatings(60, 40, { density: 0.3, seed: 8 }));
  assert.equal(m.extra.keptItems, 40);
  assert.equal(m.extra.restrictedFrom, undefined);
});

Deno.test("_mirrorLower() copies the lower triangle over the upper one, tile by tile", async (t) => {
  for (const n of [1, 5, 64, 65, 130]) {
    await t.step(`n ${n}`, () => {
      const g = Float64Array.from({ length: n * n }, (_, x) => x + 0.5);
      const want = g.slice();
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) want[j * n + i] = want[i * n + j]!;
      _mirrorLower(g, n);
      assert.deepEqual(g, want);
    });
  }
});
