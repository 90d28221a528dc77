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
import { writeFileAtomic } from "../../dag/atomic.ts";
import { makeReportData, makeRun, makeRuns, NASTY_TITLE } from "./_test_fixtures.ts";

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
    assert.equal(c.distinctRunIds, c.runIds, `${c.id}: two marks for one run`);
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
  await writeReports({ runs, outDir, runData: () => makeReportData() });
  return outDir;
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
      await page.waitForSelector("#runs-explorer[data-rendered]", { timeout: 20_000 });
      await _checkCharts(page);

      // Tooltip on hover of a run in the interactive chart.
      // The last mark is drawn on top, so nothing covers it.
      const mark = page.locator("#runs-explorer .datum-mark").last();
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
      const all = await page.$$eval(
        "#runs-table tbody tr",
        (rows, col) => rows.map((r) => r.children[col]?.getAttribute("data-sort") ?? ""),
        rmseColumn,
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
      const visible = await page.locator("#runs-table tbody tr:not([hidden])").count();
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
