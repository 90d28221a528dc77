import assert from "node:assert/strict";
import { join } from "node:path";
import type { RunRecord } from "../../tracking/types.ts";
import { LocalRunStore, recordRun } from "../../tracking/mod.ts";
import { type RunDataSource, writeReports } from "./write_reports.ts";
import { reportFromStore } from "./cli.ts";
import { comparePagePath, runPagePath } from "./page_paths.ts";
import { METRIC_KEYS, REPORT_DATA_ARTIFACT, TAG_KEYS } from "../run_keys.ts";
import { readPageKey } from "./_page_key.ts";
import { stableJson } from "./_stable_json.ts";
import { makeReportData, makeRun, makeRuns } from "./_test_fixtures.ts";
import { parsePage } from "./_test_dom.ts";

/** Every file under `dir` (relative path -> bytes). */
async function _snapshot(dir: string, prefix = ""): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix + e.name;
    if (e.isDirectory) {
      for (const [k, v] of await _snapshot(join(dir, e.name), `${rel}/`)) out.set(k, v);
    } else out.set(rel, await Deno.readFile(join(dir, e.name)));
  }
  return out;
}

/** Relative paths whose bytes differ between two snapshots (added, removed or changed). */
function _changed(before: Map<string, Uint8Array>, after: Map<string, Uint8Array>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  const same = (a?: Uint8Array, b?: Uint8Array) =>
    a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
  return [...names].filter((n) => !same(before.get(n), after.get(n))).sort();
}

const T1 = new Date(Date.UTC(2025, 1, 1, 10, 0));
const T2 = new Date(Date.UTC(2025, 1, 2, 11, 30));

function _withRmse(run: RunRecord, rmse: number): RunRecord {
  return {
    ...run,
    metrics: { ...run.metrics, [METRIC_KEYS.rmse]: [{ value: rmse, step: 0, timestamp: 1 }] },
  };
}

async function _inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("writeReports() second build of unchanged runs writes no page and leaves every page byte-identical", async () => {
  await _inTempDir(async (outDir) => {
    const runs = makeRuns(30);
    const first = await writeReports({
      runs,
      outDir,
      runData: () => makeReportData(),
      generatedAt: T1,
    });
    assert.equal(first.written, first.runPages.length + first.comparePages.length);
    assert.equal(first.skipped, 0);
    const before = await _snapshot(outDir);
    // A later time would show in the footer of any page that was rendered again.
    const second = await writeReports({
      runs,
      outDir,
      runData: () => makeReportData(),
      generatedAt: T2,
    });
    assert.equal(second.written, 0);
    assert.equal(second.skipped, 30 + second.comparePages.length);
    assert.equal(second.runPages.length, 30);
    assert.deepEqual(second.removed, []);
    assert.deepEqual(_changed(before, await _snapshot(outDir)), ["index.html"]);
  });
});

Deno.test("writeReports() re-renders only the page (and compare page) of the run whose metric changed", async () => {
  await _inTempDir(async (outDir) => {
    const runs = [
      makeRun({ id: "best", rmse: 0.85, startTime: 1 }),
      makeRun({ id: "b", rmse: 0.9, startTime: 2 }),
      makeRun({ id: "c", rmse: 0.91, startTime: 3 }),
      makeRun({ id: "failed", status: "FAILED", startTime: 4 }),
    ];
    await writeReports({ runs, outDir, generatedAt: T1 });
    const before = await _snapshot(outDir);
    const changed = runs.map((r) => (r.runId === "c" ? _withRmse(r, 0.95) : r));
    const result = await writeReports({ runs: changed, outDir, generatedAt: T2 });
    assert.equal(result.written, 2);
    assert.deepEqual(_changed(before, await _snapshot(outDir)), [
      comparePagePath("best", "c"),
      "index-data.js",
      "index-data.json",
      "index.html",
      runPagePath("c"),
    ]);
    const page = parsePage(await Deno.readTextFile(join(outDir, runPagePath("c"))));
    assert.equal(page.querySelector('[data-metric="rmse"] .value')?.textContent, "0.9500");
  });
});

Deno.test("writeReports() re-renders every page that shows which run is best when the best changes", async () => {
  await _inTempDir(async (outDir) => {
    const runs = [
      makeRun({ id: "a", rmse: 0.85, startTime: 1 }),
      makeRun({ id: "b", rmse: 0.9, startTime: 2 }),
    ];
    await writeReports({ runs, outDir, generatedAt: T1 });
    const result = await writeReports({
      runs: [runs[0]!, _withRmse(runs[1]!, 0.8)],
      outDir,
      generatedAt: T2,
    });
    assert.deepEqual(result.comparePages, [join(outDir, comparePagePath("b", "a"))]);
    const a = parsePage(await Deno.readTextFile(join(outDir, runPagePath("a"))));
    assert.doesNotMatch(a.querySelector(".subtitle")?.textContent ?? "", /best run/);
    assert.equal(
      [...a.querySelectorAll("dl.facts a")].find((l) => l.textContent === "with the best run")
        ?.getAttribute("href"),
      `../${comparePagePath("b", "a")}`,
    );
    const b = parsePage(await Deno.readTextFile(join(outDir, runPagePath("b"))));
    assert.match(b.querySelector(".subtitle")?.textContent ?? "", /best run/);
  });
});

Deno.test("writeReports() with removeStale: false (one experiment listed) deletes no other run's page", async () => {
  await _inTempDir(async (outDir) => {
    const a = makeRun({ id: "exp-a-run", rmse: 0.85, startTime: 1 });
    const b = makeRun({ id: "exp-b-run", rmse: 0.9, startTime: 2 });
    await writeReports({ runs: [a, b], outDir, generatedAt: T1 });
    const result = await writeReports({ runs: [b], outDir, removeStale: false, generatedAt: T2 });
    assert.deepEqual(result.removed, []);
    assert.ok((await Deno.stat(join(outDir, runPagePath("exp-a-run")))).isFile);
  });
});

Deno.test("writeReports() deletes the run and compare pages of a deleted run, and nothing else", async () => {
  await _inTempDir(async (outDir) => {
    const runs = [
      makeRun({ id: "best", rmse: 0.85, startTime: 1 }),
      makeRun({ id: "gone", rmse: 0.9, startTime: 2 }),
      makeRun({ id: "kept", rmse: 0.91, startTime: 3 }),
    ];
    await writeReports({ runs, outDir, compare: ["gone", "kept"], generatedAt: T1 });
    await writeReports({ runs, outDir, compare: ["kept", "best"], generatedAt: T1 });
    // Files the report did not write are never touched.
    await Deno.writeTextFile(join(outDir, "runs", "notes.txt"), "mine");
    await Deno.writeTextFile(join(outDir, "compare", "README.md"), "mine");
    const before = await _snapshot(outDir);
    const result = await writeReports({
      runs: runs.filter((r) => r.runId !== "gone"),
      outDir,
      generatedAt: T2,
    });
    assert.deepEqual(result.removed.map((p) => p.slice(outDir.length + 1)).sort(), [
      comparePagePath("best", "gone"),
      comparePagePath("gone", "kept"),
      runPagePath("gone"),
    ]);
    assert.deepEqual(_changed(before, await _snapshot(outDir)), [
      comparePagePath("best", "gone"),
      comparePagePath("gone", "kept"),
      "curves-data.js",
      "index-data.js",
      "index-data.json",
      "index.html",
      runPagePath("gone"),
    ]);
    // The pair asked for earlier is kept while both its runs exist.
    assert.ok((await Deno.stat(join(outDir, comparePagePath("kept", "best")))).isFile);
    assert.equal(result.written, 0);
  });
});

Deno.test("writeReports() keeps an on-demand compare page up to date when one of its runs changes", async () => {
  await _inTempDir(async (outDir) => {
    const runs = [
      makeRun({ id: "a", rmse: 0.85, startTime: 1 }),
      makeRun({ id: "b", model: "svd", rmse: 0.9, startTime: 2 }),
    ];
    await writeReports({ runs, outDir, compare: ["a", "b"], generatedAt: T1 });
    await writeReports({ runs: [runs[0]!, _withRmse(runs[1]!, 0.99)], outDir, generatedAt: T2 });
    const page = parsePage(await Deno.readTextFile(join(outDir, comparePagePath("a", "b"))));
    assert.match(
      page.querySelector('tr[data-metric="rmse"]')?.textContent ?? "",
      /0\.9900/,
    );
  });
});

Deno.test("writeReports() loads report data only for the pages it renders again", async () => {
  await _inTempDir(async (outDir) => {
    const runs = [makeRun({ id: "a", startTime: 1 }), makeRun({ id: "b", startTime: 2 })];
    const loads: string[] = [];
    let bVersion = "1";
    const runDataSource = (runId: string): RunDataSource => ({
      fingerprint: runId === "b" ? bVersion : "1",
      load: () => {
        loads.push(runId);
        return makeReportData();
      },
    });
    await writeReports({ runs, outDir, runDataSource });
    assert.deepEqual(loads.sort(), ["a", "b"]);
    loads.length = 0;
    await writeReports({ runs, outDir, runDataSource });
    assert.deepEqual(loads, []);
    bVersion = "2";
    const result = await writeReports({ runs, outDir, runDataSource });
    assert.deepEqual(loads, ["b"]);
    assert.equal(result.written, 1);
  });
});

Deno.test("writeReports() renders a page again when its file carries another key or none", async () => {
  await _inTempDir(async (outDir) => {
    const runs = [makeRun({ id: "a" })];
    await writeReports({ runs, outDir, generatedAt: T1 });
    const path = join(outDir, runPagePath("a"));
    const key = await readPageKey(path);
    assert.match(key ?? "", /^[0-9a-f]{64}$/);
    await Deno.writeTextFile(path, `<p>hand-edited</p>`);
    const result = await writeReports({ runs, outDir, generatedAt: T2 });
    assert.equal(result.written, 1);
    assert.equal(await readPageKey(path), key);
    assert.match(await Deno.readTextFile(path), /Generated 2025-02-02 11:30 UTC/);
  });
});

Deno.test("writeReports() warns about unreadable report data on every build, not only the first", async () => {
  await _inTempDir(async (outDir) => {
    const runDataSource = (): RunDataSource => ({
      fingerprint: "x",
      load: () => {
        throw new Error("Cannot read report_data.json: not valid JSON");
      },
    });
    for (let build = 0; build < 2; build++) {
      const result = await writeReports({ runs: [makeRun({ id: "a" })], outDir, runDataSource });
      assert.equal(result.warnings.length, 1);
      assert.equal(result.written, 1);
    }
    assert.equal(await readPageKey(join(outDir, runPagePath("a"))), undefined);
  });
});

Deno.test("reportFromStore() re-renders a run's page when its report_data.json changes", async () => {
  await _inTempDir(async (root) => {
    const store = new LocalRunStore(join(root, "runs"), { experiment: "movies" });
    const dataFile = join(root, REPORT_DATA_ARTIFACT);
    await Deno.writeTextFile(dataFile, JSON.stringify(makeReportData()));
    const record = (name: string) =>
      recordRun(store, {
        runName: name,
        status: "FINISHED",
        startTime: Date.UTC(2025, 0, 1),
        params: {},
        metrics: [{ key: METRIC_KEYS.rmse, value: 0.87 }],
        tags: { [TAG_KEYS.model]: "biased_mf" },
        artifacts: [{ localPath: dataFile, artifactPath: REPORT_DATA_ARTIFACT }],
      });
    const changedRun = await record("changed");
    await record("same");
    const outDir = join(root, "reports");
    const options = { outDir, notebooksDir: join(root, "none") };
    const first = await reportFromStore(store, options);
    assert.equal(first.written, 3);
    const before = await _snapshot(outDir);
    const again = await reportFromStore(store, options);
    assert.deepEqual([again.written, again.skipped], [0, 3]);

    const data = makeReportData();
    data.dataSummary.users = 611;
    // Replaced by rename, as everything in the project writes: the runs' artifacts may be hard
    // links of one file (tracking/local_store.ts), and an in-place edit would change both.
    const target = join(store.artifactsDir(changedRun), REPORT_DATA_ARTIFACT);
    await Deno.writeTextFile(`${target}.tmp`, JSON.stringify(data));
    await Deno.rename(`${target}.tmp`, target);
    const result = await reportFromStore(store, options);
    assert.deepEqual([result.written, result.skipped], [1, 2]);
    // (the index shows the build time, to the minute, so it may or may not differ)
    assert.deepEqual(
      _changed(before, await _snapshot(outDir)).filter((p) => p !== "index.html"),
      [runPagePath(changedRun.runId)],
    );
    assert.match(
      await Deno.readTextFile(join(outDir, runPagePath(changedRun.runId))),
      /<dt>Users<\/dt><dd>611<\/dd>/,
    );
  });
});

Deno.test("stableJson() ignores key order but tells apart values JSON would merge", () => {
  assert.equal(
    stableJson({ b: 1, a: { d: [1, 2], c: "x" } }),
    stableJson({ a: { c: "x", d: [1, 2] }, b: 1 }),
  );
  assert.notEqual(stableJson({ a: [1, 2] }), stableJson({ a: [2, 1] }));
  assert.notEqual(stableJson(0), stableJson(-0));
  assert.notEqual(stableJson(NaN), stableJson(Infinity));
  assert.notEqual(stableJson(NaN), stableJson(null));
  assert.equal(stableJson({ a: undefined, b: 1 }), stableJson({ b: 1 }));
});
