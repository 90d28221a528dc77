import assert from "node:assert/strict";
import { createModel } from "./model_registry.ts";
import type { Blend } from "./blend.ts";
import { _loadMovieLensSmall, _randomSplit, _score } from "../core/_test_data.ts";
import { fitStandalone } from "./fit_standalone.ts";
import { ratingsFromColumns } from "../core/ratings.ts";
import { Prng } from "../core/prng.ts";

Deno.test("a blend of svdpp, item-knn-baseline and baseline beats its members on the seeded 80/20 split", () => {
  const { train, test } = _randomSplit(_loadMovieLensSmall(), 0.2, 42);
  const blend = createModel("blend", {
    members: [
      { model: "svdpp", config: { factors: 20 } },
      { model: "item-knn-baseline", config: { neighbours: 100 } },
      { model: "baseline" },
    ],
  }) as Blend;
  blend.fit(train);
  const s = _score(blend, test);
  assert.ok(s.rmse <= 0.85 && s.mae <= 0.65, `blend RMSE ${s.rmse}, MAE ${s.mae}`);
  // the weights were fitted on the training holdout, with the support meta-features
  assert.equal(blend.weights.length, 1 + 3 + 2 + 2 * 3);
  assert.ok(
    Number(blend.extra.holdoutBlendRmse) <
      Math.min(...(blend.extra.holdoutMemberRmse as number[])),
  );
  assert.deepEqual(blend.extra.memberNames, ["svdpp", "item-knn-baseline", "baseline"]);
  const r = blend.recommend(train.userId[0]!, 10);
  assert.ok(r.ok && r.items.length === 10);
});

Deno.test("blend weights: the exact member gets weight 1 on a fixture it explains", () => {
  // ratings are exactly mu + b_u + b_i: an unregularized baseline reproduces them
  const rng = new Prng(5);
  const bu = Array.from({ length: 30 }, () => rng.gaussian() * 0.5);
  const bi = Array.from({ length: 20 }, () => rng.gaussian() * 0.5);
  const u: number[] = [], m: number[] = [], r: number[] = [];
  for (let a = 0; a < 30; a++) {
    for (let b = 0; b < 20; b++) {
      if (rng.next() < 0.7) {
        u.push(a);
        m.push(b);
        r.push(3 + bu[a]! + bi[b]!);
      }
    }
  }
  const train = ratingsFromColumns({ userId: u, movieId: m, rating: r });
  const blend = createModel("blend", {
    members: [
      { model: "baseline", config: { regUser: 0, regItem: 0, epochs: 50 } },
      { model: "popularity" },
    ],
    metaFeatures: false,
    ridge: 1e-6,
    holdoutFraction: 0.2,
  }) as Blend;
  blend.fit(train);
  const [w0, wBaseline, wPopular] = blend.weights;
  assert.ok(Math.abs(wBaseline! - 1) < 0.02, `baseline weight ${wBaseline}`);
  assert.ok(Math.abs(wPopular!) < 0.02 && Math.abs(w0!) < 0.1, `${w0} ${wPopular}`);
  assert.ok(Number(blend.extra.holdoutBlendRmse) < 0.02);
});

Deno.test("blend members train like standalone models: early stopping, then a refit", async () => {
  const { train } = _randomSplit(_loadMovieLensSmall(), 0.5, 1);
  const config = { factors: 8, epochs: 200, patience: 2 };
  const blend = createModel("blend", {
    members: [{ model: "biased-mf", config }],
    metaFeatures: false,
  }) as Blend;
  blend.fit(train);
  const alone = fitStandalone(train, {
    create: (c) => createModel("biased-mf", c),
    config,
    validationFraction: 0.1,
    refit: true,
    seed: 42,
  }).model;
  const member =
    ((await blend.save()).manifest.extra.members as Array<{ config: { epochs: number } }>)[0]!;
  assert.ok(member.config.epochs < 200, "the member stopped early");
  assert.equal(member.config.epochs, (alone.config as { epochs: number }).epochs);
});

Deno.test("blend config errors name the member and the key", () => {
  assert.throws(
    () => createModel("blend", { members: [{ model: "svd", config: { factors: -2 } }] }),
    /members\.0: Invalid config for model "svd": factors/,
  );
  assert.throws(
    () => createModel("blend", { members: [{ model: "blend" }] }),
    /members\.0\.model: A blend cannot contain a blend/,
  );
  assert.throws(() => createModel("blend", { holdoutFraction: 1 }), /holdoutFraction/);
});
