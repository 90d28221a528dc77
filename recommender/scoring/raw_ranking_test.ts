import assert from "node:assert/strict";
import { createModel } from "../models/model_registry.ts";
import { ratingsFromColumns } from "../core/ratings.ts";
import type { Blend } from "../models/blend.ts";
import type { BaselineOnly } from "../models/baseline_only.ts";
import type { Popularity } from "../models/popularity_model.ts";
import type { GlobalMean } from "../models/global_mean.ts";

/**
 * Additive ratings `3 + b_u + b_i`. User 1 (bias +1.2) rated only the
 * weaker movies 40, 50, 60, so its predictions for the strong unseen movies
 * 10, 20, 30 (item biases +1.0, +1.4, +1.2) are about 5.2, 5.6 and 5.4:
 * above the scale's max of 5. Clipped, they would tie at 5.
 */
const userBias: Record<number, number> = { 1: 1.2, 2: 0, 3: -0.5, 4: 0.5, 5: 0.2 };
const itemBias: Record<number, number> = { 10: 1, 20: 1.4, 30: 1.2, 40: 0.8, 50: -1, 60: -1.5 };
/** The movies each user rated. */
const rated: Record<number, number[]> = {
  1: [40, 50, 60],
  2: [10, 20, 30, 40, 50, 60],
  3: [10, 20, 30, 40, 50, 60],
  4: [10, 20, 30, 50, 60],
  5: [10, 30, 40, 50, 60],
};
const pairs = Object.entries(rated).flatMap(([u, ids]) => ids.map((i) => [Number(u), i] as const));
const table = ratingsFromColumns({
  userId: pairs.map(([u]) => u),
  movieId: pairs.map(([, i]) => i),
  rating: pairs.map(([u, i]) => 3 + userBias[u]! + itemBias[i]!),
});
const BASELINE = { regUser: 0, regItem: 0, epochs: 50 };

/** Raw baseline scores `mu + b_u + b_i` read from the fitted factors (not from recommend). */
function baselineRaw(m: BaselineOnly, userId: number): Map<number, number> {
  const f = m.factors()!;
  const u = f.userIds.indexOf(userId);
  const out = new Map<number, number>();
  f.itemIds.forEach((id, i) => out.set(id, f.globalMean + f.userBias![u]! + f.itemBias![i]!));
  return out;
}

/** Unseen movies of user 1 by descending raw score, ties to the lower id. */
function rawOrder(raw: Map<number, number>): number[] {
  return [10, 20, 30].sort((a, b) => raw.get(b)! - raw.get(a)! || a - b);
}

Deno.test("a factor model ranks on raw scores above the scale max and clips the returned scores", () => {
  const m = createModel("baseline", BASELINE) as BaselineOnly;
  m.fit(table);
  const raw = baselineRaw(m, 1);
  for (const id of [10, 20, 30]) assert.ok(raw.get(id)! > 5.05, `raw of ${id}: ${raw.get(id)}`);
  assert.equal(m.predict(1, 20).rating, 5); // predictions clip: they tie
  assert.equal(m.predict(1, 10).rating, 5);
  const r = m.recommend(1, 3);
  assert.ok(r.ok);
  assert.deepEqual(r.items.map((x) => x.movieId), rawOrder(raw));
  assert.deepEqual(r.items.map((x) => x.movieId), [20, 30, 10]);
  assert.deepEqual(r.items.map((x) => x.score), [5, 5, 5]);
});

/** An independently fitted copy of a blend member and its raw score of (user 1, movie). */
function memberRaw(model: string, config: Record<string, unknown>): (movieId: number) => number {
  const m = createModel(model, config);
  m.fit(table);
  if (model === "baseline") {
    const raw = baselineRaw(m as BaselineOnly, 1);
    return (id) => raw.get(id)!;
  }
  if (model === "popularity") return (id) => (m as Popularity).list.score(id)!;
  if (model === "global-mean") return () => (m as GlobalMean).factors()!.globalMean;
  throw new Error(`no raw score for ${model}`);
}

for (
  const members of [
    // the lead ranks everything the same (a tie broken by id): the clipped blend kept that order
    [{ model: "global-mean", config: {} }, { model: "baseline", config: BASELINE }],
    [{ model: "baseline", config: BASELINE }, { model: "popularity", config: { m: 1 } }],
  ]
) {
  const names = members.map((m) => m.model).join(" + ");
  Deno.test(`blend (${names}) ranks on the blend of its members' raw scores, clips what it returns`, () => {
    // Without meta-features the blend is w0 + sum_j w_j * member_j, which this test rebuilds.
    const blend = createModel("blend", {
      members,
      holdoutFraction: 0.2,
      ridge: 0.01,
      metaFeatures: false,
    }) as Blend;
    blend.fit(table);
    // the members are refitted on the whole table: fit the same models independently
    const raws = members.map((m) => memberRaw(m.model, m.config));
    const w = blend.weights;
    const raw = new Map<number, number>();
    for (const id of [10, 20, 30]) {
      raw.set(id, raws.reduce((s, f, j) => s + w[j + 1]! * f(id), w[0]!));
    }
    for (const id of [10, 20, 30]) {
      assert.ok(raw.get(id)! > 5.01, `blended raw of ${id}: ${raw.get(id)} (weights ${w})`);
      assert.equal(blend.predict(1, id).rating, 5); // predictions clip: they tie
    }
    const order = rawOrder(raw);
    assert.deepEqual(order, [20, 30, 10]); // not the tie's lowest-id order
    const r = blend.recommend(1, 3);
    assert.ok(r.ok);
    assert.deepEqual(r.items.map((x) => x.movieId), order);
    assert.deepEqual(r.items.map((x) => x.score), [5, 5, 5]);
    // excludeSeen false: the seen movies compete too; a filter removes movies
    const all = blend.recommend(1, 6, { excludeSeen: false, filter: (id) => id !== 30 });
    assert.ok(all.ok);
    assert.deepEqual(all.items.map((x) => x.movieId).sort(), [10, 20, 40, 50, 60]);
    for (const x of all.items) assert.ok(x.score >= 0.5 && x.score <= 5);
    // the first member (a factor model here) decides unknown users
    assert.deepEqual(blend.recommend(99, 3), { ok: false, reason: "unknown-user" });
  });
}
