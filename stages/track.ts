/**
 * Track stage (always runs, also when an upstream stage failed): one tracked
 * run per evaluated model, with all params
 * (flattened, plus the model's effective config), every metric (per-epoch
 * losses as metric history), tags (git commit and dirty flag, dataset name and
 * hash, each stage's cache key and whether it was cached and from which run,
 * Deno version) and artifacts (model files, metrics.json, report_data.json).
 * A failed pipeline is recorded as one FAILED run. Runs go to the local run
 * store under `runs/`, and to MLflow when `MLFLOW_TRACKING_URI` is set. It
 * only logs: the report stage renders the pages and attaches each run's page
 * to it as `report.html`.
 *
 * @module
 */
import type { Champions } from "./select.ts";
import type { TaskAliasRequest } from "../tracking/task_alias.ts";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { userInfo } from "node:os";
import { defineStage } from "../dag/stage.ts";
import { flattenParams } from "../dag/params.ts";
import type { StageOutcome } from "../dag/stage.ts";
import type {
  ArtifactInput,
  MetricInput,
  ModelInput,
  RunRecord,
  RunStore,
} from "../tracking/mod.ts";
import { openRunStore, recordRun, redactUri } from "../tracking/mod.ts";
import { METRIC_KEYS, REPORT_DATA_ARTIFACT, TAG_KEYS } from "./run_keys.ts";
import { modelConfig, type TrainParams } from "./train.ts";
import { servingBundleArtifact } from "./serving_bundle.ts";
import { modelConfigSchema, type ModelName } from "../recommender/models/model_registry.ts";
import { type TrackingParams, trackingParams } from "./tracking_params.ts";
import {
  atRoot,
  championsFile,
  metricsFile,
  metricsFolder,
  metricsSummaryFile,
  metricsTimingsFile,
  modelsFolder,
  processedFolder,
  reportDataFile,
  selectionFolder,
  summaryFile,
} from "../data_catalog/mod.ts";

export { type TrackingParams, trackingParams };

/** What the pipeline knows at its end. */
export interface PipelineRunInfo {
  readonly root: string;
  /** The invocation id (also in pipeline.lock as the producer of what ran). */
  readonly invocationId: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly outcomes: readonly StageOutcome[];
  readonly ok: boolean;
  readonly startTime: number;
  readonly endTime: number;
  /** {@linkcode resultsKey} of this invocation, tagged on its model runs (none: no tag). */
  readonly resultsKey?: string;
}

/** The OS account's name, as MLflow's clients record it; undefined when it cannot be read. */
function osUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

async function git(root: string, ...args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("git", { args, cwd: root, stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return undefined;
  }
}

/**
 * The registry aliases per task this model asks for: `champion-rating` and
 * `champion-ranking` when the select stage chose it, with its holdout value
 * and what that was measured on (the dataset's hash and the split's key), so
 * the registry moves an alias only between comparable versions
 * (`tracking/task_alias.ts`).
 */
export function taskAliases(
  champions: Champions | undefined,
  model: string,
  tags: Readonly<Record<string, string>>,
): TaskAliasRequest[] {
  if (!champions) return [];
  const context = `${tags[TAG_KEYS.datasetHash] ?? "unknown-data"}:${
    tags["stage.split.key"] ?? "unknown-split"
  }`;
  const out: TaskAliasRequest[] = [];
  if (champions.rating?.model === model) {
    out.push({
      alias: "champion-rating",
      value: champions.rating.value,
      higherIsBetter: false,
      context,
    });
  }
  if (champions.ranking?.model === model) {
    out.push({
      alias: "champion-ranking",
      value: champions.ranking.value,
      higherIsBetter: true,
      context: `${context}:${champions.ranking.metric}`,
    });
  }
  return out;
}

/**
 * The git commit of the project and whether tracked files have uncommitted
 * changes, leaving out pipeline.lock (the pipeline itself rewrites it when a
 * stage's key changes, as `dvc repro` does dvc.lock); nothing outside git.
 */
async function gitProvenance(root: string): Promise<{ commit?: string; dirty?: boolean }> {
  const commit = await git(root, "rev-parse", "HEAD");
  if (!commit) return {};
  const status = await git(
    root,
    "status",
    "--porcelain",
    "--untracked-files=no",
    "--",
    ".",
    ":(exclude)pipeline.lock",
  );
  return { commit, dirty: status?.length !== 0 };
}

/** Tags every run of one invocation shares. */
async function commonTags(info: PipelineRunInfo): Promise<Record<string, string>> {
  const tags: Record<string, string> = {
    [TAG_KEYS.invocation]: info.invocationId,
    ...(info.ok && info.resultsKey ? { [TAG_KEYS.resultsKey]: info.resultsKey } : {}),
    "deno.version": Deno.version.deno,
    [TAG_KEYS.cachedStages]: info.outcomes.filter((o) =>
      o.status === "cached" || o.status === "restored"
    ).map((o) => o.stage)
      .join(","),
  };
  const { commit, dirty } = await gitProvenance(info.root);
  if (commit) {
    tags[TAG_KEYS.gitCommit] = commit;
    tags["mlflow.source.git.commit"] = commit; // shown by the MLflow UI
    tags["mlflow.source.name"] = "deno task pipeline";
    tags["mlflow.source.type"] = "LOCAL";
    tags["git.dirty"] = String(dirty);
  }
  // Who ran it (MLflow's "User" column; MLflow's clients take it from the OS user).
  const user = Deno.env.get("MLFLOW_TRACKING_USERNAME") ?? Deno.env.get("USER") ??
    Deno.env.get("LOGNAME") ?? Deno.env.get("USERNAME") ?? osUser();
  if (user) tags["mlflow.user"] = user;
  const summary = await readJson<
    { dataset?: string; sha256?: string | null; counts?: { ratings?: number } }
  >(atRoot(summaryFile, info.root));
  if (summary?.dataset) tags[TAG_KEYS.datasetName] = summary.dataset;
  if (summary?.sha256) tags[TAG_KEYS.datasetHash] = summary.sha256;
  if (typeof summary?.counts?.ratings === "number") {
    tags["dataset.ratings"] = String(summary.counts.ratings);
  }
  const source = (info.params.etl as { dataset?: unknown } | undefined)?.dataset;
  if (typeof source === "string") tags["dataset.source"] = redactUri(source);
  for (const o of info.outcomes) {
    tags[`stage.${o.stage}.status`] = o.status;
    if (o.key) tags[`stage.${o.stage}.key`] = o.key;
    if ((o.status === "cached" || o.status === "restored") && o.producedBy) {
      tags[`stage.${o.stage}.from_run`] = o.producedBy;
    }
  }
  return tags;
}

interface MetricsFile {
  readonly metrics: Record<
    string,
    { mean: number | null; lower: number | null; upper: number | null }
  >;
  readonly folds: number;
  readonly history: { epoch: number; trainLoss: number; validationLoss?: number }[];
  readonly extra: Record<string, unknown>;
}

/** The part of `metrics/<model>/timings.json` tracking logs. */
interface TimingsFile {
  readonly fitSeconds?: { readonly mean: number | null; readonly total: number | null };
}

/**
 * Metric inputs of one model: every metric's mean, CI bounds, fit time (mean
 * over folds as `fit_seconds`, and `fit_seconds_total` with several folds)
 * and loss curves.
 */
export function modelMetrics(
  file: MetricsFile,
  durationSeconds: number,
  now = Date.now(),
  timings: TimingsFile | null = null,
): MetricInput[] {
  const out: MetricInput[] = [];
  for (const [key, s] of Object.entries(file.metrics)) {
    if (s.mean !== null && Number.isFinite(s.mean)) {
      out.push({ key, value: s.mean, timestamp: now });
    }
    if (file.folds > 1 && s.lower !== null && s.upper !== null) {
      out.push({ key: `${key}_ci_low`, value: s.lower, timestamp: now }, {
        key: `${key}_ci_high`,
        value: s.upper,
        timestamp: now,
      });
    }
  }
  const fit = timings?.fitSeconds;
  if (typeof fit?.mean === "number") {
    out.push({ key: "fit_seconds", value: fit.mean, timestamp: now });
    if (file.folds > 1 && typeof fit.total === "number") {
      out.push({ key: "fit_seconds_total", value: fit.total, timestamp: now });
    }
  }
  const ratio = file.extra.explainedVarianceRatio;
  if (typeof ratio === "number") {
    out.push({ key: "svd_variance_explained", value: ratio, timestamp: now });
  }
  for (const h of file.history) {
    out.push({ key: METRIC_KEYS.trainLoss, value: h.trainLoss, step: h.epoch, timestamp: now });
    if (h.validationLoss !== undefined) {
      out.push({
        key: METRIC_KEYS.validationLoss,
        value: h.validationLoss,
        step: h.epoch,
        timestamp: now,
      });
    }
  }
  out.push({ key: METRIC_KEYS.durationSeconds, value: durationSeconds, timestamp: now });
  return out;
}

const CONFIG_ALIASES: Record<string, string> = {
  factors: "train.factors",
  regularization: "train.reg",
  epochs: "train.epochs",
  learningRate: "train.lr",
};

/**
 * A run's name: the model and what differs from its defaults, e.g.
 * `biased-mf factors=20 reg=0.1` (`biased-mf` with every default), and the
 * split when it is not the default random one.
 *
 * @example
 * ```ts
 * import { runName } from "./track.ts";
 * const name = runName("biased-mf", { "train.factors": "20", "model.seed": "42" }, {
 *   "train.factors": "100", "model.seed": "42",
 * });
 * if (name !== "biased-mf factors=20") throw new Error(name);
 * ```
 */
export function runName(
  model: string,
  params: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>>,
): string {
  const short = (k: string) => k.replace(/^(train|model)\./, "");
  const changed = Object.keys(params)
    .filter((k) => (k.startsWith("model.") || Object.values(CONFIG_ALIASES).includes(k)))
    .filter((k) => defaults[k] !== undefined && params[k] !== defaults[k])
    .sort()
    .map((k) => `${short(k)}=${params[k]}`);
  const split = params["split.kind"];
  if (split && split !== "random") changed.push(`split=${split}`);
  return [model, ...changed].join(" ");
}

/** The effective config a model gets with no params set, flattened like {@linkcode modelParams}. */
function defaultConfig(model: ModelName): Record<string, string> {
  const effective = modelConfigSchema(model).parse({}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(effective).map(([key, value]) => [
      CONFIG_ALIASES[key] ?? `model.${key}`,
      typeof value === "object" ? JSON.stringify(value) : String(value),
    ]),
  );
}

/** Params of one model's run: all sections flattened, other models' sections left out, the effective config added. */
export function modelParams(
  params: Readonly<Record<string, unknown>>,
  model: ModelName,
): Record<string, string> {
  const train = params.train as TrainParams;
  // The shorthands (factors, reg, epochs, lr) come back below from the effective config, and only
  // for a model that has the setting: popularity gets no train.factors.
  const { models: _models, factors: _f, reg: _r, epochs: _e, lr: _l, ...trainRest } = train;
  const others = new Set(train.models.filter((m) => m !== model));
  const flat = flattenParams({
    ...params,
    train: Object.fromEntries(
      Object.entries(trainRest).filter(([k]) => !others.has(k as ModelName)),
    ),
  });
  delete flat["tracking.enabled"];
  flat["train.model"] = model;
  flat["train.models"] = JSON.stringify(train.models);
  // The effective config (defaults filled in): the shorthands as train.factors etc., the rest as model.*.
  const effective = modelConfigSchema(model).parse(modelConfig(train, model)) as Record<
    string,
    unknown
  >;
  for (const [key, value] of Object.entries(effective)) {
    flat[CONFIG_ALIASES[key] ?? `model.${key}`] = typeof value === "object"
      ? JSON.stringify(value)
      : String(value);
  }
  return flat;
}

async function withStageTimings(
  path: string,
  outcomes: readonly StageOutcome[],
  tmpDir: string,
): Promise<string | undefined> {
  const data = await readJson<Record<string, unknown>>(path);
  if (!data) return undefined;
  data.stageTimings = outcomes.map((o) => ({
    stage: o.stage,
    status: o.status,
    seconds: Number(o.seconds.toFixed(3)),
    ...(o.status !== "ran" && o.producedBy ? { cachedFrom: o.producedBy } : {}),
  }));
  const out = join(tmpDir, REPORT_DATA_ARTIFACT);
  await Deno.writeTextFile(out, JSON.stringify(data));
  return out;
}

/** Param values with URL passwords and secret query values masked (e.g. `etl.dataset`). */
function redactValues(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, redactUri(v)]));
}

/** One model's finished run, as {@linkcode recordModelRun} logs it. */
interface ModelRunInput {
  readonly runName: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly params: Record<string, string>;
  readonly metrics: MetricInput[];
  readonly tags: Record<string, string>;
  readonly artifacts: ArtifactInput[];
  readonly model?: ModelInput;
}

/** Logs one model's run. */
async function recordModelRun(store: RunStore, input: ModelRunInput): Promise<RunRecord> {
  const run = await store.startRun({
    runName: input.runName,
    startTime: input.startTime,
    tags: input.tags,
  });
  try {
    await run.logParams(input.params);
    await run.logMetrics(input.metrics);
    for (const artifact of input.artifacts) await run.logArtifact(artifact);
    if (input.model) await run.registerModel(input.model);
  } catch (error) {
    await run.end("FAILED", input.endTime).catch(() => {});
    throw error;
  }
  return await run.end("FINISHED", input.endTime);
}

/**
 * Records the invocation in `store`. Never throws for a tracking problem: the
 * store keeps runs locally and says what it could not sync.
 */
export async function trackPipelineRun(
  store: RunStore,
  info: PipelineRunInfo,
): Promise<RunRecord[]> {
  const tracking = info.params.tracking as TrackingParams;
  const tags = await commonTags(info);
  const duration = (info.endTime - info.startTime) / 1000;
  const summary = info.ok
    ? await readJson<{ models: { model: string }[] }>(atRoot(metricsSummaryFile, info.root))
    : undefined;
  if (!info.ok || !summary) {
    const failed = info.outcomes.find((o) => o.status === "failed");
    return [
      await recordRun(store, {
        runName: `pipeline ${failed ? `failed at ${failed.stage}` : "without metrics"}`,
        status: "FAILED",
        startTime: info.startTime,
        endTime: info.endTime,
        params: redactValues(flattenParams(info.params as Record<string, unknown>)),
        metrics: [{ key: METRIC_KEYS.durationSeconds, value: duration }],
        // No model tag: the run trained none (the report shows it as failed, not as a model).
        tags: {
          ...tags,
          ...(failed?.error ? { "pipeline.error": failed.error.slice(0, 5000) } : {}),
        },
        artifacts: [],
      }),
    ];
  }
  const records: RunRecord[] = [];
  const champions = await readJson<Champions>(
    atRoot(championsFile, info.root),
  );
  const tmp = await Deno.makeTempDir({ prefix: "movierec-track-" });
  try {
    for (const { model } of summary.models) {
      const metricsPath = atRoot(metricsFile, info.root, { model });
      const file = await readJson<MetricsFile>(metricsPath);
      if (!file) continue;
      const timings = await readJson<TimingsFile>(
        atRoot(metricsTimingsFile, info.root, { model }),
      );
      const metrics = modelMetrics(file, duration, info.endTime, timings);
      const modelDir = join(atRoot(modelsFolder, info.root), model);
      const artifacts: ArtifactInput[] = [
        { localPath: modelDir, artifactPath: "model" },
        { localPath: metricsPath, artifactPath: "metrics.json" },
      ];
      const runTmp = await Deno.makeTempDir({ dir: tmp });
      const reportData = await withStageTimings(
        atRoot(reportDataFile, info.root, { model }),
        info.outcomes,
        runTmp,
      );
      if (reportData) artifacts.push({ localPath: reportData, artifactPath: REPORT_DATA_ARTIFACT });
      // What a replica serves the model with, so models:/NAME@ALIAS needs no data folder.
      const serving = await servingBundleArtifact(
        info.root,
        model,
        info.params.train as TrainParams,
        runTmp,
      );
      if (serving) artifacts.push(serving);
      const rmse = file.metrics.rmse?.mean;
      const params = redactValues(modelParams(info.params, model as ModelName));
      records.push(
        await recordModelRun(store, {
          runName: runName(model, params, defaultConfig(model as ModelName)),
          startTime: info.startTime,
          endTime: info.endTime,
          params,
          metrics,
          tags: { ...tags, [TAG_KEYS.model]: model },
          artifacts,
          ...(typeof rmse === "number" && Number.isFinite(rmse)
            ? {
              model: {
                registeredName: tracking.registeredModel,
                artifactPath: "model",
                rmse,
                taskAliases: taskAliases(champions, model, tags),
              },
            }
            : {}),
        }),
      );
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return records;
}

/**
 * What an invocation's results follow from: every stage's key (its data,
 * params and code, as in `pipeline.lock`), where they are recorded and the
 * git commit and dirty flag they are recorded with. Two invocations with the
 * same results key have the same models, metrics and provenance.
 */
export function resultsKey(
  outcomes: readonly StageOutcome[],
  where: {
    location: string;
    experiment: string;
    registeredModel: string;
    provenance: { commit?: string; dirty?: boolean };
  },
): string {
  const keys = outcomes.map((o) => [o.stage, o.key]);
  return createHash("sha256").update(JSON.stringify({ keys, ...where })).digest("hex");
}

/**
 * The invocation that already recorded the runs of `key` in `store`, with
 * how many runs it recorded; undefined when none did.
 */
export async function recordedResults(
  store: RunStore,
  key: string,
  experiment: string,
): Promise<{ invocation: string; runs: number } | undefined> {
  const runs = await store.listRuns({ experiment, limit: 500 });
  const hit = runs.find((r) => r.tags[TAG_KEYS.resultsKey] === key && r.status === "FINISHED");
  const invocation = hit?.tags[TAG_KEYS.invocation];
  if (!invocation) return undefined;
  return {
    invocation,
    runs: runs.filter((r) => r.tags[TAG_KEYS.invocation] === invocation).length,
  };
}

/** What a run is made from (the track stage's inputs), with the stage that writes each. */
const TRACKED_INPUTS = [processedFolder, modelsFolder, selectionFolder, metricsFolder];

/** The `track` stage. */
export const trackStage = defineStage({
  name: "track",
  section: "tracking",
  description:
    "Record one run per evaluated model (params, metrics, tags, artifacts) in runs/ and MLflow",
  deps: TRACKED_INPUTS.map((d) => d.path),
  outs: ["runs"],
  params: trackingParams,
  code: import.meta.url,
  always: true,
  reporting: true,
  async run(ctx) {
    if (!ctx.params.enabled) return { summary: "tracking off (tracking.enabled: false)" };
    const store = openRunStore({
      root: ctx.outputs["runs"]!,
      experiment: ctx.params.experiment,
      warn: (m) => ctx.progress.warn(m),
    });
    const outcomes = ctx.history;
    const ok = !outcomes.some((o) => o.status === "failed" || o.status === "skipped");
    // Same stage keys as an invocation already recorded here: the same results (a cached
    // no-op, like `dvc repro` with nothing to do), so no copies of those runs. Only when
    // this invocation covered every stage whose output a run is made from: `--from track`
    // knows no keys, so it always records.
    const covered = TRACKED_INPUTS.every((d) => outcomes.some((o) => o.stage === d.stage));
    const key = covered
      ? resultsKey(outcomes, {
        location: store.location,
        experiment: store.experiment,
        registeredModel: ctx.params.registeredModel,
        provenance: await gitProvenance(ctx.root),
      })
      : undefined;
    const earlier = ok && key ? await recordedResults(store, key, store.experiment) : undefined;
    if (earlier) {
      return {
        summary: `up to date: invocation ${earlier.invocation} recorded these results ` +
          `(${earlier.runs} run(s)); nothing new recorded`,
      };
    }
    const records = await trackPipelineRun(store, {
      root: ctx.root,
      params: ctx.allParams,
      invocationId: ctx.runId,
      outcomes,
      ok,
      startTime: ctx.startTime,
      endTime: Date.now(),
      ...(key ? { resultsKey: key } : {}),
    });
    const unsynced = records.filter((r) => r.synced === false).length;
    const where = !Deno.env.get("MLFLOW_TRACKING_URI")
      ? "runs/"
      : unsynced === 0
      ? "runs/ and MLflow"
      : `runs/; ${unsynced} not in MLflow yet (push them with deno task runs sync)`;
    return { summary: `${records.length} run(s) recorded in ${where}` };
  },
});
