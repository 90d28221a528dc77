import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pl from "nodejs-polars";
import { FILES, FOLDERS, moviesTable, ratingsTable, readTable, writeTable } from "./mod.ts";
import { renderDataReadme } from "./readme.ts";
import { STAGES } from "../stages/mod.ts";

Deno.test("data/README.md is the one the catalog renders (run `deno task catalog`)", async () => {
  const committed = await Deno.readTextFile(
    fileURLToPath(new URL("../data/README.md", import.meta.url)),
  );
  assert.equal(committed, renderDataReadme());
});

Deno.test("every data/ path a stage declares is a catalog folder, and every folder has its stage", () => {
  const folders = new Set(FOLDERS.map((f) => f.path));
  const names = new Set(STAGES.map((s) => s.name));
  for (const stage of STAGES) {
    for (const path of [...stage.deps, ...stage.outs].filter((p) => p.startsWith("data/"))) {
      assert.ok(folders.has(path), `stage ${stage.name} declares ${path}, not in data_catalog`);
    }
  }
  for (const folder of FOLDERS) assert.ok(names.has(folder.stage), folder.path);
  for (const stage of STAGES) {
    for (const out of stage.outs.filter((p) => p.startsWith("data/"))) {
      assert.equal(FOLDERS.find((f) => f.path === out)!.stage, stage.name, out);
    }
  }
  for (const file of FILES) assert.ok(FOLDERS.includes(file.folder), file.file);
});

Deno.test("a table that does not match its schema is refused, naming the file and the column", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = pl.DataFrame({
      userId: pl.Series("userId", [1, 2], pl.Int32),
      movieId: pl.Series("movieId", [10, 20], pl.Int32),
      rating: pl.Series("rating", [4.5, 3], pl.Float32),
      timestamp: pl.Series("timestamp", [0, 1], pl.Int64),
    });
    writeTable(ratingsTable, dir, good);
    assert.deepEqual(readTable(ratingsTable, dir).toRecords(), good.toRecords());

    // Wrong type on write: refused, and the good file already there is untouched.
    const bad = good.withColumns(pl.col("movieId").cast(pl.Float64));
    assert.throws(
      () => writeTable(ratingsTable, dir, bad),
      /Cannot write .*ratings\.parquet.*column "movieId" is Float64, expected Int32/,
    );
    assert.deepEqual(readTable(ratingsTable, dir).toRecords(), good.toRecords());

    // A file written by something else with a missing and an extra column: refused on read.
    good.drop("timestamp").withColumns(pl.lit(1).alias("extra")).writeParquet(
      join(dir, "ratings.parquet"),
    );
    assert.throws(
      () => readTable(ratingsTable, dir),
      /column "timestamp" \(Int64\) is missing; column "extra" is not in the catalog's schema\); see data\/README\.md, or re-run the etl stage/,
    );
    assert.throws(
      () => readTable(moviesTable, dir),
      /Cannot read .*movies\.parquet.*re-run the etl stage/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the catalog's names agree with the constants the DAG and the run contract use", async () => {
  const { TIMINGS_FILE } = await import("../dag/hash.ts");
  const { REPORT_DATA_ARTIFACT } = await import("../stages/run_keys.ts");
  const { VALIDATION_FILE } = await import("../stages/train.ts");
  const { fileName, metricsTimingsFile, modelTimingsFile, reportDataFile, validationFile } =
    await import("./mod.ts");
  assert.equal(fileName(modelTimingsFile), TIMINGS_FILE);
  assert.equal(fileName(metricsTimingsFile), TIMINGS_FILE);
  assert.equal(fileName(reportDataFile), REPORT_DATA_ARTIFACT);
  assert.equal(fileName(validationFile), VALIDATION_FILE);
});
