import assert from "node:assert/strict";
import { confidenceInterval } from "./confidence_interval.ts";
import { _studentTQuantile } from "./_student_t.ts";

const close = (a: number, b: number, eps: number) =>
  assert.ok(Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);

Deno.test("_studentTQuantile() matches published t table values", () => {
  close(_studentTQuantile(0.975, 1), 12.706205, 1e-5);
  close(_studentTQuantile(0.975, 2), 4.302653, 1e-6);
  close(_studentTQuantile(0.975, 4), 2.776445, 1e-6);
  close(_studentTQuantile(0.975, 9), 2.262157, 1e-6);
  close(_studentTQuantile(0.975, 29), 2.045230, 1e-6);
  close(_studentTQuantile(0.95, 10), 1.812461, 1e-6);
  close(_studentTQuantile(0.025, 4), -2.776445, 1e-6);
});

Deno.test("confidenceInterval() gives the mean and a 95% Student t interval", () => {
  // five folds, mean 0.9, sample std sqrt(0.00025), t(0.975, 4) = 2.776445
  const ci = confidenceInterval([0.9, 0.92, 0.88, 0.91, 0.89]);
  close(ci.mean, 0.9, 1e-12);
  close(ci.std!, Math.sqrt(0.00025), 1e-12);
  close(ci.halfWidth!, (2.776445 * Math.sqrt(0.00025)) / Math.sqrt(5), 1e-7);
  close(ci.lower!, 0.9 - ci.halfWidth!, 1e-12);
  close(ci.upper!, 0.9 + ci.halfWidth!, 1e-12);
  assert.equal(ci.n, 5);
});

Deno.test("confidenceInterval() has no interval for a single value and skips NaN", () => {
  const one = confidenceInterval([0.93, NaN]);
  assert.equal(one.mean, 0.93);
  assert.equal(one.n, 1);
  assert.equal(one.halfWidth, null);
  assert.equal(one.lower, null);
  assert.ok(Number.isNaN(confidenceInterval([]).mean));
});

Deno.test("confidenceInterval() narrows with a lower level", () => {
  const wide = confidenceInterval([1, 2, 3, 4]);
  const narrow = confidenceInterval([1, 2, 3, 4], 0.8);
  assert.ok(narrow.halfWidth! < wide.halfWidth!);
  assert.throws(() => confidenceInterval([1, 2], 1.5), /level must be in \(0, 1\), got 1.5/);
});
