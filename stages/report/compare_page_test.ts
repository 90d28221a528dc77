import assert from "node:assert/strict";
import { differingParams, metricDeltas, renderComparePage } from "./compare_page.ts";
import { makeRun } from "./_test_fixtures.ts";
import { parsePage } from "./_test_dom.ts";

Deno.test("metricDeltas() calls lower RMSE and higher NDCG better", () => {
  const a = makeRun({ id: "a", rmse: 0.9, explainedVariance: 0.3 });
  const b = makeRun({ id: "b", rmse: 0.85, explainedVariance: 0.25 });
  const byKey = new Map(metricDeltas(a, b).map((d) => [d.key, d]));
  assert.equal(byKey.get("rmse")?.verdict, "better");
  assert.ok(Math.abs(byKey.get("rmse")!.delta! + 0.05) < 1e-12);
  assert.equal(byKey.get("explained_variance")?.verdict, "worse");
  assert.equal(byKey.get("ndcg_at_10")?.verdict, "same");
});

Deno.test("metricDeltas() against a failed run has no delta", () => {
  const deltas = metricDeltas(makeRun({ id: "a" }), makeRun({ id: "b", status: "FAILED" }));
  const rmse = deltas.find((d) => d.key === "rmse")!;
  assert.equal(rmse.verdict, "n/a");
  assert.equal(rmse.b, undefined);
  assert.equal(rmse.delta, undefined);
});

Deno.test("differingParams() lists only params and key tags that differ", () => {
  const a = makeRun({ id: "a", factors: 50, reg: 0.05 });
  const b = makeRun({ id: "b", factors: 100, reg: 0.05, model: "svd" });
  assert.deepEqual(differingParams(a, b), [
    { key: "train.factors", a: "50", b: "100" },
    { key: "tag: model", a: "biased_mf", b: "svd" },
  ]);
});

Deno.test("renderComparePage() shows the verdicts and only the differing params", () => {
  const doc = parsePage(
    renderComparePage(
      makeRun({ id: "a", rmse: 0.9, factors: 50 }),
      makeRun({ id: "b", rmse: 0.8, factors: 100 }),
    ),
  );
  assert.equal(doc.querySelector('tr[data-metric="rmse"]')?.getAttribute("data-verdict"), "better");
  assert.match(doc.querySelector('tr[data-metric="rmse"]')?.textContent ?? "", /-0\.1000/);
  const rows = [...doc.querySelectorAll("#param-diff tbody tr")].map((r) => r.textContent);
  assert.deepEqual(rows, ["train.factors50100"]);
  const links = [...doc.querySelectorAll(".card a")].map((a) => a.getAttribute("href"));
  assert.deepEqual(links, ["../runs/a.html", "../runs/b.html"]);
});

Deno.test("renderComparePage() of identical params says so", () => {
  const doc = parsePage(renderComparePage(makeRun({ id: "a" }), makeRun({ id: "b" })));
  assert.ok(doc.querySelector("#no-param-diff"));
});
