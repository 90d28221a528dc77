import assert from "node:assert/strict";
import { renderIndex, renderIndexPage } from "./index_page.ts";
import { modelColor } from "./model_palette.ts";
import { renderEmptyPage } from "./empty_page.ts";
import { makeRun, makeRuns } from "./_test_fixtures.ts";
import { chartMarks, parsePage } from "./_test_dom.ts";

Deno.test("renderIndexPage() with no runs says so and how to make one", async () => {
  const html = await renderIndexPage([]);
  assert.equal(html, renderEmptyPage());
  const doc = parsePage(html);
  assert.match(doc.querySelector("#no-runs")?.textContent ?? "", /No runs yet/);
  assert.match(doc.querySelector("#no-runs pre")?.textContent ?? "", /deno task pipeline/);
  assert.equal(doc.querySelectorAll("table").length, 0);
  assert.equal(doc.querySelectorAll("script").length, 0);
});

Deno.test("renderIndexPage() shows a failed run as failed with no metric, never as zero", async () => {
  const runs = [
    makeRun({ id: "good", rmse: 0.9 }),
    makeRun({ id: "broken", status: "FAILED", startTime: Date.UTC(2025, 1, 1) }),
  ];
  const doc = parsePage(await renderIndexPage(runs));
  const row = [...doc.querySelectorAll("#runs-table tbody tr")]
    .find((r) => r.getAttribute("data-run-id") === "broken");
  assert.ok(row);
  assert.match(row.getAttribute("class") ?? "", /failed/);
  assert.equal(row.querySelector(".badge.failed")?.textContent, "failed");
  const metricCells = [...row.querySelectorAll("td.num:not(.param)")].slice(0, 3);
  for (const cell of metricCells) {
    assert.equal(cell.textContent?.trim(), "—");
    assert.equal(cell.getAttribute("data-sort"), "", "a failed run's metric must sort as missing");
    assert.match(cell.getAttribute("title") ?? "", /failed/);
  }
  assert.ok(!/\b0\.0000\b/.test(row.innerHTML), "failed run shows a zero");
  // The failed run is on no chart, and trained no model.
  for (const chart of chartMarks(doc)) assert.ok(!chart.runIds.includes("broken"), chart.id);
  const { data } = await renderIndex(runs);
  assert.equal(data.runs.find((r) => r.id === "broken")?.model, "biased_mf");
});

Deno.test('renderIndex() does not count a failed pipeline (model "-") as a model or colour it', async () => {
  const runs = [
    makeRun({ id: "mf", model: "biased-mf", rmse: 0.86, startTime: 1 }),
    makeRun({ id: "svd", model: "svd", rmse: 0.9, startTime: 2 }),
    makeRun({ id: "pipe", model: "-", status: "FAILED", startTime: 3 }),
  ];
  const { html, data } = await renderIndex(runs);
  const doc = parsePage(html);
  assert.match(doc.querySelector("#summary")?.textContent ?? "", /Models\s*2/i);
  assert.deepEqual(data.colors.domain, ["biased-mf", "svd"]);
  assert.deepEqual(data.colors.range, [modelColor("biased-mf"), modelColor("svd")]);
  assert.equal(data.runs.find((r) => r.id === "pipe")?.model, null);
  const row = doc.querySelector('tr[data-run-id="pipe"]');
  assert.equal(row?.children[4]?.textContent?.trim(), "—");
});

Deno.test("renderIndexPage() highlights the lowest RMSE among finished runs only", async () => {
  const failedButLow = { ...makeRun({ id: "f", rmse: 0.5 }), status: "FAILED" as const };
  const runs = [
    makeRun({ id: "a", rmse: 0.95 }),
    makeRun({ id: "b", rmse: 0.87 }),
    makeRun({ id: "c", rmse: 0.91 }),
    failedButLow,
    { ...makeRun({ id: "r", rmse: 0.4 }), status: "RUNNING" as const },
  ];
  const doc = parsePage(await renderIndexPage(runs));
  const best = [...doc.querySelectorAll("#runs-table tbody tr.best")];
  assert.deepEqual(best.map((r) => r.getAttribute("data-run-id")), ["b"]);
  assert.equal(best[0]!.querySelector(".badge.best")?.textContent, "best");
  assert.match(doc.querySelector("#summary")?.textContent ?? "", /0\.8700/);
});

Deno.test("renderIndexPage() with 250 runs paginates the table and bounds the over-time charts", async () => {
  const runs = makeRuns(250);
  const { html, data } = await renderIndex(runs, { pageSize: 50, latestN: 100 });
  const doc = parsePage(html);
  const table = doc.querySelector("#runs-table");
  assert.equal(table?.getAttribute("data-page-size"), "50");
  assert.equal(table?.getAttribute("data-runs"), "250");
  // Only the first page is in the HTML (newest first); every run is in the data.
  assert.equal(doc.querySelectorAll("#runs-table tbody tr").length, 50);
  assert.equal(data.runs.length, 250);
  assert.equal(
    doc.querySelector("#runs-table tbody tr")?.getAttribute("data-run-id"),
    data.runs[0]!.id,
  );
  assert.ok(doc.querySelector("#runs-pager"), "pager missing");
  const charts = new Map(chartMarks(doc).map((c) => [c.id, c]));
  const finished = runs.filter((r) => r.status === "FINISHED").length;
  const latestFinished = runs.slice(-100).filter((r) => r.status === "FINISHED").length;
  assert.equal(charts.get("rmse-over-time")?.declared, latestFinished);
  assert.equal(charts.get("runs-explorer")?.declared, finished);
  assert.equal(charts.get("rmse-by-model")?.declared, finished);
  assert.match(
    doc.querySelector("#chart-rmse-over-time .note")?.textContent ?? "",
    /latest 100 runs of 250/,
  );
});

Deno.test("renderIndexPage() draws one mark per charted run on every static chart", async () => {
  const runs = makeRuns(40);
  const doc = parsePage(await renderIndexPage(runs));
  const charts = chartMarks(doc);
  const ids = charts.map((c) => c.id).sort();
  assert.deepEqual(ids, [
    "explained_variance-over-time",
    "loss-curves-overlay",
    "mae-over-time",
    "param-vs-metric",
    "rmse-by-model",
    "rmse-over-time",
    "rmse-vs-factors",
    "rmse-vs-reg",
    "runs-explorer",
    "sweep-parallel",
  ]);
  const finishedIds = runs.filter((r) => r.status === "FINISHED").map((r) => r.runId).sort();
  for (const chart of charts) {
    if (!chart.hasSvg) continue; // drawn in the browser from index-data.js: see browser_test.ts
    assert.equal(chart.drawn, chart.declared, chart.id);
    assert.deepEqual(
      [...chart.runIds].sort(),
      finishedIds,
      `${chart.id} marks are not the finished runs`,
    );
  }
});

Deno.test("renderIndex() charts a param only for the models that have it and where it varied", async () => {
  const runs = [
    ...[10, 50, 100].map((f, i) =>
      makeRun({ id: `mf${f}`, model: "biased-mf", factors: f, reg: 0.05, startTime: i })
    ),
    // Older runs logged the factors shorthand for every model: not a setting of these.
    makeRun({ id: "gm", model: "global-mean", factors: 10, rmse: 1.04, startTime: 5 }),
    makeRun({ id: "pop", model: "popularity", factors: 100, rmse: 1.0, startTime: 6 }),
    makeRun({ id: "svd", model: "svd", factors: 50, rmse: 0.9, startTime: 7 }),
  ];
  const { html, data } = await renderIndex(runs);
  assert.deepEqual(data.sweptParams, ["factors"]); // reg never varied
  const doc = parsePage(html);
  const sweep = doc.querySelector("#chart-rmse-vs-factors");
  assert.ok(sweep, "no factors sweep chart");
  assert.equal(sweep.querySelector(".live-chart")?.getAttribute("data-models"), "biased-mf");
  assert.equal(sweep.getAttribute("data-marks"), "3");
  assert.equal(doc.querySelector("#chart-rmse-vs-reg"), null);
  // Global mean has no epochs, factors or reg; svd has factors but no epochs.
  assert.deepEqual(data.runs.find((r) => r.id === "gm")?.params, {});
  assert.deepEqual(data.runs.find((r) => r.id === "svd")?.params, { factors: "50" });
  // One column per param in the table; a dash for a model without it.
  const headers = [...doc.querySelectorAll("#runs-table thead th")].map((th) =>
    th.getAttribute("data-param")
  ).filter((p) => p !== null);
  assert.deepEqual(headers, ["factors", "epochs", "reg"]);
  const gm = doc.querySelector('tr[data-run-id="gm"]');
  assert.deepEqual([...gm!.querySelectorAll("td.param")].map((td) => td.textContent), [
    "—",
    "—",
    "—",
  ]);
});

Deno.test("renderIndexPage() draws confidence-interval bars only for runs with folds", async () => {
  const runs = [
    makeRun({ id: "kfold", rmse: 0.88, ci: 0.01, startTime: 1 }),
    makeRun({ id: "plain", rmse: 0.9, startTime: 2 }),
  ];
  const doc = parsePage(await renderIndexPage(runs));
  const bars = doc.querySelectorAll("#chart-rmse-over-time g.ci-bar line");
  assert.equal(bars.length, 1);
  const cell = [...doc.querySelectorAll("#runs-table tbody tr")]
    .find((r) => r.getAttribute("data-run-id") === "kfold")!.querySelector("td.num small");
  assert.equal(cell?.textContent, "[0.8700, 0.8900]");
});

Deno.test("renderIndexPage() leaves out sweep charts when no param varies", async () => {
  const runs = [
    makeRun({ id: "a", factors: 50, startTime: 1 }),
    makeRun({ id: "b", factors: 50, startTime: 2 }),
  ];
  const ids = chartMarks(parsePage(await renderIndexPage(runs))).map((c) => c.id);
  assert.ok(!ids.includes("rmse-vs-factors"));
  assert.ok(ids.includes("rmse-over-time"));
});

Deno.test("renderIndexPage() links notebooks and compare pages", async () => {
  const runs = [
    makeRun({ id: "a", rmse: 0.9, startTime: 1 }),
    makeRun({ id: "b", rmse: 0.8, startTime: 2 }),
  ];
  const doc = parsePage(
    await renderIndexPage(runs, {
      notebooks: [{ title: "EDA & <errors>", href: "../notebooks/eda.ipynb" }, {
        title: "bad",
        href: "javascript:x",
      }],
      compareHref: (id) => (id === "a" ? "compare/b_vs_a.html" : undefined),
    }),
  );
  const links = [...doc.querySelectorAll("ul.card a")];
  assert.deepEqual(links.map((a) => a.textContent), ["EDA & <errors>", "bad"]);
  assert.deepEqual(links.map((a) => a.getAttribute("href")), ["../notebooks/eda.ipynb", "#"]);
  const compare = [...doc.querySelectorAll("#runs-table tbody tr")]
    .find((r) => r.getAttribute("data-run-id") === "a")!.querySelector("a[href^='compare/']");
  assert.equal(compare?.getAttribute("href"), "compare/b_vs_a.html");
});
