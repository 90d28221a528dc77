import assert from "node:assert/strict";
import { createModel } from "./model_registry.ts";
import type { Blend } from "./blend.ts";
import { _loadMovieLensSmall, _randomSplit, _score } from "./_test_data.ts";

Deno.test("the default blend reaches RMSE <= 0.860 and MAE <= 0.660 on the seeded 80/20 split", () => {
  const { train, test } = _randomSplit(_loadMovieLensSmall(), 0.2, 42);
  const blend = createModel("blend") as Blend;
  blend.fit(train);
  const s = _score(blend, test);
  assert.ok(s.rmse <= 0.86 && s.mae <= 0.66, `blend RMSE ${s.rmse}, MAE ${s.mae}`);
  // the weights were fitted on the training holdout: every member contributes
  assert.equal(blend.weights.length, blend.config.members.length + 1);
  assert.ok(
    Number(blend.extra.holdoutBlendRmse) <=
      Math.min(...(blend.extra.holdoutMemberRmse as number[])),
  );
  const r = blend.recommend(train.userId[0]!, 10);
  assert.ok(r.ok && r.items.length === 10);
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
