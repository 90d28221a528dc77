import assert from "node:assert/strict";
import { rmse } from "./rmse.ts";
import { mae } from "./mae.ts";
import { explainedVariance } from "./explained_variance.ts";
import { coldStartRate } from "./cold_start_rate.ts";

const close = (a: number, b: number, eps = 1e-12) =>
  assert.ok(Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);

// actual 3, 4, 5; predicted 2.5, 4, 4: errors 0.5, 0, 1
const actual = [3, 4, 5];
const predicted = [2.5, 4, 4];

Deno.test("rmse() is the square root of the mean squared error", () => {
  close(rmse(actual, predicted), Math.sqrt(1.25 / 3));
  close(rmse(Float32Array.of(1, 1), Float64Array.of(1, 1)), 0);
});

Deno.test("mae() is the mean absolute error", () => {
  close(mae(actual, predicted), 0.5);
});

Deno.test("pointwise metrics reject columns of different length and give NaN when empty", () => {
  assert.throws(() => rmse([1, 2], [1]), /RMSE: actual and predicted differ in length \(2 vs 1\)/);
  assert.throws(() => mae([1], []), /MAE/);
  assert.throws(() => explainedVariance([1], [1, 2]), /explained variance/);
  assert.ok(Number.isNaN(rmse([], [])));
  assert.ok(Number.isNaN(mae([], [])));
  assert.ok(Number.isNaN(explainedVariance([], [])));
});

Deno.test("explainedVariance() matches sklearn's explained_variance_score", async (t) => {
  await t.step("hand-computed case: residual variance 1/6 over variance 2/3", () => {
    close(explainedVariance(actual, predicted), 0.75);
  });
  await t.step("a constant offset is not penalised", () => {
    close(explainedVariance([1, 2, 3], [2, 3, 4]), 1);
  });
  await t.step("worse than the mean is negative", () => {
    close(explainedVariance([1, 2, 3], [3, 2, 1]), -3);
  });
  await t.step("constant actual values: 1 for constant residuals, else 0", () => {
    assert.equal(explainedVariance([2, 2], [2.5, 2.5]), 1);
    assert.equal(explainedVariance([2, 2], [1, 3]), 0);
  });
});

Deno.test("coldStartRate() is the share of flagged predictions", () => {
  assert.equal(coldStartRate([true, false, false, false]), 0.25);
  assert.equal(coldStartRate(Uint8Array.of(1, 1)), 1);
  assert.ok(Number.isNaN(coldStartRate([])));
});
