/**
 * What the report needs from a {@linkcode RunRecord}, read once: status,
 * model, dataset, key params, metric values with their confidence intervals.
 *
 * @module
 */
import { latestMetric, type RunRecord } from "../../tracking/types.ts";
import {
  ciHighKey,
  ciLowKey,
  METRIC_KEYS,
  PARAM_KEYS,
  SWEEP_PARAM_ALIASES,
  TAG_KEYS,
} from "../run_keys.ts";
import { METRIC_DEFS } from "./_metric_defs.ts";
import { safeUrl } from "./_html.ts";
import { modelConfigSchema, modelNames } from "../../recommender/models/model_registry.ts";

/** What the report shows as the model of a run that trained none (a failed pipeline). */
export const NO_MODEL = "—";

/** The config keys a shorthand param (`train.factors`) sets, per the train stage. */
const _SHORTHAND_KEYS: Readonly<Record<string, readonly string[]>> = {
  [PARAM_KEYS.factors]: ["factors"],
  [PARAM_KEYS.regularization]: ["regularization"],
  [PARAM_KEYS.epochs]: ["epochs", "iterations"],
  [PARAM_KEYS.learningRate]: ["learningRate"],
};

const _configKeys = new Map<string, Set<string> | null>();

/** The config keys of a registered model, or null for a model outside the registry. */
function _modelKeys(model: string): Set<string> | null {
  let keys = _configKeys.get(model);
  if (keys === undefined) {
    const name = modelNames.find((n) => n === model.replaceAll("_", "-"));
    const shape = name
      ? (modelConfigSchema(name) as unknown as { shape?: Record<string, unknown> }).shape
      : undefined;
    keys = shape ? new Set(Object.keys(shape)) : null;
    _configKeys.set(model, keys);
  }
  return keys;
}

/**
 * Whether the param applies to the model: a shorthand such as `train.factors`
 * only to models whose config has that setting (older runs logged it for
 * every model); anything else, and any model outside the registry, yes.
 */
export function modelHasParam(model: string, param: string): boolean {
  const wanted = _SHORTHAND_KEYS[param];
  const keys = _modelKeys(model);
  return !wanted || !keys || wanted.some((k) => keys.has(k));
}

/** A metric value with its confidence interval when the run has folds. */
export interface MetricValue {
  readonly value: number;
  readonly low?: number;
  readonly high?: number;
}

/** A run as the report shows it. */
export interface RunView {
  readonly run: RunRecord;
  readonly id: string;
  readonly name: string;
  readonly status: RunRecord["status"];
  /** FAILED or KILLED. */
  readonly failed: boolean;
  readonly startTime: number;
  readonly durationSeconds?: number;
  /** The model's name, or {@linkcode NO_MODEL} when the run trained none. */
  readonly model: string;
  /** False for a run that trained no model (a failed pipeline): it is on no model's chart. */
  readonly hasModel: boolean;
  readonly datasetName?: string;
  readonly datasetHash?: string;
  readonly gitCommit?: string;
  readonly cachedStages: readonly string[];
  readonly mlflowUrl?: string;
  /** `train.*` params without the prefix, sorted by name. */
  readonly keyParams: readonly (readonly [string, string])[];
  /** The known run-level metrics that the run has, by key. */
  readonly metrics: Readonly<Record<string, MetricValue>>;
  /** True when any metric has a confidence interval. */
  readonly hasFolds: boolean;
  readonly factors?: number;
  readonly regularization?: number;
}

function _finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function _sweepParam(
  run: RunRecord,
  model: string,
  aliases: readonly string[],
): number | undefined {
  for (const key of aliases) {
    if (!modelHasParam(model, key)) continue;
    const raw = run.params[key];
    if (raw !== undefined && raw.trim() !== "") {
      const n = Number(raw);
      if (Number.isFinite(n)) return n;
    }
  }
  return undefined;
}

/** Reads a run once for display. */
export function toRunView(run: RunRecord): RunView {
  const metrics: Record<string, MetricValue> = {};
  let hasFolds = false;
  for (const def of METRIC_DEFS) {
    const value = _finite(latestMetric(run, def.key));
    if (value === undefined) continue;
    const low = _finite(latestMetric(run, ciLowKey(def.key)));
    const high = _finite(latestMetric(run, ciHighKey(def.key)));
    if (low !== undefined && high !== undefined) {
      hasFolds = true;
      metrics[def.key] = { value, low, high };
    } else {
      metrics[def.key] = { value };
    }
  }
  const loggedDuration = _finite(latestMetric(run, METRIC_KEYS.durationSeconds));
  const durationSeconds = loggedDuration ??
    (run.endTime !== undefined ? Math.max(0, (run.endTime - run.startTime) / 1000) : undefined);
  const cached = run.tags[TAG_KEYS.cachedStages] ?? "";
  const mlflow = run.mlflowUrl ?? run.tags[TAG_KEYS.mlflowUrl];
  // The hyper-parameters that tell runs apart: the swept shorthands and the model's own section.
  const tagged = run.tags[TAG_KEYS.model] ?? run.params["train.model"];
  const hasModel = tagged !== undefined && tagged.trim() !== "" && tagged !== "-";
  const model = hasModel ? tagged : NO_MODEL;
  const shown = new Set<string>([
    PARAM_KEYS.factors,
    PARAM_KEYS.regularization,
    PARAM_KEYS.epochs,
    PARAM_KEYS.learningRate,
  ]);
  const keyParams = Object.entries(run.params)
    .filter(([k]) =>
      (shown.has(k) && hasModel && modelHasParam(model, k)) ||
      (hasModel && k.startsWith(`${PARAM_KEYS.trainPrefix}${model}.`))
    )
    .map(([k, v]) => [k.slice(PARAM_KEYS.trainPrefix.length), v] as const)
    .sort((a, b) => a[0].localeCompare(b[0]));
  return {
    run,
    id: run.runId,
    name: run.runName || run.runId,
    status: run.status,
    failed: run.status === "FAILED" || run.status === "KILLED",
    startTime: run.startTime,
    durationSeconds,
    model,
    hasModel,
    datasetName: run.tags[TAG_KEYS.datasetName],
    datasetHash: run.tags[TAG_KEYS.datasetHash],
    gitCommit: run.tags[TAG_KEYS.gitCommit],
    cachedStages: cached.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    mlflowUrl: mlflow && safeUrl(mlflow) !== "#" ? mlflow : undefined,
    keyParams,
    metrics,
    hasFolds,
    factors: _sweepParam(run, model, SWEEP_PARAM_ALIASES.factors),
    regularization: _sweepParam(run, model, SWEEP_PARAM_ALIASES.regularization),
  };
}

/** The best run: lowest RMSE among FINISHED runs; undefined if none has an RMSE. */
export function bestRun(views: readonly RunView[]): RunView | undefined {
  let best: RunView | undefined;
  for (const v of views) {
    const rmse = v.metrics[METRIC_KEYS.rmse]?.value;
    if (v.status !== "FINISHED" || rmse === undefined) continue;
    const bestRmse = best?.metrics[METRIC_KEYS.rmse]?.value;
    // Ties go to the earliest run, so re-running the same thing does not move "best" (and
    // re-render every page that links to it).
    if (
      bestRmse === undefined || rmse < bestRmse ||
      (rmse === bestRmse && (v.startTime < best!.startTime ||
        (v.startTime === best!.startTime && v.id < best!.id)))
    ) best = v;
  }
  return best;
}
