/**
 * Evaluate stage: `data/models` + `data/interim/split` (+ `data/processed`
 * for titles) -> `data/metrics`.
 *
 * For every model folder `data/models/<model>/` (fold 1) and its
 * `folds/<i>/` (fold i >= 2), loads the model file, evaluates it on that
 * fold's test set (`recommender/evaluation/evaluation.ts`) and writes:
 *
 * - `metrics/<model>/metrics.json` ({@linkcode ModelMetricsFile}): mean and 95%
 *   CI over folds of every metric, the per-fold values, and the training
 *   history copied from the model manifest: only what the models and the data
 *   determine, so an unchanged model gives a byte-identical file;
 * - `metrics/<model>/timings.json` ({@linkcode ModelTimingsFile}): fit seconds
 *   per fold with their mean and total, and the evaluation's own seconds
 *   (clock readings, left out of the output hash: `dag/hash.ts`);
 * - `metrics/<model>/report_data.json`: the `RunReportData` of the run page
 *   (error histogram, predicted-vs-actual sample, sample users' top-10 with
 *   titles, similar movies for well-known titles, data summary; stage timings
 *   are left empty for the pipeline to fill);
 * - `metrics/summary.json` ({@linkcode EvaluationSummary}): one row per model,
 *   sorted by RMSE; {@linkcode formatComparisonTable} prints it.
 *
 * @module
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import { z } from "zod";
import { writeTextAtomic } from "../lib/atomic.ts";
import { formatSeconds } from "../dag/progress.ts";
import { defineStage } from "../dag/stage.ts";
import { type Align, formatTable } from "../lib/text_table.ts";
import {
  combineFolds,
  evaluateModel,
  type EvaluationResult,
  type FoldSummary,
} from "../recommender/evaluation/evaluation.ts";
import type { ModelArtifact, ModelManifest, Recommender } from "../recommender/core/model.ts";
import { loadModel } from "../recommender/models/model_registry.ts";
import { _hasRawScoring } from "../recommender/scoring/_raw_scoring.ts";
import { hashRatings, type Ratings } from "../recommender/core/ratings.ts";
import { Prng } from "../recommender/core/prng.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/evaluation/min_ratings.ts";
import {
  MAX_PREDICTION_SAMPLE,
  type RunReportData,
  RunReportDataSchema,
} from "./run_report_data.ts";
import { ciHighKey, ciLowKey } from "./run_keys.ts";
import { ratingsFromFrame } from "./ratings_frame.ts";
import { pathExists } from "../lib/path_exists.ts";
import { TIMINGS_FILE } from "../dag/hash.ts";
import { modelFoldDir, readValidationReport, trainedModelNames, trainParams } from "./train.ts";
import { splitFoldDirs } from "./_split_folds.ts";
import {
  fileName,
  metricsFile,
  metricsFolder,
  metricsSummaryFile,
  modelBlobFile,
  modelManifestFile,
  modelsFolder,
  moviesTable,
  pathIn,
  processedFolder,
  ratingsTable,
  readTable,
  reportDataFile,
  splitFolder,
  testTable,
  trainTable,
} from "../data_catalog/mod.ts";
import { fittedRatings } from "../recommender/models/fit_standalone.ts";

/** Titles whose similar movies the run report shows, when the data has them. */
export const WELL_KNOWN_TITLES = [
  "Toy Story (1995)",
  "Matrix, The (1999)",
  "Star Wars: Episode IV - A New Hope (1977)",
] as const;

/** The `evaluate` params section. */
export const evaluateParams = z.object({
  /** Length of the ranked lists for the @k metrics. */
  k: z.number().int().min(1).max(1000).default(10),
  /** A test rating at or above this is relevant. */
  relevanceThreshold: z.number().default(4.0),
  /**
   * Rank only movies with at least this many training ratings (0 ranks every
   * movie). `"auto"` (default): each model's own floor, the one that ranked
   * best on the holdout of its training ratings (its `validation.json`), or
   * 50 when it has none. The ranking metrics without any floor are reported
   * beside them (`*_no_floor`).
   */
  minRatings: z.union([z.literal("auto"), z.number().int().min(0)]).default("auto"),
  /** Bins of the prediction and error histograms. */
  histogramBins: z.number().int().min(1).max(200).default(20),
  /** Users shown with their top-10 in the report. */
  sampleUsers: z.number().int().min(0).max(50).default(3),
  /** Points of the predicted-vs-actual sample. */
  samplePoints: z.number().int().min(0).max(MAX_PREDICTION_SAMPLE).default(MAX_PREDICTION_SAMPLE),
  /** Movies (exact titles) whose similar movies the report shows; missing ones are skipped. */
  similarTitles: z.array(z.string()).default([...WELL_KNOWN_TITLES]),
  /** Seed of the samples. */
  seed: z.number().int().default(42),
  /** Evaluate only these models (default: every model folder). */
  models: z.array(z.string().min(1)).optional(),
}).strict();

/** Parsed `evaluate` params. */
export type EvaluateParams = z.output<typeof evaluateParams>;

/** One model to evaluate: its fitted instance per fold (index 0 = fold 1; null = not trained). */
export interface ModelUnderTest {
  readonly name: string;
  readonly folds: ReadonlyArray<Recommender | null>;
  /** The fold-1 manifest (history, config). */
  readonly manifest?: ModelManifest;
  /** Fit seconds of each fold's model (from its `timings.json`), null where unknown. */
  readonly fitSeconds?: ReadonlyArray<number | null>;
  /** The support floor the model chose on its holdout (its `validation.json`), if any. */
  readonly minRatings?: number;
  /** Reads each fold's model file again, for the evaluation's worker threads (null = not trained). */
  readonly artifacts?: ReadonlyArray<(() => ModelArtifact) | null>;
}

/** What {@linkcode evaluateModels} needs. */
export interface EvaluateInputs {
  readonly models: readonly ModelUnderTest[];
  /** Train/test of each fold, fold 1 first. */
  readonly folds: ReadonlyArray<{ readonly train: Ratings; readonly test: Ratings }>;
  /** `movies.parquet` (movieId, title). */
  readonly movies: pl.DataFrame;
  /** All processed ratings (for the data summary). */
  readonly ratings: Ratings;
}

/** `metrics/<model>/metrics.json`. */
export interface ModelMetricsFile {
  readonly model: string;
  readonly k: number;
  readonly relevanceThreshold: number;
  /** Movies with fewer training ratings were not ranked. */
  readonly minRatings: number;
  /** Folds evaluated. */
  readonly folds: number;
  /** Mean and 95% CI over folds, per metric key. */
  readonly metrics: Record<string, FoldSummary>;
  readonly perFold: Array<{
    readonly fold: number;
    readonly metrics: Readonly<Record<string, number>>;
    readonly counts: EvaluationResult["counts"];
    readonly scorerCounts: EvaluationResult["scorerCounts"];
  }>;
  readonly config: Record<string, unknown>;
  /** Per-epoch history from the manifest (empty for closed-form models). */
  readonly history: unknown[];
  /** Other facts the model recorded (e.g. svd's explainedVarianceRatio). */
  readonly extra: Record<string, unknown>;
}

/** Fit seconds over the folds of one model: mean, total and each fold's (null where unknown). */
export interface FitTimes {
  readonly mean: number | null;
  readonly total: number | null;
  readonly perFold: ReadonlyArray<number | null>;
}

/** `metrics/<model>/timings.json`: the clock readings of one model's fit and evaluation. */
export interface ModelTimingsFile {
  readonly model: string;
  readonly fitSeconds: FitTimes;
  readonly evaluateSeconds: ReadonlyArray<{ readonly fold: number } & EvaluationResult["seconds"]>;
}

/**
 * Mean and total of the known per-fold fit seconds (null when none is known).
 *
 * @example
 * ```ts
 * import { fitTimes } from "./evaluate.ts";
 * const t = fitTimes([1, 3, null]);
 * if (t.mean !== 2 || t.total !== 4) throw new Error(JSON.stringify(t));
 * ```
 */
export function fitTimes(perFold: ReadonlyArray<number | null>): FitTimes {
  const known = perFold.filter((x): x is number => x !== null && Number.isFinite(x));
  const total = known.reduce((a, b) => a + b, 0);
  return {
    mean: known.length > 0 ? total / known.length : null,
    total: known.length > 0 ? total : null,
    perFold: [...perFold],
  };
}

/** One row of `metrics/summary.json`. */
export interface SummaryRow {
  readonly model: string;
  readonly folds: number;
  /** Mean and CI half width (null with one fold) per metric key. */
  readonly metrics: Record<string, { readonly mean: number; readonly halfWidth: number | null }>;
}

/** `metrics/summary.json`: the comparison table, best RMSE first. */
export interface EvaluationSummary {
  readonly k: number;
  readonly relevanceThreshold: number;
  readonly models: SummaryRow[];
}

/** Everything the stage writes. */
export interface EvaluateOutput {
  readonly perModel: ReadonlyArray<{
    readonly name: string;
    readonly metrics: ModelMetricsFile;
    readonly timings: ModelTimingsFile;
    readonly report: RunReportData;
  }>;
  readonly summary: EvaluationSummary;
}

/**
 * Evaluates every model on every fold it was trained for and builds the
 * files of `data/metrics` (pure: no I/O).
 */
export function evaluateModels(
  inputs: EvaluateInputs,
  params: EvaluateParams,
  options: {
    signal?: AbortSignal;
    onFold?: (model: string, fold: number, result: EvaluationResult) => void;
  } = {},
): EvaluateOutput {
  if (inputs.folds.length === 0) {
    throw new Error("Cannot evaluate: the split has no folds; re-run the split stage");
  }
  const titles = _titles(inputs.movies);
  const fold1 = inputs.folds[0]!;
  const sampleUsers = _pickSampleUsers(fold1.train, fold1.test, params.sampleUsers, params.seed);
  const similarIds = _similarMovieIds(inputs.movies, fold1.train, params.similarTitles);
  const dataSummary = _dataSummary(inputs.ratings, fold1, inputs.movies.height);
  const perModel: EvaluateOutput["perModel"][number][] = [];
  for (const m of inputs.models) {
    const minRatings = params.minRatings === "auto"
      ? m.minRatings ?? DEFAULT_MIN_RATINGS
      : params.minRatings;
    const results: Array<{ fold: number; result: EvaluationResult }> = [];
    for (const [i, model] of m.folds.entries()) {
      if (!model || !inputs.folds[i]) continue;
      const { train, test } = inputs.folds[i]!;
      const result = evaluateModel(model, train, test, {
        k: params.k,
        relevanceThreshold: params.relevanceThreshold,
        minRatings,
        alsoWithoutFloor: true,
        histogramBins: params.histogramBins,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(m.artifacts?.[i] ? { artifact: m.artifacts[i]! } : {}),
      });
      options.onFold?.(m.name, i + 1, result);
      results.push({ fold: i + 1, result });
    }
    const first = results[0];
    const model1 = m.folds[0];
    if (!first || first.fold !== 1 || !model1) {
      throw new Error(
        `Cannot evaluate model "${m.name}": it has no fold-1 model; re-run the train stage`,
      );
    }
    const extra = { ...(m.manifest?.extra ?? {}) };
    const history = Array.isArray(extra.history)
      ? (extra.history as unknown[])
      : [...model1.history];
    delete extra.history;
    const metrics: ModelMetricsFile = {
      model: m.name,
      k: params.k,
      relevanceThreshold: params.relevanceThreshold,
      minRatings,
      folds: results.length,
      metrics: combineFolds(results.map((r) => r.result)),
      perFold: results.map(({ fold, result }) => ({
        fold,
        metrics: result.metrics,
        counts: result.counts,
        scorerCounts: result.scorerCounts,
      })),
      config: { ...(m.manifest?.config ?? model1.config) },
      history,
      extra,
    };
    const report = RunReportDataSchema.parse(
      {
        version: 1,
        errorHistogram: first.result.errorHistogram.map((b) => ({
          x0: b.x0,
          x1: b.x1,
          count: b.count,
        })),
        predictedVsActual: _sample(
          fold1.test,
          first.result.predicted,
          params.samplePoints,
          params.seed,
        ),
        sampleUsers: sampleUsers.map((u) =>
          _sampleUser(model1, u, { train: fold1.train, titles, minRatings })
        ),
        similarMovies: similarIds.flatMap((id) => {
          const similar = model1.similar(id, 10);
          if (!similar || similar.length === 0) return [];
          return [{
            movieId: id,
            title: _title(titles, id),
            similar: similar.filter((s) => Number.isFinite(s.score)).map((s) => ({
              movieId: s.movieId,
              title: _title(titles, s.movieId),
              score: s.score,
            })),
          }];
        }),
        dataSummary,
        stageTimings: [],
      } satisfies RunReportData,
    );
    const timings: ModelTimingsFile = {
      model: m.name,
      fitSeconds: fitTimes(m.folds.map((_, i) => m.fitSeconds?.[i] ?? null)),
      evaluateSeconds: results.map(({ fold, result }) => ({ fold, ...result.seconds })),
    };
    perModel.push({ name: m.name, metrics, timings, report });
  }
  const rows: SummaryRow[] = perModel.map(({ name, metrics }) => ({
    model: name,
    folds: metrics.folds,
    metrics: Object.fromEntries(
      Object.entries(metrics.metrics).map((
        [key, s],
      ) => [key, { mean: s.mean, halfWidth: s.halfWidth }]),
    ),
  }));
  rows.sort((a, b) =>
    _orInf(a.metrics.rmse?.mean) - _orInf(b.metrics.rmse?.mean) || a.model.localeCompare(b.model)
  );
  return {
    perModel,
    summary: { k: params.k, relevanceThreshold: params.relevanceThreshold, models: rows },
  };
}

function _orInf(x: number | undefined): number {
  return x === undefined || !Number.isFinite(x) ? Infinity : x;
}

/**
 * The end-of-pipeline comparison table: model, RMSE, MAE, explained variance,
 * P@k, NDCG@k and fit seconds (the mean over folds, and the total when there
 * are several), best RMSE first; `mean ± half width` of the 95% CI when there
 * are several folds.
 *
 * @example
 * ```ts
 * import { formatComparisonTable } from "./evaluate.ts";
 * const table = formatComparisonTable({
 *   k: 10,
 *   relevanceThreshold: 4,
 *   models: [{ model: "svd", folds: 1, metrics: { rmse: { mean: 0.93, halfWidth: null } } }],
 * }, { svd: { mean: 0.2, total: 0.2, perFold: [0.2] } });
 * if (!table.includes("svd") || !table.includes("0.9300") || !table.includes("0.20")) {
 *   throw new Error(table);
 * }
 * ```
 */
export function formatComparisonTable(
  summary: EvaluationSummary,
  fit: Readonly<Record<string, FitTimes>> = {},
): string {
  const k = summary.k;
  const columns: Array<[string, string]> = [
    ["RMSE", "rmse"],
    ["MAE", "mae"],
    ["EV", "explained_variance"],
    [`P@${k}`, `precision_at_${k}`],
    [`NDCG@${k}`, `ndcg_at_${k}`],
  ];
  const rows = [...summary.models].sort((a, b) =>
    _orInf(a.metrics.rmse?.mean) - _orInf(b.metrics.rmse?.mean) || a.model.localeCompare(b.model)
  );
  const folded = rows.some((r) => r.folds > 1);
  const header = [
    "model",
    ...columns.map(([label]) => label),
    folded ? "fit s (mean, total)" : "fit s",
  ];
  const body = rows.map((r) => [
    r.model + (r.folds > 1 ? ` (${r.folds} folds)` : ""),
    ...columns.map(([, key]) => {
      const v = r.metrics[key];
      if (!v || !Number.isFinite(v.mean)) return "-";
      return v.halfWidth !== null && Number.isFinite(v.halfWidth)
        ? `${v.mean.toFixed(4)} ± ${v.halfWidth.toFixed(4)}`
        : v.mean.toFixed(4);
    }),
    _fitCell(fit[r.model], r.folds),
  ]);
  const align: Align[] = header.map((_, c) => c === 0 ? "left" : "right");
  return formatTable(header, body, { align, rule: true });
}

function _fitCell(t: FitTimes | undefined, folds: number): string {
  if (!t || t.mean === null || t.total === null) return "-";
  return folds > 1 ? `${t.mean.toFixed(2)}, ${t.total.toFixed(2)}` : t.mean.toFixed(2);
}

function _titles(movies: pl.DataFrame): Map<number, string> {
  const out = new Map<number, string>();
  if (!movies.columns.includes("movieId") || !movies.columns.includes("title")) return out;
  const ids = movies.getColumn("movieId").cast(pl.Int32).toTypedArray() as Int32Array;
  const names = movies.getColumn("title").toArray() as Array<string | null>;
  for (let j = 0; j < ids.length; j++) out.set(ids[j]!, names[j] ?? `movie ${ids[j]}`);
  return out;
}

function _title(titles: Map<number, string>, id: number): string {
  return titles.get(id) ?? `movie ${id}`;
}

/** Users of the fold-1 test set known in train with the most training ratings >= 4, seeded pick. */
function _pickSampleUsers(train: Ratings, test: Ratings, count: number, seed: number): number[] {
  if (count === 0) return [];
  const liked = new Map<number, number>();
  for (let e = 0; e < train.rating.length; e++) {
    const u = train.userId[e]!;
    liked.set(u, (liked.get(u) ?? 0) + (train.rating[e]! >= 4 ? 1 : 0));
  }
  const candidates = [...new Set(test.userId)].filter((u) => (liked.get(u) ?? 0) >= 5).sort((
    a,
    b,
  ) => a - b);
  const pool = candidates.length >= count
    ? candidates
    : [...new Set(test.userId)].filter((u) => liked.has(u));
  const order = new Prng(seed).shuffle(Int32Array.from(pool));
  return Array.from(order.subarray(0, count)).sort((a, b) => a - b);
}

function _sampleUser(
  model: Recommender,
  userId: number,
  context: { train: Ratings; titles: Map<number, string>; minRatings: number },
) {
  const { train, titles, minRatings } = context;
  const rows: Array<{ movieId: number; rating: number; ts: number }> = [];
  for (let e = 0; e < train.rating.length; e++) {
    if (train.userId[e] === userId) {
      rows.push({ movieId: train.movieId[e]!, rating: train.rating[e]!, ts: train.timestamp[e]! });
    }
  }
  rows.sort((a, b) => b.rating - a.rating || b.ts - a.ts || a.movieId - b.movieId);
  const recs = model.recommend(userId, 10, { excludeSeen: true, minRatings });
  // The unclipped score beside the shown one, so lists that tie at the top of the scale show
  // their real order (models with a raw scoring path only).
  const raw = new Map<number, number>();
  if (recs.ok && _hasRawScoring(model)) {
    const ids = model.rawItemIds();
    const scores = new Float32Array(ids.length);
    model.rawScores(userId, scores);
    const position = new Map<number, number>();
    for (let j = 0; j < ids.length; j++) position.set(ids[j]!, j);
    for (const s of recs.items) {
      const j = position.get(s.movieId);
      if (j !== undefined && Number.isFinite(scores[j]!)) raw.set(s.movieId, scores[j]!);
    }
  }
  return {
    userId,
    topRated: rows.slice(0, 5).map((r) => ({
      movieId: r.movieId,
      title: _title(titles, r.movieId),
      rating: r.rating,
    })),
    recommendations: recs.ok
      ? recs.items.filter((s) => Number.isFinite(s.score)).map((s) => ({
        movieId: s.movieId,
        title: _title(titles, s.movieId),
        score: s.score,
        ...(raw.has(s.movieId) ? { rawScore: raw.get(s.movieId)! } : {}),
      }))
      : [],
    scorer: recs.ok ? recs.scorer : "unknown-user",
  };
}

/** Movie ids of the wanted titles present in the training data; else the 3 most-rated movies. */
function _similarMovieIds(
  movies: pl.DataFrame,
  train: Ratings,
  wanted: readonly string[],
): number[] {
  const inTrain = new Map<number, number>();
  for (const m of train.movieId) inTrain.set(m, (inTrain.get(m) ?? 0) + 1);
  const byTitle = new Map<string, number>();
  for (const [id, title] of _titles(movies)) if (!byTitle.has(title)) byTitle.set(title, id);
  const found = wanted.map((t) => byTitle.get(t)).filter((id): id is number =>
    id !== undefined && inTrain.has(id)
  );
  if (found.length > 0) return found;
  return [...inTrain.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3).map(([id]) =>
    id
  );
}

function _sample(test: Ratings, predicted: Float32Array, count: number, seed: number) {
  const n = test.rating.length;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  if (count < n) new Prng(seed).shuffle(idx);
  const chosen = Array.from(idx.subarray(0, Math.min(count, n))).sort((a, b) => a - b);
  return chosen
    .filter((i) => Number.isFinite(predicted[i]!))
    .map((i) => ({ actual: test.rating[i]!, predicted: predicted[i]! }));
}

function _dataSummary(
  all: Ratings,
  fold1: { train: Ratings; test: Ratings },
  catalog: number,
): RunReportData["dataSummary"] {
  const n = all.rating.length;
  let lo = Infinity, hi = -Infinity, tMin = Infinity, tMax = -Infinity;
  const values = new Set<number>();
  for (let e = 0; e < n; e++) {
    const r = all.rating[e]!;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
    values.add(r);
    const t = all.timestamp[e]!;
    if (t < tMin) tMin = t;
    if (t > tMax) tMax = t;
  }
  const sorted = [...values].sort((a, b) => a - b);
  let step = Infinity;
  for (let j = 1; j < sorted.length; j++) step = Math.min(step, sorted[j]! - sorted[j - 1]!);
  const iso = (t: number) => new Date(Number.isFinite(t) ? t * 1000 : 0).toISOString().slice(0, 10);
  return {
    ratings: n,
    users: new Set(all.userId).size,
    /** The catalog (movies.parquet), or the rated movies when that is larger. */
    movies: Math.max(catalog, new Set(all.movieId).size),
    trainRatings: fold1.train.rating.length,
    testRatings: fold1.test.rating.length,
    ratingScale: {
      min: Number.isFinite(lo) ? lo : 0,
      max: Number.isFinite(hi) ? hi : 0,
      ...(Number.isFinite(step) ? { step: Math.round(step * 1e6) / 1e6 } : {}),
    },
    dateRange: { first: iso(tMin), last: iso(tMax) },
  };
}

/** Reads and loads one saved model folder (`manifest.json` + `model.bin`). */
export async function readModelFolder(
  dir: string,
): Promise<{ model: Recommender; manifest: ModelManifest }> {
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(join(dir, fileName(modelManifestFile))));
  } catch (e) {
    throw new Error(
      `Cannot read model ${join(dir, fileName(modelManifestFile))}: ${
        (e as Error).message
      }; re-run the train stage`,
    );
  }
  const data = await Deno.readFile(join(dir, fileName(modelBlobFile)));
  return { model: loadModel({ manifest, data }), manifest };
}

/** `fitSeconds` of a model folder's `timings.json`, null when it has none. */
async function _readFitSeconds(dir: string): Promise<number | null> {
  try {
    const t = JSON.parse(await Deno.readTextFile(join(dir, TIMINGS_FILE)));
    return typeof t?.fitSeconds === "number" ? t.fitSeconds : null;
  } catch {
    return null;
  }
}

/** Replaces NaN and infinities by null so the JSON is valid and honest. */
function _json(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
    2,
  ) + "\n";
}

/** The `evaluate` stage. */
export const evaluateStage = defineStage({
  name: "evaluate",
  description:
    "RMSE, MAE, explained variance, ranking metrics per model and fold; comparison table",
  deps: [modelsFolder.path, splitFolder.path, processedFolder.path],
  outs: [metricsFolder.path],
  params: evaluateParams,
  code: import.meta.url,
  async run(ctx) {
    const modelsDir = ctx.inputs[modelsFolder.path]!;
    const splitDir = ctx.inputs[splitFolder.path]!;
    const processed = ctx.inputs[processedFolder.path]!;
    const out = ctx.outputs[metricsFolder.path]!;
    const params = ctx.params;

    const folds = (await splitFoldDirs(splitDir)).map((d) => ({
      train: ratingsFromFrame(readTable(trainTable, d), pathIn(trainTable, d)),
      test: ratingsFromFrame(readTable(testTable, d), pathIn(testTable, d)),
    }));

    let names = await trainedModelNames(modelsDir);
    if (params.models) {
      const missing = params.models.filter((m) => !names.includes(m));
      if (missing.length > 0) {
        throw new Error(
          `Cannot evaluate model "${missing[0]}": no folder data/models/${missing[0]}/ (trained: ${
            names.join(", ") || "none"
          }); fix evaluate.models or train it`,
        );
      }
      names = names.filter((n) => params.models!.includes(n));
    }
    if (names.length === 0) {
      throw new Error("Cannot evaluate: data/models holds no model; run the train stage");
    }

    const procedure = trainParams.parse(ctx.allParams.train ?? {});
    // Each fold's data hashes, once for all models: of its training ratings, and (only asked
    // for when train.refit is false) of those minus the validation holdout the models fit on.
    const foldHashes = folds.map((f) => {
      let all: string | undefined, fitted: string | undefined;
      return {
        all: () => all ??= hashRatings(f.train),
        fitted: () => fitted ??= fittedRatings(f.train, procedure).hash,
      };
    });
    const models: ModelUnderTest[] = [];
    for (const name of names) {
      const perFold: Array<Recommender | null> = [];
      const artifacts: Array<(() => ModelArtifact) | null> = [];
      const fitSeconds: Array<number | null> = [];
      let manifest: ModelManifest | undefined;
      let floor: number | undefined;
      for (let i = 1; i <= folds.length; i++) {
        const dir = modelFoldDir(join(modelsDir, name), i);
        if (i > 1 && !(await pathExists(join(dir, fileName(modelManifestFile))))) {
          perFold.push(null);
          artifacts.push(null);
          fitSeconds.push(null);
          continue;
        }
        fitSeconds.push(await _readFitSeconds(dir));
        const loaded = await readModelFolder(dir);
        if (i === 1) {
          manifest = loaded.manifest;
          floor = (await readValidationReport(dir))?.minRatings;
        }
        const hash = loaded.manifest.trainDataHash;
        // With train.refit false a model is fit on the fold minus its validation holdout.
        if (
          hash && hash !== foldHashes[i - 1]!.all() && hash !== foldHashes[i - 1]!.fitted()
        ) {
          throw new Error(
            `Cannot evaluate model ${name} (${dir}): it was trained on other data than fold ${i}'s training set (data hash ${
              hash.slice(0, 12)
            }...); re-run the train stage (deno task pipeline --from train)`,
          );
        }
        perFold.push(loaded.model);
        artifacts.push(() => ({
          manifest: loaded.manifest,
          data: Deno.readFileSync(join(dir, "model.bin")),
        }));
      }
      const missing = perFold.filter((m) => m === null).length;
      if (missing > 0) {
        ctx.progress.warn(
          `model ${name}: ${missing} of ${folds.length} folds not trained; evaluating the rest`,
        );
      }
      models.push({
        name,
        folds: perFold,
        artifacts,
        fitSeconds,
        ...(manifest ? { manifest } : {}),
        ...(floor !== undefined ? { minRatings: floor } : {}),
      });
    }

    const movies = readTable(moviesTable, processed);
    const ratings = ratingsFromFrame(readTable(ratingsTable, processed));
    const total = models.reduce((s, m) => s + m.folds.filter(Boolean).length, 0);
    let done = 0;
    const output = evaluateModels({ models, folds, movies, ratings }, params, {
      signal: ctx.signal,
      onFold(model, fold, result) {
        done++;
        ctx.progress.update(done, total, "model folds");
        const m = result.metrics;
        ctx.progress.info(
          `${model} fold ${fold}: RMSE ${m.rmse?.toFixed(4)}, MAE ${
            m.mae?.toFixed(4)
          }, NDCG@${params.k} ${m[`ndcg_at_${params.k}`]?.toFixed(4)} (predict ${
            formatSeconds(result.seconds.predict)
          }, rank ${formatSeconds(result.seconds.rank)})`,
        );
      },
    });

    await Deno.mkdir(out, { recursive: true });
    for (const m of output.perModel) {
      await writeTextAtomic(pathIn(metricsFile, out, { model: m.name }), _json(m.metrics));
      await writeTextAtomic(pathIn(reportDataFile, out, { model: m.name }), _json(m.report));
      await writeTextAtomic(join(out, m.name, TIMINGS_FILE), _json(m.timings));
    }
    await writeTextAtomic(pathIn(metricsSummaryFile, out), _json(output.summary));

    // No champion is picked here: the select stage does that on the holdout, never on this
    // test set. The stage's headline is the lowest test RMSE, for the log only.
    const champion = output.summary.models[0]!.model;
    const best = output.perModel.find((m) => m.name === champion)!;
    const metrics: Record<string, number> = {};
    for (const [key, s] of Object.entries(best.metrics.metrics)) {
      if (Number.isFinite(s.mean)) metrics[key] = s.mean;
      if (s.lower !== null && s.upper !== null) {
        metrics[ciLowKey(key)] = s.lower;
        metrics[ciHighKey(key)] = s.upper;
      }
    }
    const rmse = best.metrics.metrics.rmse?.mean;
    return {
      summary: `${output.perModel.length} model(s) x ${folds.length} fold(s); lowest test RMSE ${
        rmse?.toFixed(4)
      } (${champion})`,
      metrics,
    };
  },
});
