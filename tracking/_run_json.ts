/**
 * The on-disk form of a run (`run.json`) and of the local model registry:
 * zod schemas (validation at the edge) and the JSON encoding of non-finite
 * metric values (JSON has no NaN: they are stored as the strings "NaN",
 * "Infinity", "-Infinity", as MLflow's REST API does).
 *
 * @module
 */
import { z } from "zod";
import type { MetricPoint, RunRecord } from "./types.ts";

const finiteOrSpecial = z.union([
  z.number(),
  z.enum(["NaN", "Infinity", "-Infinity"]).transform((s) => Number(s)),
]);

const metricPoint = z.object({
  value: finiteOrSpecial,
  step: z.number().int(),
  timestamp: z.number(),
});

const runModel = z.object({
  registeredName: z.string(),
  artifactPath: z.string(),
  rmse: finiteOrSpecial,
  version: z.string().optional(),
  champion: z.boolean().optional(),
  mlflowVersion: z.string().optional(),
  mlflowChampion: z.boolean().optional(),
  taskAliases: z.array(z.object({
    alias: z.string(),
    value: finiteOrSpecial,
    higherIsBetter: z.boolean(),
    context: z.string(),
  })).optional(),
});

/** Schema of `run.json`. */
export const runJsonSchema = z.object({
  formatVersion: z.literal(1),
  runId: z.string().regex(/^[0-9a-f]{32}$/),
  experiment: z.string(),
  runName: z.string(),
  status: z.enum(["RUNNING", "FINISHED", "FAILED", "KILLED"]),
  startTime: z.number(),
  endTime: z.number().optional(),
  params: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), z.array(metricPoint)),
  tags: z.record(z.string(), z.string()),
  artifacts: z.array(z.string()),
  synced: z.boolean().optional(),
  mlflowUrl: z.string().optional(),
  mlflowRunId: z.string().optional(),
  syncError: z.string().optional(),
  model: runModel.optional(),
});

/** Schema of a registered model file of the local registry. */
export const registeredModelSchema = z.object({
  formatVersion: z.literal(1),
  name: z.string(),
  versions: z.array(z.object({
    version: z.string(),
    runId: z.string(),
    experiment: z.string(),
    /** Folder of the model files, relative to the store root. */
    source: z.string(),
    rmse: finiteOrSpecial,
    createdAt: z.number(),
    /** Task alias facts (`<alias>.value`, `<alias>.context`), as MLflow version tags. */
    tags: z.record(z.string(), z.string()).optional(),
  })),
  aliases: z.record(z.string(), z.string()),
});

/** A registered model of the local registry. */
export type RegisteredModelFile = z.infer<typeof registeredModelSchema>;

function encodeNumber(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

/** JSON text of a run record (non-finite metric values as strings). */
export function encodeRunJson(record: RunRecord): string {
  const metrics: Record<string, unknown[]> = {};
  for (const [key, points] of Object.entries(record.metrics)) {
    metrics[key] = points.map((p: MetricPoint) => ({ ...p, value: encodeNumber(p.value) }));
  }
  const model = record.model
    ? { ...record.model, rmse: encodeNumber(record.model.rmse) }
    : undefined;
  return JSON.stringify({ formatVersion: 1, ...record, metrics, model }, null, 2) + "\n";
}

/** A run record from `run.json` text; throws a clear error on bad content. */
export function decodeRunJson(text: string, path: string): RunRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`Cannot read run file ${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = runJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `Cannot read run file ${path}: field "${issue?.path.join(".")}" ${issue?.message}`,
    );
  }
  const { formatVersion: _v, ...record } = parsed.data;
  return record;
}

/** JSON text of a registered model file (non-finite RMSE as strings). */
export function encodeRegisteredModel(model: RegisteredModelFile): string {
  const versions = model.versions.map((v) => ({ ...v, rmse: encodeNumber(v.rmse) }));
  return JSON.stringify({ ...model, versions }, null, 2) + "\n";
}
