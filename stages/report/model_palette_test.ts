import assert from "node:assert/strict";
import { modelColor, modelColors } from "./model_palette.ts";
import { modelNames } from "../../recommender/models/model_registry.ts";

Deno.test("modelColor() gives every model of the registry its own colour", () => {
  const colors = modelNames.map(modelColor);
  const clash = modelNames.filter((_m, i) => colors.indexOf(colors[i]!) !== i);
  assert.deepEqual(clash, [], "add these models to _FIXED in model_palette.ts");
});

Deno.test("modelColors() keeps a model's colour whatever other models (or failed runs) are shown", () => {
  const alone = modelColors(["biased-mf"]);
  const many = modelColors(["svd", "-", "biased-mf", "global-mean", "als"]);
  assert.equal(many.range[many.domain.indexOf("biased-mf")], alone.range[0]);
  assert.equal(modelColor("biased_mf"), modelColor("biased-mf"));
});
