import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalRunStore, recordRun } from "../../tracking/mod.ts";
import { main, readReportData, reportFromStore } from "./cli.ts";
import { METRIC_KEYS, REPORT_DATA_ARTIFACT, TAG_KEYS } from "../run_keys.ts";
import { makeReportData } from "./_test_fixtures.ts";
import { parsePage } from "./_test_dom.ts";

Deno.test("reportFromStore() reports the runs of a real local store with their report data", async () => {
  const root = await Deno.makeTempDir();
  try {
    const store = new LocalRunStore(join(root, "runs"), { experiment: "movies" });
    const dataFile = join(root, REPORT_DATA_ARTIFACT);
    await Deno.writeTextFile(dataFile, JSON.stringify(makeReportData()));
    const run = await recordRun(store, {
      runName: "with-data",
      status: "FINISHED",
      startTime: Date.UTC(2025, 0, 1),
      params: { "train.factors": "50" },
      metrics: [
        { key: METRIC_KEYS.rmse, value: 0.87 },
        { key: METRIC_KEYS.trainLoss, value: 1.1, step: 1 },
        { key: METRIC_KEYS.trainLoss, value: 0.9, step: 2 },
      ],
      tags: { [TAG_KEYS.model]: "biased_mf" },
      artifacts: [{ localPath: dataFile, artifactPath: REPORT_DATA_ARTIFACT }],
    });
    await recordRun(store, {
      runName: "failed",
      status: "FAILED",
      startTime: Date.UTC(2025, 0, 2),
      params: {},
      metrics: [],
      tags: { [TAG_KEYS.model]: "biased_mf" },
      artifacts: [],
    });
    assert.ok(await readReportData(store.artifactsDir(run)));
    const outDir = join(root, "reports");
    const result = await reportFromStore(store, { outDir, notebooksDir: join(root, "none") });
    assert.equal(result.runPages.length, 2);
    const page = parsePage(await Deno.readTextFile(join(outDir, "runs", `${run.runId}.html`)));
    assert.equal(page.querySelectorAll(".user-card").length, 2);
    const index = parsePage(await Deno.readTextFile(result.index));
    assert.equal(index.querySelectorAll("#runs-table tbody tr").length, 2);
    assert.equal(index.querySelectorAll("#runs-table tbody tr.failed").length, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("main() rejects --compare without two run ids", async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(m);
  try {
    assert.equal(await main(["--compare", "only-one"]), 2);
  } finally {
    console.error = original;
  }
  assert.match(errors[0] ?? "", /--compare needs exactly two run ids, got 1/);
});
