/**
 * Benchmark of the report build: 250 fixture runs recorded in a real local
 * run store (each with a `report_data.json` artifact), then `reportFromStore`
 * timed on an empty report folder (first build) and again on the folder it
 * just wrote (second build, nothing changed). Best of `--repeat` (default 3).
 *
 * ```sh
 * deno run -A bench/report_bench.ts [--runs 250] [--repeat 3]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { LocalRunStore, recordRun } from "../tracking/mod.ts";
import { reportFromStore } from "../stages/report/cli.ts";
import { REPORT_DATA_ARTIFACT } from "../stages/run_keys.ts";
import { makeReportData, makeRuns } from "../stages/report/_test_fixtures.ts";

/** Records `n` fixture runs with report data into a new local store under `root`. */
async function _fillStore(root: string, n: number): Promise<LocalRunStore> {
  const store = new LocalRunStore(join(root, "runs"), { experiment: "movie-recommender" });
  const dataFile = join(root, REPORT_DATA_ARTIFACT);
  await Deno.writeTextFile(dataFile, JSON.stringify(makeReportData()));
  for (const run of makeRuns(n)) {
    await recordRun(store, {
      runName: run.runName,
      status: run.status === "RUNNING" ? "FINISHED" : run.status,
      startTime: run.startTime,
      endTime: run.endTime,
      params: run.params,
      metrics: Object.entries(run.metrics).flatMap(([key, points]) =>
        points.map((p) => ({ key, value: p.value, step: p.step, timestamp: p.timestamp }))
      ),
      tags: run.tags,
      artifacts: [{ localPath: dataFile, artifactPath: REPORT_DATA_ARTIFACT }],
    });
  }
  return store;
}

async function _time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { runs: { type: "string", default: "250" }, repeat: { type: "string", default: "3" } },
  });
  const n = Number(values.runs);
  const repeat = Number(values.repeat);
  const root = await Deno.makeTempDir({ prefix: "report_bench_" });
  try {
    const store = await _fillStore(root, n);
    const listOnly = [];
    const first = [];
    const second = [];
    let last = "";
    for (let i = 0; i < repeat; i++) {
      const outDir = join(root, `reports-${i}`);
      const opts = { outDir, notebooksDir: join(root, "none") };
      listOnly.push(await _time(() => store.listRuns({})));
      first.push(await _time(() => reportFromStore(store, opts)));
      second.push(
        await _time(async () => {
          const r = await reportFromStore(store, opts);
          const counts = r as unknown as { written?: number; skipped?: number };
          last = `${r.runPages.length} run pages, ${r.comparePages.length} compare pages, ` +
            `written ${counts.written ?? "?"}, skipped ${counts.skipped ?? "?"}`;
        }),
      );
    }
    const best = (xs: number[]) => Math.min(...xs).toFixed(3);
    console.log(`${n} runs, best of ${repeat} (2 shared cores: noisy)`);
    console.log(
      `  store.listRuns alone : ${best(listOnly)} s  [${listOnly.map((x) => x.toFixed(3))}]`,
    );
    console.log(`  first build          : ${best(first)} s  [${first.map((x) => x.toFixed(3))}]`);
    console.log(`  second build         : ${best(second)} s  [${second.map((x) => x.toFixed(3))}]`);
    console.log(`  second build result  : ${last}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
