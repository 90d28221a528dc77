import assert from "node:assert/strict";
import { evaluateModel } from "./evaluation.ts";
import { createModel, modelNames, type RegisteredModel } from "../models/model_registry.ts";
import { type Ratings, selectRows } from "../core/ratings.ts";
import { _loadMovieLensSmall, _randomSplit } from "../core/_test_data.ts";
import { _UserRanker } from "./_evaluation_ranker.ts";
import { _FactorModel } from "../models/_factor_model.ts";
import type { _RawScoring } from "../scoring/_raw_scoring.ts";
import { ItemScorer } from "../scoring/item_scorer.ts";
import { _BatchScorer } from "../kernels/_batch_scorer.ts";
import { _rankInParallel, _rankOutput, _shareUsers } from "./_evaluation_pool.ts";

const K = 10;
const FLOOR = 5;

/** ml-latest-small cut to 250 users x movies below id 3000 (so every model fits in seconds). */
function _smallSplit(): { train: Ratings; test: Ratings } {
  const all = _loadMovieLensSmall();
  const keep: number[] = [];
  for (let e = 0; e < all.rating.length; e++) {
    if (all.userId[e]! <= 250 && all.movieId[e]! < 3000) keep.push(e);
  }
  return _randomSplit(selectRows(all, Int32Array.from(keep)), 0.2, 7);
}

const split = _smallSplit();

/** Small configs where the defaults take long; every other model fits with its defaults. */
const CONFIGS: Record<string, unknown> = {
  "biased-mf": { factors: 16, epochs: 5 },
  svdpp: { factors: 8, epochs: 3 },
  timesvdpp: { factors: 8, epochs: 3 },
  hybrid: { factors: 8, epochs: 5 },
  als: { factors: 8, iterations: 3 },
  "spark-als": { factors: 8, iterations: 3 },
  ials: { factors: 16, iterations: 3 },
  bpr: { factors: 16, epochs: 5 },
};

const fitted = new Map<string, RegisteredModel>();
function _fit(name: string): RegisteredModel {
  let m = fitted.get(name);
  if (!m) {
    m = createModel(name, CONFIGS[name] ?? {});
    m.fit(split.train);
    fitted.set(name, m);
  }
  return m;
}

/** Every train user, with no relevant movies (only the lists are compared). */
function _trainUsers() {
  const ids = Int32Array.from(new Set(split.train.userId)).sort();
  return { userIds: ids, relIndptr: new Int32Array(ids.length + 1), relMovies: new Int32Array(0) };
}

Deno.test("the evaluation ranks exactly the lists recommend() returns, for every model of the registry", async (t) => {
  const users = _trainUsers();
  const n = users.userIds.length;
  for (const name of modelNames) {
    await t.step(name, () => {
      const model = _fit(name);
      const out = _rankOutput(n, 2, K, false);
      const ranker = new _UserRanker(model, K, [FLOOR, 0]);
      if (["svd", "biased-mf", "ials", "ease", "item-knn-baseline"].includes(name)) {
        assert.ok(ranker.scoresOnce, `${name} should be scored once for both floors`);
      }
      if (["svd", "biased-mf", "als", "svdpp", "spark-als", "ials", "bpr"].includes(name)) {
        assert.ok(ranker.batched, `${name} should be scored four users at a time`);
      }
      // odd ranges, so batches of 1 to 4 users occur
      for (let g = 0; g < n; g += 7) ranker.rankRange(g, Math.min(n, g + 7), users, out);
      for (const [f, floor] of [FLOOR, 0].entries()) {
        for (let g = 0; g < n; g++) {
          const u = users.userIds[g]!;
          const recs = model.recommend(u, K, { excludeSeen: true, minRatings: floor });
          const slot = f * n + g;
          const len = out.listLength[slot]!;
          const got = len < 0 ? null : [...out.lists.subarray(slot * K, slot * K + len)];
          assert.deepEqual(
            got,
            recs.ok ? recs.items.map((x) => x.movieId) : null,
            `user ${u}, floor ${floor}`,
          );
        }
      }
    });
  }
});

Deno.test("ials users without positives are ranked from their rating counts, the others batched", () => {
  // positives at 5 stars only: some training users have none, and rawScores gives them the counts
  const model = createModel("ials", { factors: 16, iterations: 3, positiveThreshold: 5 });
  model.fit(split.train);
  const users = _trainUsers();
  const n = users.userIds.length;
  const factors = (model as RegisteredModel & Partial<_RawScoring>).rawFactors!()!;
  const without = [...users.userIds].filter((u) => !factors.scoresUser(u)).length;
  assert.ok(without > 0 && without < n, `${without} of ${n} users without positives`);
  const ranker = new _UserRanker(model, K, [FLOOR, 0]);
  assert.ok(ranker.batched);
  const out = _rankOutput(n, 2, K, false);
  for (let g = 0; g < n; g += 9) ranker.rankRange(g, Math.min(n, g + 9), users, out);
  for (const [f, floor] of [FLOOR, 0].entries()) {
    for (let g = 0; g < n; g++) {
      const recs = model.recommend(users.userIds[g]!, K, { excludeSeen: true, minRatings: floor });
      assert.ok(recs.ok);
      const slot = f * n + g;
      assert.deepEqual(
        [...out.lists.subarray(slot * K, slot * K + out.listLength[slot]!)],
        recs.items.map((x) => x.movieId),
        `user ${users.userIds[g]}, floor ${floor}`,
      );
    }
  }
});

Deno.test("_BatchScorer gives the bits of rawScores() for every factor model of the registry", async (t) => {
  const batched: string[] = [];
  for (const name of modelNames) {
    const model = _fit(name) as RegisteredModel & Partial<_RawScoring>;
    const factors = model.rawFactors?.() ?? null;
    const batch = factors ? _BatchScorer.create(factors.view) : null;
    if (!batch) continue;
    batched.push(name);
    await t.step(name, () => {
      const n = batch.size;
      const one = new Float32Array(n);
      const ids = factors!.view.userIds;
      let checked = 0;
      for (let r = 0; r < ids.length; r += 1 + (r % 16)) {
        const rows = Array.from({ length: 1 + (r % 16) }, (_, j) => r + j).filter((x) =>
          x < ids.length && factors!.scoresUser(ids[x]!)
        );
        if (rows.length === 0) continue;
        batch.score(rows);
        for (const [b, row] of rows.entries()) {
          assert.equal(batch.row(ids[row]!), row);
          assert.equal(model.rawScores!(ids[row]!, one), true);
          assert.deepEqual(
            new Uint8Array(Float32Array.from(batch.userScores(b)).buffer),
            new Uint8Array(one.buffer),
            `user ${ids[row]}`,
          );
          checked++;
        }
      }
      assert.ok(checked > 0, `${name}: some user is scored by the factors`);
    });
  }
  for (const name of ["svd", "biased-mf", "als", "ials", "bpr"]) {
    assert.ok(batched.includes(name), `${name} offers its factors to the batch scorer`);
  }
});

Deno.test("evaluation workers rank every user to the same bits as the calling thread", async (t) => {
  const { test } = split;
  const users = _trainUsers();
  // relevant movies: each user's test movies rated 4 or more
  const rel: number[][] = Array.from(users.userIds, () => []);
  const at = new Map(Array.from(users.userIds, (u, g) => [u, g]));
  for (let e = 0; e < test.rating.length; e++) {
    const g = at.get(test.userId[e]!);
    if (g !== undefined && test.rating[e]! >= 4 && !rel[g]!.includes(test.movieId[e]!)) {
      rel[g]!.push(test.movieId[e]!);
    }
  }
  const relIndptr = new Int32Array(rel.length + 1);
  rel.forEach((r, g) => (relIndptr[g + 1] = relIndptr[g]! + r.length));
  const withRel = { ...users, relIndptr, relMovies: Int32Array.from(rel.flat()) };
  const n = users.userIds.length;
  for (const name of ["biased-mf", "ials", "ease", "popularity", "item-knn-baseline", "blend"]) {
    await t.step(name, async () => {
      const model = _fit(name);
      const one = _rankOutput(n, 2, K, false);
      const ranker = new _UserRanker(model, K, [FLOOR, 0]);
      for (let g = 0; g < n; g++) ranker.rank(g, withRel, one);
      const two = _rankOutput(n, 2, K, true);
      // the calling thread waits, so the two workers rank every user
      _rankInParallel(model, await model.save(), {
        k: K,
        floors: [FLOOR, 0],
        users: _shareUsers(withRel),
        out: two,
        threads: 3,
        callerRanks: false,
      });
      assert.deepEqual(two.listLength, one.listLength);
      assert.deepEqual(two.lists, one.lists);
      assert.deepEqual(new Uint8Array(two.values.buffer), new Uint8Array(one.values.buffer));
    });
  }
});

Deno.test("evaluateModel() gives bit-identical metrics with 1 and 2 threads", async (t) => {
  const { train, test } = split;
  for (const name of ["biased-mf", "ials", "ease", "popularity"]) {
    await t.step(name, async () => {
      const model = _fit(name);
      const artifact = await model.save();
      const options = { k: K, minRatings: FLOOR, alsoWithoutFloor: true, artifact };
      const one = evaluateModel(model, train, test, { ...options, threads: 1 });
      const two = evaluateModel(model, train, test, { ...options, threads: 2 });
      // the stage passes a function that reads the model file only when workers start
      const read = evaluateModel(model, train, test, {
        ...options,
        artifact: () => artifact,
        threads: 2,
      });
      const none = evaluateModel(model, train, test, {
        k: K,
        minRatings: FLOOR,
        alsoWithoutFloor: true,
      });
      assert.ok(Number.isFinite(one.metrics.ndcg_at_10_no_floor));
      assert.deepEqual(two.metrics, one.metrics);
      assert.deepEqual(read.metrics, one.metrics);
      assert.deepEqual(none.metrics, one.metrics);
      assert.deepEqual(two.counts, one.counts);
    });
  }
});

Deno.test("the unfloored list seeded from the floored one breaks ties by position, as rankScores", () => {
  // 12 movies, all scored 1; the even positions pass a floor of 5
  const ids = Int32Array.from({ length: 12 }, (_, i) => 100 + i);
  const counts = Int32Array.from(ids, (_, i) => (i % 2 === 0 ? 10 : 0));
  const model = {
    name: "flat",
    config: {},
    history: [],
    fit() {},
    predict: (userId: number, movieId: number) => ({
      userId,
      movieId,
      rating: 1,
      scorer: "model" as const,
    }),
    recommend: () => ({ ok: false as const, reason: "unknown-user" as const }),
    similar: () => null,
    save: () => Promise.reject(new Error("not saved")),
    rawItemIds: () => ids,
    rawScores: (_u: number, out: Float32Array) => (out.fill(1), true),
    seenItems: () => Int32Array.of(4),
    itemCounts: () => counts,
  };
  const users = {
    userIds: Int32Array.of(1),
    relIndptr: Int32Array.of(0, 0),
    relMovies: new Int32Array(0),
  };
  const out = _rankOutput(1, 2, 3, false);
  new _UserRanker(model, 3, [5, 0]).rankRange(0, 1, users, out);
  assert.deepEqual([...out.lists], [100, 102, 106, 100, 101, 102]);
});

Deno.test("batched ranking in WebAssembly memory keeps the tie rule: the lists of the JS scan", async (t) => {
  // 700 movies whose scores tie in large groups (small integer factors), half below the floor
  const nI = 700, kf = 2;
  const ids = Int32Array.from({ length: nI }, (_, i) => 100 + i);
  const counts = Int32Array.from(ids, (_, i) => ((i * 7) % 11 < 5 ? 10 : 1));
  const view = {
    k: kf,
    userIds: Int32Array.of(1, 2, 3, 4, 5),
    itemIds: ids,
    userFactors: Float32Array.of(1, 0, 0, 1, 1, 1, 0, 0, -1, 2),
    itemFactors: Float32Array.from({ length: nI * kf }, (_, j) => (j * 31) % 5),
    itemNorms: new Float32Array(nI),
    globalMean: 0.75,
    ratingScale: [0, 1] as const,
    regularization: 0,
  };
  const seen = (u: number) =>
    Int32Array.from({ length: 3 * u }, (_, j) => (j * 37 + u) % nI).sort();
  const fixture = (batched: boolean) => ({
    name: "ties",
    rawItemIds: () => ids,
    itemCounts: () => counts,
    seenItems: (u: number) => seen(u),
    rawScores(u: number, out: Float32Array) {
      ItemScorer.of(view).scores(
        { vector: view.userFactors, offset: (u - 1) * kf, base: 0.75 },
        out,
      );
      return true;
    },
    ...(batched ? { rawFactors: () => ({ view, scoresUser: () => true }) } : {}),
    recommend: () => {
      throw new Error("every user is known");
    },
  });
  const users = {
    userIds: Int32Array.of(1, 2, 3, 4, 5),
    relIndptr: new Int32Array(6),
    relMovies: new Int32Array(0),
  };
  for (const floors of [[5, 0], [5], [0], [0, 5]]) {
    for (const k of [1, 3, 10, 40, 400]) {
      await t.step(`floors ${floors}, k = ${k}`, () => {
        // deno-lint-ignore no-explicit-any
        const wasm = new _UserRanker(fixture(true) as any, k, floors);
        assert.ok(wasm.batched);
        // deno-lint-ignore no-explicit-any
        const js = new _UserRanker(fixture(false) as any, k, floors);
        assert.ok(!js.batched);
        const a = _rankOutput(5, floors.length, k, false),
          b = _rankOutput(5, floors.length, k, false);
        wasm.rankRange(0, 5, users, a);
        js.rankRange(0, 5, users, b);
        assert.deepEqual(a.listLength, b.listLength);
        assert.deepEqual(a.lists, b.lists);
      });
    }
  }
});

Deno.test("models that score every user the same are ranked from one sorted order, and say so truly", async (t) => {
  for (const name of ["global-mean", "baseline", "popularity", "popular-count"]) {
    await t.step(name, () => {
      const model = _fit(name) as RegisteredModel & {
        rawScores(u: number, out: Float32Array): boolean;
        sharedRawScores():
          | { scores: Float32Array; knows(u: number): boolean; userOffset?(u: number): number }
          | null;
      };
      const shared = model.sharedRawScores();
      assert.ok(shared, `${name} offers shared scores`);
      const buf = new Float32Array(shared.scores.length);
      for (const u of new Set(split.train.userId)) {
        assert.ok(shared.knows(u));
        assert.equal(model.rawScores(u, buf), true);
        const offset = shared.userOffset?.(u) ?? 0;
        const expected = shared.scores.map((s) => Math.fround(offset + s));
        assert.deepEqual(buf, expected, `${name}: user ${u} gets the shared scores`);
      }
      // The same lists as ranking each user's scores: hide the shared scores and compare.
      const hidden = new Proxy(model, {
        get(target, p) {
          if (p === "sharedRawScores") return undefined;
          const v = Reflect.get(target, p, target);
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
      const users = _trainUsers();
      const n = users.userIds.length;
      const a = _rankOutput(n, 2, K, false), b = _rankOutput(n, 2, K, false);
      new _UserRanker(model, K, [FLOOR, 0]).rankRange(0, n, users, a);
      new _UserRanker(hidden, K, [FLOOR, 0]).rankRange(0, n, users, b);
      assert.deepEqual(a.listLength, b.listLength);
      assert.deepEqual(a.lists, b.lists);
    });
  }
  assert.equal(
    (_fit("svd") as _FactorModel<Record<string, unknown>>).sharedRawScores(),
    null,
    "a factor model's scores are per user",
  );
});

Deno.test("a user shift that rounds item scores into ties: the ties go to the lower position", () => {
  // Distinct float32 scores that collapse into ties once 1e4 is added (float32 spacing there: 1/1024).
  const scores = Float32Array.from([
    1,
    1.0001,
    1.0002,
    0.5,
    1.0003,
    1.0001,
    2,
    0.5002,
    1.0001,
    0.5,
    1.0001,
  ]);
  const ids = Int32Array.from(scores, (_, i) => 10 + i);
  const offsets = new Map([[1, 1e4], [2, 0], [3, -3]]);
  const fixture = (shared: boolean) => ({
    name: "shifted",
    rawItemIds: () => ids,
    itemCounts: () => new Int32Array(ids.length).fill(9),
    seenItems: (u: number) => (u === 2 ? Int32Array.of(6) : new Int32Array(0)),
    rawScores(u: number, out: Float32Array) {
      for (let i = 0; i < scores.length; i++) out[i] = offsets.get(u)! + scores[i]!;
      return true;
    },
    ...(shared
      ? {
        sharedRawScores: () => ({
          scores,
          knows: (u: number) => offsets.has(u),
          userOffset: (u: number) => offsets.get(u)!,
        }),
      }
      : {}),
    recommend: () => {
      throw new Error("every user is known");
    },
  });
  const users = {
    userIds: Int32Array.of(1, 2, 3),
    relIndptr: new Int32Array(4),
    relMovies: new Int32Array(0),
  };
  for (const k of [1, 2, 3, 5, 8, 11]) {
    const a = _rankOutput(3, 2, k, false), b = _rankOutput(3, 2, k, false);
    // deno-lint-ignore no-explicit-any
    new _UserRanker(fixture(true) as any, k, [0, 5]).rankRange(0, 3, users, a);
    // deno-lint-ignore no-explicit-any
    new _UserRanker(fixture(false) as any, k, [0, 5]).rankRange(0, 3, users, b);
    assert.deepEqual(a.lists, b.lists, `k = ${k}`);
    assert.deepEqual(a.listLength, b.listLength, `k = ${k}`);
  }
});

Deno.test("primal ease is batched: the bits of rawScores() and the lists of recommend()", async (t) => {
  // restricted to the 700 most-rated movies (kept positions are not every position); positives
  // at 5 stars only, so some users have none (ranked from the counts) and some only unkept ones
  const model = createModel("ease", {
    solver: "primal",
    maxDenseSide: 700,
    positiveThreshold: 5,
  }) as RegisteredModel & _RawScoring;
  model.fit(split.train);
  const users = _trainUsers();
  const n = users.userIds.length;
  const batch = model.rawBatch!()!;
  assert.ok(batch, "primal ease offers a batch scorer");
  await t.step("scores", () => {
    const one = new Float32Array(batch.scorer.size);
    let checked = 0, without = 0;
    for (let g = 0; g < n; g += 1 + (g % batch.scorer.maxUsers)) {
      const ids = [...users.userIds.subarray(g, g + 1 + (g % batch.scorer.maxUsers))];
      const served = ids.filter((u) => batch.rowOf(u) >= 0);
      without += ids.length - served.length;
      if (served.length === 0) continue;
      batch.scorer.score(served.map((u) => batch.rowOf(u)));
      for (const [b, u] of served.entries()) {
        assert.equal(model.rawScores(u, one), true);
        assert.deepEqual(
          new Uint8Array(batch.scorer.userScores(b).slice().buffer),
          new Uint8Array(one.buffer),
          `user ${u}`,
        );
        checked++;
      }
    }
    assert.ok(checked > 0 && without > 0, `${checked} users checked, ${without} without positives`);
  });
  await t.step("lists", () => {
    const ranker = new _UserRanker(model, K, [FLOOR, 0]);
    assert.ok(ranker.batched);
    const out = _rankOutput(n, 2, K, false);
    for (let g = 0; g < n; g += 11) ranker.rankRange(g, Math.min(n, g + 11), users, out);
    for (const [f, floor] of [FLOOR, 0].entries()) {
      for (let g = 0; g < n; g++) {
        const recs = model.recommend(users.userIds[g]!, K, {
          excludeSeen: true,
          minRatings: floor,
        });
        assert.ok(recs.ok);
        const slot = f * n + g;
        assert.deepEqual(
          [...out.lists.subarray(slot * K, slot * K + out.listLength[slot]!)],
          recs.items.map((x) => x.movieId),
          `user ${users.userIds[g]}, floor ${floor}`,
        );
      }
    }
  });
});
