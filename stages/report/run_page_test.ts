import assert from "node:assert/strict";
import { renderRunPage } from "./run_page.ts";
import { makeReportData, makeRun } from "./_test_fixtures.ts";
import { chartMarks, parsePage } from "./_test_dom.ts";
import { METRIC_KEYS } from "../run_keys.ts";

Deno.test("renderRunPage() charts losses, errors, predictions and timings with one mark per datum", async () => {
  const data = makeReportData();
  const run = makeRun({ id: "r1", epochs: 7 });
  const doc = parsePage(await renderRunPage(run, data));
  const charts = new Map(chartMarks(doc).map((c) => [c.id, c]));
  assert.deepEqual([...charts.keys()].sort(), [
    "error-histogram",
    "loss-curves",
    "predicted-vs-actual",
    "stage-timings",
  ]);
  const expected: Record<string, number> = {
    "loss-curves": 14, // 7 epochs x (training, validation)
    "error-histogram": data.errorHistogram.length,
    "predicted-vs-actual": data.predictedVsActual.length,
    "stage-timings": data.stageTimings.length,
  };
  for (const [id, count] of Object.entries(expected)) {
    const chart = charts.get(id)!;
    assert.ok(chart.hasSvg, id);
    assert.equal(chart.declared, count, id);
    assert.equal(chart.drawn, count, id);
  }
});

Deno.test("renderRunPage() lists sample users' top-rated movies beside their top 10", async () => {
  const data = makeReportData();
  const doc = parsePage(await renderRunPage(makeRun({ id: "r1" }), data));
  const cards = [...doc.querySelectorAll(".user-card")];
  assert.equal(cards.length, data.sampleUsers.length);
  assert.equal(cards[0]!.querySelectorAll("ol.movies li").length, 10);
  assert.match(cards[0]!.querySelector("ul.movies li")?.textContent ?? "", /Toy Story \(1995\)/);
  assert.match(doc.querySelector("main")?.textContent ?? "", /Toy Story 2 \(1999\)/);
  assert.match(doc.querySelector("main")?.textContent ?? "", /100,836/);
});

Deno.test("renderRunPage() of a failed run says it failed and shows dashes, not zeros", async () => {
  const doc = parsePage(await renderRunPage(makeRun({ id: "bad", status: "FAILED" })));
  assert.match(doc.querySelector("[role=alert]")?.textContent ?? "", /This run failed/);
  const rmse = doc.querySelector(`.kpi[data-metric="${METRIC_KEYS.rmse}"] .value`);
  assert.equal(rmse?.textContent, "—");
  assert.ok(!/0\.0000/.test(doc.querySelector("#metrics")?.innerHTML ?? ""));
  // Its training loss was still logged: the loss chart is there.
  assert.ok(chartMarks(doc).some((c) => c.id === "loss-curves"));
});

Deno.test("renderRunPage() without report data says what is missing", async () => {
  const doc = parsePage(await renderRunPage(makeRun({ id: "r2" })));
  assert.match(doc.querySelector("#no-report-data")?.textContent ?? "", /report_data\.json/);
  assert.equal(doc.querySelectorAll(".user-card").length, 0);
});

Deno.test("renderRunPage() shows confidence intervals of a k-fold run", async () => {
  const doc = parsePage(await renderRunPage(makeRun({ id: "k", rmse: 0.88, ci: 0.01 })));
  assert.equal(
    doc.querySelector(`.kpi[data-metric="${METRIC_KEYS.rmse}"] .ci`)?.textContent,
    "CI 0.8700 – 0.8900",
  );
});

Deno.test("renderRunPage() marks tied and clipped scores in a top 10, and shows raw scores when known", async () => {
  const data = makeReportData();
  const user = data.sampleUsers[0]!;
  const tied = {
    ...data,
    sampleUsers: [{
      ...user,
      recommendations: [
        { movieId: 1, title: "A", score: 5 },
        { movieId: 2, title: "B", score: 5 },
        { movieId: 3, title: "C", score: 4.9 },
      ],
    }, {
      ...user,
      userId: 7,
      recommendations: [
        { movieId: 1, title: "A", score: 5, rawScore: 5.312 },
        { movieId: 2, title: "B", score: 5, rawScore: 5.104 },
      ],
    }],
  };
  const doc = parsePage(await renderRunPage(makeRun({ id: "r" }), tied));
  const [first, second] = [...doc.querySelectorAll(".user-card")];
  const items = [...first!.querySelectorAll("ol.movies li")].map((li) => li.textContent ?? "");
  assert.match(items[0]!, /A 5\.000 = tie clipped/);
  assert.match(items[1]!, /B 5\.000 = tie clipped/);
  assert.equal(items[2], "C 4.900");
  const raw = [...second!.querySelectorAll("ol.movies li")].map((li) => li.textContent ?? "");
  assert.deepEqual(raw, ["A 5.312 (shown as 5.00)", "B 5.104 (shown as 5.00)"]);
  assert.match(
    doc.querySelector("main")?.textContent ?? "",
    /the ranking orders by the model's internal movie order/,
  );
});
