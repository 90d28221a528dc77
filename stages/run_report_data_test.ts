import assert from "node:assert/strict";
import {
  MAX_PREDICTION_SAMPLE,
  parseRunReportData,
  RunReportDataSchema,
} from "./run_report_data.ts";
import { makeReportData } from "./report/_test_fixtures.ts";
import { z } from "zod";

Deno.test("parseRunReportData() round-trips what the evaluate stage writes", () => {
  const data = makeReportData();
  assert.deepEqual(parseRunReportData(JSON.stringify(data)), data);
});

Deno.test("parseRunReportData() refuses more than 2000 prediction points", () => {
  const data = makeReportData();
  const big = {
    ...data,
    predictedVsActual: Array.from(
      { length: MAX_PREDICTION_SAMPLE + 1 },
      () => ({ actual: 4, predicted: 3.5 }),
    ),
  };
  assert.throws(
    () => parseRunReportData(big),
    /field predictedVsActual: .*re-run the evaluate stage/,
  );
});

Deno.test("parseRunReportData() names the bad field and refuses invalid JSON", () => {
  const data = makeReportData();
  const bad = { ...data, stageTimings: [{ stage: "train", status: "maybe", seconds: 1 }] };
  assert.throws(() => parseRunReportData(bad), /field stageTimings\.0\.status/);
  assert.throws(() => parseRunReportData("{not json"), /not valid JSON/);
});

Deno.test("RunReportDataSchema converts to JSON Schema for the writer's docs", () => {
  const schema = z.toJSONSchema(RunReportDataSchema) as { properties: Record<string, unknown> };
  assert.ok("errorHistogram" in schema.properties);
  assert.ok("stageTimings" in schema.properties);
});
