import assert from "node:assert/strict";
import { modelParams, runName } from "./track.ts";
import { trainParams } from "./train.ts";

Deno.test("modelParams() gives a shorthand param only to the models that have the setting", () => {
  const params = { train: trainParams.parse({ models: ["popularity", "svd"], factors: 20 }) };
  assert.equal(modelParams(params, "svd")["train.factors"], "20");
  assert.equal(modelParams(params, "popularity")["train.factors"], undefined);
});

Deno.test("runName() names the model and only the params that differ from its defaults", async (t) => {
  const defaults = { "train.factors": "100", "train.reg": "0.05", "model.seed": "42" };
  const cases: [Record<string, string>, string][] = [
    [{ ...defaults }, "svd"],
    [{ ...defaults, "train.factors": "20" }, "svd factors=20"],
    [{ ...defaults, "train.factors": "20", "train.reg": "0.1" }, "svd factors=20 reg=0.1"],
    [{ ...defaults, "split.kind": "kfold" }, "svd split=kfold"],
    [{ ...defaults, "etl.dataset": "ml-1m" }, "svd"],
  ];
  for (const [params, expected] of cases) {
    await t.step(expected, () => assert.equal(runName("svd", params, defaults), expected));
  }
});
