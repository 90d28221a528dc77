import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalRunStore, recordRun } from "../tracking/mod.ts";
import { reportFromStore } from "./report/cli.ts";
import { attachRunPages } from "./report.ts";
import { REPORT_PAGE_ARTIFACT, TAG_KEYS } from "./run_keys.ts";

Deno.test("attachRunPages() gives only this invocation's ended runs their page as report.html, once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report_stage_test_" });
  try {
    const store = new LocalRunStore(join(dir, "runs"), { experiment: "movies" });
    const record = (invocation: string, model: string) =>
      recordRun(store, {
        runName: model,
        status: "FINISHED",
        startTime: 1_700_000_000_000,
        endTime: 1_700_000_060_000,
        params: {},
        metrics: [{ key: "rmse", value: 0.9 }],
        tags: { [TAG_KEYS.invocation]: invocation, [TAG_KEYS.model]: model },
        artifacts: [],
      });
    const earlier = await record("inv-a", "svd");
    const svd = await record("inv-b", "svd");
    const baseline = await record("inv-b", "baseline");
    // A run of this invocation that has not ended cannot take the page: a warning, not a throw.
    const open = await store.startRun({
      runName: "open",
      tags: { [TAG_KEYS.invocation]: "inv-b" },
    });
    const outDir = join(dir, "reports");
    const report = await reportFromStore(store, { outDir, notebooksDir: join(dir, "none") });
    const warnings: string[] = [];
    const options = {
      outDir,
      runPages: report.runPages,
      invocationId: "inv-b",
      warn: (m: string) => warnings.push(m),
    };

    assert.equal(await attachRunPages(store, options), 2);
    for (const run of [svd, baseline]) {
      assert.ok((await store.getRun(run.runId)).artifacts.includes(REPORT_PAGE_ARTIFACT));
      assert.equal(
        await Deno.readTextFile(join(store.artifactsDir(run), REPORT_PAGE_ARTIFACT)),
        await Deno.readTextFile(join(outDir, "runs", `${run.runId}.html`)),
      );
    }
    assert.deepEqual((await store.getRun(earlier.runId)).artifacts, []);
    assert.deepEqual((await store.getRun(open.runId)).artifacts, []);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`run ${open.runId}: report page not attached.*RUNNING`));

    // Run again (e.g. a re-run of the stage): the runs that have their page keep it.
    assert.equal(await attachRunPages(store, options), 0);
    // The snapshot does not make the page it was taken from out of date.
    const again = await reportFromStore(store, { outDir, notebooksDir: join(dir, "none") });
    assert.deepEqual(again.runs, { written: 0, upToDate: 4 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
