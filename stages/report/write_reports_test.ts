import assert from "node:assert/strict";
import { join } from "node:path";
import { writeReports } from "./write_reports.ts";
import { comparePagePath, fileSafeId, runPagePath } from "./page_paths.ts";
import { makeReportData, makeRun, makeRuns } from "./_test_fixtures.ts";
import { parsePage } from "./_test_dom.ts";

async function _files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(...(await _files(join(dir, e.name))).map((f) => `${e.name}/${f}`));
    else out.push(e.name);
  }
  return out.sort();
}

Deno.test("writeReports() writes the index, a page per run and best-vs-other compare pages", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const runs = [
      makeRun({ id: "mf-best", model: "biased_mf", rmse: 0.86, startTime: 1 }),
      makeRun({ id: "mf-2", model: "biased_mf", rmse: 0.9, startTime: 2 }),
      makeRun({ id: "mf-failed", model: "biased_mf", status: "FAILED", startTime: 3 }),
      makeRun({ id: "svd-1", model: "svd", rmse: 0.93, startTime: 4 }),
      makeRun({ id: "svd-2", model: "svd", rmse: 0.95, startTime: 5 }),
    ];
    const result = await writeReports({
      runs,
      outDir,
      runData: (id) => (id === "mf-best" ? makeReportData() : undefined),
    });
    assert.deepEqual(await _files(outDir), [
      "assets/vega.min.js",
      "compare/mf-best_vs_mf-2.html",
      "compare/svd-1_vs_svd-2.html",
      "curves-data.js",
      "index-data.js",
      "index-data.json",
      "index.html",
      "runs/mf-2.html",
      "runs/mf-best.html",
      "runs/mf-failed.html",
      "runs/svd-1.html",
      "runs/svd-2.html",
    ]);
    assert.equal(result.index, join(outDir, "index.html"));
    assert.equal(result.runPages.length, 5);
    assert.deepEqual(result.warnings, []);
    // The summary line adds up: run pages and compare pages counted apart.
    assert.equal(
      result.summary,
      "5 run pages: 5 written, 0 up to date; 2 compare pages: 2 written, 0 up to date",
    );
    const best = parsePage(await Deno.readTextFile(join(outDir, "runs/mf-best.html")));
    assert.equal(best.querySelectorAll(".user-card").length, 2);
    const other = parsePage(await Deno.readTextFile(join(outDir, "runs/mf-2.html")));
    assert.ok(other.querySelector("#no-report-data"));
    const link = [...other.querySelectorAll("dl.facts a")].find((a) =>
      a.textContent === "with the best run"
    );
    assert.equal(link?.getAttribute("href"), "../compare/mf-best_vs_mf-2.html");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("writeReports() with compare writes that pair and refuses unknown run ids", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const runs = [
      makeRun({ id: "a", startTime: 1 }),
      makeRun({ id: "b", model: "svd", startTime: 2 }),
    ];
    const result = await writeReports({ runs, outDir, compare: ["b", "a"] });
    assert.equal(result.comparePage, join(outDir, comparePagePath("b", "a")));
    const doc = parsePage(await Deno.readTextFile(result.comparePage!));
    assert.match(
      doc.querySelector("h1")?.textContent ?? "",
      /Compare run-b \(b, [0-9-]+ [0-9:]+\) and run-a \(a, /,
    );
    await assert.rejects(
      writeReports({ runs, outDir, compare: ["a", "nope"] }),
      /Cannot compare runs: no run with id "nope"; run `deno task runs list`/,
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("writeReports() keeps going when one run's report data is unreadable", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const result = await writeReports({
      runs: [makeRun({ id: "a" })],
      outDir,
      runData: () => {
        throw new Error("Cannot read report_data.json: not valid JSON");
      },
    });
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /Run a: report data left out: Cannot read report_data\.json/);
    assert.ok((await Deno.stat(join(outDir, "runs/a.html"))).isFile);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("writeReports() with no runs writes only the empty index, and no temp files remain", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    await writeReports({ runs: [], outDir });
    assert.deepEqual(await _files(outDir), [
      "assets/vega.min.js",
      "curves-data.js",
      "index-data.js",
      "index-data.json",
      "index.html",
    ]);
    assert.match(await Deno.readTextFile(join(outDir, "index.html")), /deno task pipeline/);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("writeReports() gives run ids with unsafe characters distinct safe file names", async () => {
  assert.equal(fileSafeId("0a1b2c"), "0a1b2c");
  assert.notEqual(fileSafeId("a/b"), fileSafeId("a_b"));
  assert.match(runPagePath("../../etc/passwd"), /^runs\/[A-Za-z0-9._-]+\.html$/);
  const outDir = await Deno.makeTempDir();
  try {
    const result = await writeReports({ runs: [makeRun({ id: "../x y" })], outDir });
    assert.equal(result.runPages[0], join(outDir, runPagePath("../x y")));
    assert.ok((await Deno.stat(result.runPages[0]!)).isFile);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("writeReports() writes a page for each of 250 runs with report data", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const runs = makeRuns(250);
    const result = await writeReports({ runs, outDir, runData: () => makeReportData() });
    assert.equal(result.runPages.length, 250);
    const index = parsePage(await Deno.readTextFile(result.index));
    // The page holds the first page of rows; the data file beside it holds every run.
    assert.equal(index.querySelectorAll("#runs-table tbody tr").length, 50);
    const data = JSON.parse(await Deno.readTextFile(join(outDir, "index-data.json")));
    assert.equal(data.runs.length, 250);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
