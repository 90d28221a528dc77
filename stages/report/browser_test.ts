/**
 * The report in a real browser: Debian's chromium driven by playwright-core.
 * Opens the index and a run page from file://, checks there are no console
 * errors and no failed (or any network) requests, that each chart is an SVG
 * with one mark per run, that clicking a header sorts the table and that the
 * pager pages; saves screenshots under `reports/screenshots/` (`index.png`
 * and `run.png` of a real pipeline run via REPORT_DIR, `fixture-*.png` else).
 *
 * By default it checks a report written from fixture runs; with REPORT_DIR set
 * it checks the report in that folder instead (e.g. a fresh pipeline run's).
 * Without /usr/bin/chromium it is skipped with a notice, unless
 * REQUIRE_BROWSER=1, when it fails.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { writeReports } from "./write_reports.ts";
import { writeFileAtomic } from "../../lib/atomic.ts";
import { makeReportData, makeRun, makeRuns, NASTY_TITLE } from "./_test_fixtures.ts";
import { modelColor } from "./model_palette.ts";
import { modelHasParam } from "./_run_view.ts";

const CHROMIUM = "/usr/bin/chromium";
const REQUIRED = Deno.env.get("REQUIRE_BROWSER") === "1";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = fileURLToPath(new URL("../../reports/screenshots/", import.meta.url));

if (!HAVE_CHROMIUM && !REQUIRED) {
  console.warn(
    `Notice: ${CHROMIUM} is missing, so the report browser test is skipped (apt-get install chromium).`,
  );
}

interface _Problems {
  readonly errors: string[];
}

/** Records console errors, page errors, failed requests and any request that is not file://. */
function _watch(page: Page): _Problems {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on(
    "requestfailed",
    (r) => errors.push(`failed request: ${r.url()} ${r.failure()?.errorText}`),
  );
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) errors.push(`network request: ${r.url()}`);
  });
  return { errors };
}

/** Waits until every live chart (drawn from index-data.js) has rendered. */
async function _liveRendered(page: Page): Promise<void> {
  await page.waitForFunction(
    "[...document.querySelectorAll('.live-chart')].every((h) => h.hasAttribute('data-rendered'))",
    null,
    { timeout: 30_000 },
  );
  const failed = await page.$$eval(
    '.live-chart[data-rendered="error"]',
    (hs) => hs.map((h) => h.textContent),
  );
  assert.deepEqual(failed, []);
}

/** Numbers of an axis's tick labels in a chart (`x` or `y`), in the order drawn. */
async function _axisTicks(page: Page, selector: string, axis: "x" | "y"): Promise<number[][]> {
  return await page.$$eval(`${selector} g.role-axis`, (axes, which) =>
    axes.filter((g) => {
      const label = g.querySelector(".role-axis-label");
      if (!label) return false;
      const texts = [...label.querySelectorAll("text")];
      if (texts.length < 2) return false;
      const a = texts[0]!.getBoundingClientRect();
      const b = texts[texts.length - 1]!.getBoundingClientRect();
      // an x axis spreads its labels sideways, a y axis up and down
      const horizontal = Math.abs(b.x - a.x) > Math.abs(b.y - a.y);
      return which === "x" ? horizontal : !horizontal;
    }).map((g) =>
      [...g.querySelectorAll(".role-axis-label text")].map((t) =>
        Number((t.textContent ?? "").replace(/,/g, ""))
      ).filter((n) => Number.isFinite(n))
    ), axis);
}

/** Legend entries of a chart, in order. */
async function _legend(page: Page, selector: string): Promise<string[]> {
  return await page.$$eval(
    `${selector} g.role-legend-label text`,
    (ts) => ts.map((t) => t.textContent ?? ""),
  );
}

/** Each chart figure is an SVG drawing exactly `data-marks` marks; per-run marks name distinct runs. */
async function _checkCharts(page: Page): Promise<number> {
  const charts = await page.$$eval("figure.chart", (figs) =>
    figs.map((f) => {
      const marks = [...f.querySelectorAll(".datum-mark")];
      const runIds = marks.map((m) => m.getAttribute("data-run-id")).filter((x) => x !== null);
      return {
        id: f.getAttribute("data-chart"),
        declared: Number(f.getAttribute("data-marks")),
        drawn: marks.length,
        svg: f.querySelector("svg") !== null,
        marksInSvg: marks.every((m) => m.closest("svg") !== null),
        runIds: runIds.length,
        distinctRunIds: new Set(runIds).size,
      };
    }));
  assert.ok(charts.length > 0, "no charts on the page");
  for (const c of charts) {
    assert.ok(c.svg, `${c.id}: no SVG`);
    assert.ok(c.marksInSvg, `${c.id}: a mark outside the SVG`);
    assert.equal(c.drawn, c.declared, `${c.id}: marks drawn vs. declared`);
    // A compare page's loss chart draws each run's training and validation curves.
    if (c.id !== "compare-loss") {
      assert.equal(c.distinctRunIds, c.runIds, `${c.id}: two marks for one run`);
    }
  }
  return charts.length;
}

async function _visibleSortKeys(page: Page, column: number): Promise<string[]> {
  return await page.$$eval(
    "#runs-table tbody tr:not([hidden])",
    (rows, col) => rows.map((r) => r.children[col]?.getAttribute("data-sort") ?? ""),
    column,
  );
}

async function _fixtureReport(): Promise<string> {
  const outDir = await Deno.makeTempDir({ prefix: "report-browser-" });
  const runs = [
    ...makeRuns(120),
    makeRun({
      id: "nasty",
      runName: NASTY_TITLE,
      model: "svd",
      rmse: 0.9,
      startTime: Date.UTC(2025, 0, 1),
    }),
  ];
  runs.push(
    makeRun({ id: "pipe-failed", model: "-", status: "FAILED", startTime: Date.UTC(2025, 0, 2) }),
  );
  await writeReports({ runs, outDir, runData: () => makeReportData() });
  return outDir;
}

/** The fixture's runs: 3 models, a factors x reg sweep; svd has no reg; failed runs no model. */
async function _checkFixtureCharts(page: Page): Promise<void> {
  const runs = [
    ...makeRuns(120),
    makeRun({
      id: "nasty",
      runName: NASTY_TITLE,
      model: "svd",
      rmse: 0.9,
      startTime: Date.UTC(2025, 0, 1),
    }),
  ];
  const finished = runs.filter((r) => r.status === "FINISHED");
  const marks = async (id: string) => await page.locator(`#chart-${id} .datum-mark`).count();
  assert.match(await page.textContent("#summary") ?? "", /Models\s*3/i);
  // One legend entry per model, never the failed pipeline's "-": and each model its own colour.
  assert.deepEqual(await _legend(page, "#chart-runs-explorer"), ["biased_mf", "item_knn", "svd"]);
  assert.equal(await marks("runs-explorer"), finished.length);
  assert.equal(await marks("rmse-by-model"), finished.length);
  const fills = await page.$$eval(
    "#chart-rmse-by-model .datum-mark",
    (ms) => ms.map((m) => [m.getAttribute("data-run-id"), m.getAttribute("fill")]),
  );
  const colorOf = new Map<string, Set<string>>();
  for (const [id, fill] of fills) {
    const model = runs.find((r) => r.runId === id)!.tags.model!;
    colorOf.set(model, (colorOf.get(model) ?? new Set()).add(fill ?? ""));
  }
  for (const [model, set] of colorOf) {
    assert.deepEqual([...set], [modelColor(model)], `${model} has another colour`);
  }
  // Sweeps: a param only for the models that have it (the registry says which: item-knn has no
  // factors, only biased-mf has reg), one panel per model.
  const having = (p: string) =>
    finished.filter((r) =>
      r.params[`train.${p}`] !== undefined && modelHasParam(r.tags.model!, `train.${p}`)
    );
  const modelsOf = (p: string) => [...new Set(having(p).map((r) => r.tags.model!))].sort();
  assert.ok(modelsOf("factors").length >= 2, "the fixture should sweep factors in 2+ models");
  assert.ok(!modelsOf("factors").includes("item_knn"));
  assert.equal(await marks("rmse-vs-factors"), having("factors").length);
  assert.equal(
    await page.getAttribute("#chart-rmse-vs-factors .live-chart", "data-models"),
    modelsOf("factors").join(","),
  );
  assert.equal(await marks("rmse-vs-reg"), having("reg").length);
  // Each facet's RMSE axis is scaled to that model's runs, not stretched by the others.
  const panels = await _axisTicks(page, "#chart-rmse-vs-factors", "y");
  assert.equal(panels.length, modelsOf("factors").length, "one panel per model");
  for (const ticks of panels) {
    assert.ok(Math.max(...ticks) - Math.min(...ticks) <= 0.1, `y axis too wide: ${ticks}`);
  }
  // Param vs. metric: switch the param and the metric, the dots follow.
  assert.equal(await marks("param-vs-metric"), having("factors").length);
  await page.selectOption("#chart-param-vs-metric select[data-role=x]", "reg");
  await page.selectOption("#chart-param-vs-metric select[data-role=y]", "mae");
  await page.waitForSelector("#chart-param-vs-metric .live-chart[data-rendered]");
  const withReg = having("reg").length;
  assert.equal(await page.getAttribute("#chart-param-vs-metric", "data-marks"), String(withReg));
  assert.equal(await marks("param-vs-metric"), withReg);
  const xTicks = (await _axisTicks(page, "#chart-param-vs-metric", "x"))[0]!;
  assert.ok(Math.max(...xTicks) <= 0.6 && Math.min(...xTicks) >= 0, `reg axis: ${xTicks}`);
  // Parallel coordinates: one line per run with every swept param.
  assert.equal(
    await page.getAttribute("#chart-sweep-parallel .live-chart", "data-axes"),
    "factors,reg,RMSE,MAE",
  );
  assert.equal(
    await marks("sweep-parallel"),
    having("reg").filter((r) => r.params["train.factors"] !== undefined).length,
  );
  // Loss curves overlaid: the latest 30, then one model's.
  assert.equal(await marks("loss-curves-overlay"), 30);
  await page.selectOption("#chart-loss-curves-overlay select[data-role=model]", "svd");
  await page.waitForSelector("#chart-loss-curves-overlay .live-chart[data-rendered]");
  const svdRuns = await page.$$eval(
    "#chart-loss-curves-overlay .datum-mark",
    (ms) => ms.map((m) => m.getAttribute("data-run-id")),
  );
  assert.equal(svdRuns.length, 30);
  assert.ok(svdRuns.every((id) => runs.find((r) => r.runId === id)?.tags.model === "svd"));
  const strokes = await page.$$eval(
    "#chart-loss-curves-overlay .datum-mark",
    (ms) => ms.map((m) => m.getAttribute("stroke")),
  );
  assert.deepEqual([...new Set(strokes)], [modelColor("svd")]);
  // The legend is the same on every chart: the models of the report.
  assert.deepEqual(await _legend(page, "#chart-loss-curves-overlay"), [
    "biased_mf",
    "item_knn",
    "svd",
  ]);
}

/**
 * Saves a full-page PNG. A given REPORT_DIR (a real pipeline run's report) gets
 * `index.png` / `run.png`; the fixture report gets `fixture-*.png`, so the two
 * test runs never overwrite each other's pictures.
 */
async function _screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  const file = Deno.env.get("REPORT_DIR") ? name : `fixture-${name}`;
  await writeFileAtomic(join(SCREENSHOTS, file), new Uint8Array(png));
}

Deno.test({
  name: "report pages work offline in chromium: charts, sorting, paging, no errors",
  ignore: !HAVE_CHROMIUM && !REQUIRED,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(
      HAVE_CHROMIUM,
      `${CHROMIUM} is missing and REQUIRE_BROWSER=1: apt-get install chromium`,
    );
    const given = Deno.env.get("REPORT_DIR");
    const dir = given ?? await _fixtureReport();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      const problems = _watch(page);
      await page.goto(pathToFileURL(join(dir, "index.html")).href);
      if (await page.$("#no-runs")) {
        assert.deepEqual(problems.errors, []);
        await _screenshot(page, "index.png");
        return; // an empty report has nothing else to check
      }
      await _liveRendered(page);
      await _checkCharts(page);
      if (!given) await _checkFixtureCharts(page);

      // Tooltip on hover of a run in the interactive chart.
      // The last mark is drawn on top, so nothing covers it.
      const mark = page.locator("#chart-runs-explorer .datum-mark").last();
      await mark.scrollIntoViewIfNeeded();
      const box = await mark.boundingBox();
      assert.ok(box, "explorer mark has no box");
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForSelector(".vega-tip", { state: "visible", timeout: 5_000 });
      assert.match(await page.textContent(".vega-tip") ?? "", /RMSE: \d\.\d{4}/);
      await page.mouse.move(0, 0);

      // Sorting by RMSE: ascending, finished runs first, then descending.
      const rmseColumn = await page.$$eval(
        "#runs-table thead th",
        (ths) => ths.findIndex((th) => th.getAttribute("data-metric") === "rmse"),
      );
      assert.ok(rmseColumn >= 0, "no RMSE column");
      await page.waitForSelector("#runs-table[data-live]");
      // Every run's RMSE, from the data the table pages (the HTML holds the first page only).
      const all = await page.evaluate(() =>
        (window as unknown as {
          __REPORT_DATA__: { runs: { metrics: Record<string, number[]> }[] };
        })
          .__REPORT_DATA__.runs.map((r) => r.metrics.rmse ? String(r.metrics.rmse[0]) : "")
      );
      const values = all.filter((s) => s !== "").map(Number);
      const header = page.locator("#runs-table thead th").nth(rmseColumn);
      await header.click();
      assert.equal(await header.getAttribute("aria-sort"), "ascending");
      const asc = (await _visibleSortKeys(page, rmseColumn)).map(Number);
      assert.equal(asc[0], Math.min(...values));
      assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
      await header.click();
      assert.equal(await header.getAttribute("aria-sort"), "descending");
      const desc = (await _visibleSortKeys(page, rmseColumn)).map(Number);
      assert.equal(desc[0], Math.max(...values));

      // Paging: at most one page of rows is visible; "Next" shows the next page.
      const pageSize = Number(await page.getAttribute("#runs-table", "data-page-size"));
      const visible = await page.locator("#runs-table tbody tr").count();
      assert.equal(visible, Math.min(pageSize, all.length));
      if (all.length > pageSize) {
        const first = await page.locator("#runs-table tbody tr:not([hidden])").first().getAttribute(
          "data-run-id",
        );
        await page.click('#runs-pager [data-page="next"]');
        assert.match(await page.textContent("#runs-page-info") ?? "", /page 2 of/);
        const next = await page.locator("#runs-table tbody tr:not([hidden])").first().getAttribute(
          "data-run-id",
        );
        assert.notEqual(next, first);
        await page.click('#runs-pager [data-page="prev"]');
      }
      // Back to the default order (newest first) for the screenshot.
      await page.locator("#runs-table thead th").first().click();
      await page.locator("#runs-table thead th").first().click();
      await _screenshot(page, "index.png");

      // A compare page: overlaid loss curves of both runs and the metric deltas (of a model
      // that trains in epochs: closed-form models have no loss curve).
      const epochLinks = page.locator(
        "#runs-table tbody tr:has-text('biased-mf') a[href^='compare/']",
      );
      const compareHref = await epochLinks.count() > 0
        ? await epochLinks.first().getAttribute("href")
        : await page.getAttribute("#runs-table tbody tr a[href^='compare/']", "href");
      if (compareHref) {
        const back = page.url();
        await page.goto(new URL(compareHref, page.url()).href);
        await page.waitForSelector("figure.chart svg");
        await _checkCharts(page);
        const loss = await page.$$eval(
          "#chart-compare-loss .datum-mark",
          (ms) => ms.map((m) => m.getAttribute("data-run-id")),
        );
        assert.equal(new Set(loss).size, 2, "the loss curves are not of both runs");
        assert.ok(
          await page.locator("#chart-metric-deltas .datum-mark").count() >= 3,
          "metric deltas missing",
        );
        assert.match(await page.textContent("h1") ?? "", /\(([0-9a-z]{1,8}), \d{4}-\d\d-\d\d/);
        await _screenshot(page, "compare.png");
        await page.goto(back);
      }

      // The best run's page.
      const bestHref = await page.getAttribute(
        "#runs-table tbody tr.best td:nth-child(2) a",
        "href",
      );
      assert.ok(bestHref, "no best run highlighted");
      await page.goto(new URL(bestHref, page.url()).href);
      await page.waitForSelector("figure.chart svg");
      assert.ok(await _checkCharts(page) >= 1);
      await _screenshot(page, "run.png");

      assert.deepEqual(problems.errors, []);
    } finally {
      await browser.close();
      if (!given) await Deno.remove(dir, { recursive: true });
    }
  },
});
