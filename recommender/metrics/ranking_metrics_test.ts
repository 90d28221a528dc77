import assert from "node:assert/strict";
import { precisionAtK } from "./precision_at_k.ts";
import { recallAtK } from "./recall_at_k.ts";
import { ndcgAtK } from "./ndcg_at_k.ts";
import { averagePrecisionAtK } from "./map_at_k.ts";
import { hitAtK } from "./hit_rate_at_k.ts";
import { catalogCoverage } from "./coverage.ts";

const close = (a: number, b: number, eps = 1e-12) =>
  assert.ok(Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);

// hits at ranks 2 and 5 of 5; three relevant movies (99 is never recommended)
const list = Int32Array.of(10, 20, 30, 40, 50);
const relevant = new Set([20, 50, 99]);

Deno.test("ranking metrics match hand-computed values at k = 5", async (t) => {
  await t.step("precision@5 = 2 / 5", () => close(precisionAtK(list, relevant, 5), 0.4));
  await t.step("recall@5 = 2 / 3", () => close(recallAtK(list, relevant, 5), 2 / 3));
  await t.step("ndcg@5 = (1/log2 3 + 1/log2 6) / (1 + 1/log2 3 + 1/2)", () => {
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(6);
    const idcg = 1 + 1 / Math.log2(3) + 0.5;
    close(ndcgAtK(list, relevant, 5), dcg / idcg);
    close(ndcgAtK(list, relevant, 5), 0.4776237, 1e-6);
  });
  await t.step("AP@5 = (1/2 + 2/5) / 3", () => close(averagePrecisionAtK(list, relevant, 5), 0.3));
  await t.step("hit@5 = 1", () => assert.equal(hitAtK(list, relevant, 5), 1));
});

Deno.test("ranking metrics only look at the top k", () => {
  assert.equal(precisionAtK(list, relevant, 1), 0);
  assert.equal(recallAtK(list, relevant, 1), 0);
  assert.equal(ndcgAtK(list, relevant, 1), 0);
  assert.equal(averagePrecisionAtK(list, relevant, 1), 0);
  assert.equal(hitAtK(list, relevant, 1), 0);
  close(precisionAtK(list, relevant, 2), 0.5);
  close(ndcgAtK(list, relevant, 2), (1 / Math.log2(3)) / (1 + 1 / Math.log2(3)));
});

Deno.test("a short list counts its empty slots as misses for precision", () => {
  assert.equal(precisionAtK([20], relevant, 5), 0.2);
  close(ndcgAtK([20, 50], new Set([20, 50]), 10), 1);
  close(averagePrecisionAtK([20, 50], new Set([20, 50]), 10), 1);
});

Deno.test("metrics needing relevant movies are NaN without any", () => {
  const none = new Set<number>();
  assert.ok(Number.isNaN(recallAtK(list, none, 5)));
  assert.ok(Number.isNaN(ndcgAtK(list, none, 5)));
  assert.ok(Number.isNaN(averagePrecisionAtK(list, none, 5)));
  assert.equal(precisionAtK(list, none, 5), 0);
  assert.equal(hitAtK(list, none, 5), 0);
});

Deno.test("ranking metrics reject a k that is not a positive integer", () => {
  assert.throws(() => precisionAtK(list, relevant, 0), /k must be a positive integer, got 0/);
  assert.throws(() => ndcgAtK(list, relevant, 2.5), /NDCG@k/);
});

Deno.test("labels name the metric and k", () => {
  assert.equal(precisionAtK.label(10), "P@10");
  assert.equal(ndcgAtK.label(10), "NDCG@10");
  assert.equal(averagePrecisionAtK.label(5), "MAP@5");
});

Deno.test("catalogCoverage() counts distinct recommended movies over the catalog", () => {
  assert.equal(catalogCoverage([[1, 2], Int32Array.of(2, 3)], 4), 0.75);
  assert.equal(catalogCoverage([], 4), 0);
  assert.ok(Number.isNaN(catalogCoverage([[1]], 0)));
});
