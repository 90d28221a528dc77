/**
 * The report at scale (issue 16's goal: 1,000 runs, index under 1 MB, report
 * under 3 s). Records `--runs` fixture runs (default 1,000, each with a
 * `report_data.json`) in a real local run store, then times `reportFromStore`:
 *
 * - the first build into an empty folder (every page rendered);
 * - a rebuild with nothing changed (every page up to date, index and data rewritten);
 * - a rebuild after one pipeline invocation added 6 runs (only their pages rendered).
 *
 * and measures the index page and its data files. Writes
 * `reports/bench/report_scale.md` (or `--out`).
 *
 * ```sh
 * deno run -A bench/report_scale.ts [--runs 1000] [--out reports/bench/report_scale.md]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
import { LocalRunStore, recordRun, type RunRecord } from "../tracking/mod.ts";
import { reportFromStore } from "../stages/report/cli.ts";
import { REPORT_DATA_ARTIFACT } from "../stages/run_keys.ts";
import { INDEX_DATA_FILES } from "../stages/report/index_data.ts";
import { makeReportData, makeRun, makeRuns } from "../stages/report/_test_fixtures.ts";

/** Index size budget (bytes) and rebuild time budget (seconds) of the issue. */
const BUDGET = { indexBytes: 1_000_000, seconds: 3 };

async function _record(store: LocalRunStore, run: RunRecord, dataFile: string): Promise<void> {
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

async function _timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, (performance.now() - t0) / 1000];
}

async function _size(path: string): Promise<number> {
  return (await Deno.stat(path)).size;
}

function _kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(0)} KB`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string", default: "1000" },
      out: { type: "string", default: "reports/bench/report_scale.md" },
    },
  });
  const n = Number(values.runs);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Cannot run the bench: --runs "${values.runs}" is not a positive whole number`);
  }
  const root = await Deno.makeTempDir({ prefix: "report_scale_" });
  try {
    const store = new LocalRunStore(join(root, "runs"), { experiment: "movie-recommender" });
    const dataFile = join(root, REPORT_DATA_ARTIFACT);
    await Deno.writeTextFile(dataFile, JSON.stringify(makeReportData()));
    const [, fillSeconds] = await _timed(async () => {
      for (const run of makeRuns(n)) await _record(store, run, dataFile);
    });
    const outDir = join(root, "reports");
    const opts = { outDir, notebooksDir: join(root, "none") };
    const [first, firstSeconds] = await _timed(() => reportFromStore(store, opts));
    const [same, sameSeconds] = await _timed(() => reportFromStore(store, opts));
    // One more pipeline invocation: six models, none better than the best so far.
    const last = Date.UTC(2025, 0, 6, 9) + n * 3_600_000;
    const models = ["global-mean", "popularity", "baseline", "svd", "biased-mf", "als"];
    for (const [i, model] of models.entries()) {
      await _record(
        store,
        makeRun({ id: `new${i}`, model, rmse: 0.95 + i / 100, startTime: last + i, factors: 50 }),
        dataFile,
      );
    }
    const [added, addedSeconds] = await _timed(() => reportFromStore(store, opts));
    const index = await _size(join(outDir, "index.html"));
    const data = await _size(join(outDir, INDEX_DATA_FILES.script));
    const curves = await _size(join(outDir, INDEX_DATA_FILES.curvesScript));
    const vega = await _size(join(outDir, "assets/vega.min.js"));
    const runPage = await _size(added.runPages[0]!);
    const ok = (good: boolean) => (good ? "yes" : "**no**");
    const md = `# Report at scale

\`deno run -A bench/report_scale.ts --runs ${n}\` (part of \`deno task bench\`), on ${
      new Date().toISOString().slice(0, 10)
    }, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores shared with other work
(timings are noisy). ${n} fixture runs (3 models, a factors x regularisation sweep, every 10th run
failed, every 7th with k-fold confidence intervals), each with a \`report_data.json\`, in a real
local run store (filled in ${fillSeconds.toFixed(1)} s).

| build | seconds | pages | within ${BUDGET.seconds} s |
|---|---:|---|---|
| first build, empty folder | ${firstSeconds.toFixed(2)} | ${first.summary} | ${
      ok(firstSeconds < BUDGET.seconds)
    } |
| rebuild, nothing changed | ${sameSeconds.toFixed(2)} | ${same.summary} | ${
      ok(sameSeconds < BUDGET.seconds)
    } |
| rebuild after a pipeline run added 6 runs | ${addedSeconds.toFixed(2)} | ${added.summary} | ${
      ok(addedSeconds < BUDGET.seconds)
    } |

| file | size | within 1 MB |
|---|---:|---|
| \`index.html\` | ${_kb(index)} | ${ok(index < BUDGET.indexBytes)} |
| \`${INDEX_DATA_FILES.script}\` (table and charts, loaded after the first paint) | ${_kb(data)} | |
| \`${INDEX_DATA_FILES.curvesScript}\` (per-epoch losses, loaded by the curves chart) | ${
      _kb(curves)
    } | |
| \`assets/vega.min.js\` (written once, shared) | ${_kb(vega)} | |
| one run page | ${_kb(runPage)} | |

The index holds the first page of the runs table and the latest runs' static charts; the rest
of the table (paged in the browser) and the interactive charts come from the data file beside it.
Run and compare pages are rendered again only when what they show changed (their content key).
The first build renders every run page's charts server-side, so it grows with the number of runs;
later builds render only the pages of new or changed runs.
`;
    await Deno.mkdir(dirname(values.out), { recursive: true });
    await Deno.writeTextFile(values.out, md);
    console.log(md);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
