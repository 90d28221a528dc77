/**
 * Fixture runs and report data for the report's tests: built in code, shaped
 * like what the pipeline logs (keys from `keys.ts`).
 *
 * @module
 */
import type { MetricPoint, RunRecord, RunStatus } from "../../tracking/types.ts";
import { ciHighKey, ciLowKey, METRIC_KEYS, TAG_KEYS } from "../run_keys.ts";
import type { RunReportData } from "../run_report_data.ts";

/** A movie title that exercises every escaping path. */
export const NASTY_TITLE = `Amélie "<script>alert('x')</script>" & Co — 東京物語 </script>`;

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

function _point(value: number, step = 0, timestamp = T0): MetricPoint {
  return { value, step, timestamp };
}

/** Options of {@linkcode makeRun}. */
export interface FixtureRunOptions {
  readonly id: string;
  readonly status?: RunStatus;
  readonly model?: string;
  readonly startTime?: number;
  readonly rmse?: number;
  readonly mae?: number;
  readonly explainedVariance?: number;
  readonly factors?: number;
  readonly reg?: number;
  /** Half-width of a confidence interval on every metric (k-fold run). */
  readonly ci?: number;
  readonly runName?: string;
  readonly epochs?: number;
  readonly cachedStages?: readonly string[];
  readonly extraTags?: Readonly<Record<string, string>>;
  readonly mlflowUrl?: string;
}

/** A run as the pipeline would log it; FAILED runs get no evaluation metrics. */
export function makeRun(options: FixtureRunOptions): RunRecord {
  const status = options.status ?? "FINISHED";
  const startTime = options.startTime ?? T0;
  const metrics: Record<string, MetricPoint[]> = {};
  const epochs = options.epochs ?? 5;
  metrics[METRIC_KEYS.trainLoss] = Array.from(
    { length: epochs },
    (_, e) => _point(1.2 * Math.exp(-e / 4) + 0.55, e + 1, startTime + e * 1000),
  );
  if (status === "FINISHED") {
    metrics[METRIC_KEYS.validationLoss] = Array.from(
      { length: epochs },
      (_, e) => _point(1.25 * Math.exp(-e / 5) + 0.7, e + 1, startTime + e * 1000),
    );
    const rmse = options.rmse ?? 0.88;
    const values: Record<string, number> = {
      [METRIC_KEYS.rmse]: rmse,
      [METRIC_KEYS.mae]: options.mae ?? rmse * 0.77,
      [METRIC_KEYS.explainedVariance]: options.explainedVariance ?? 1.2 - rmse,
      [METRIC_KEYS.precisionAt10]: 0.08,
      [METRIC_KEYS.recallAt10]: 0.05,
      [METRIC_KEYS.ndcgAt10]: 0.11,
      [METRIC_KEYS.mapAt10]: 0.04,
      [METRIC_KEYS.hitRateAt10]: 0.42,
      [METRIC_KEYS.coverage]: 0.31,
      [METRIC_KEYS.fcp]: 0.7,
      [METRIC_KEYS.durationSeconds]: 12.5,
    };
    for (const [k, v] of Object.entries(values)) {
      metrics[k] = [_point(v)];
      if (options.ci !== undefined && k !== METRIC_KEYS.durationSeconds) {
        metrics[ciLowKey(k)] = [_point(v - options.ci)];
        metrics[ciHighKey(k)] = [_point(v + options.ci)];
      }
    }
  }
  const params: Record<string, string> = {
    "etl.source": "ml-latest-small.zip",
    "split.seed": "42",
    "train.epochs": String(epochs),
  };
  if (options.factors !== undefined) params["train.factors"] = String(options.factors);
  if (options.reg !== undefined) params["train.reg"] = String(options.reg);
  return {
    runId: options.id,
    experiment: "movie-recommender",
    runName: options.runName ?? `run-${options.id}`,
    status,
    startTime,
    endTime: status === "RUNNING" ? undefined : startTime + 12_500,
    params,
    metrics,
    tags: {
      [TAG_KEYS.model]: options.model ?? "biased_mf",
      [TAG_KEYS.datasetName]: "ml-latest-small",
      [TAG_KEYS.datasetHash]: "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
      [TAG_KEYS.gitCommit]: "0123456789abcdef",
      [TAG_KEYS.cachedStages]: (options.cachedStages ?? ["etl", "features"]).join(","),
      ...options.extraTags,
    },
    artifacts: ["model/manifest.json", "report_data.json"],
    mlflowUrl: options.mlflowUrl,
  };
}

/**
 * `n` runs an hour apart: a sweep over factors and regularisation across
 * three models, every 10th run failed, every 7th a k-fold run with CIs.
 */
export function makeRuns(n: number): RunRecord[] {
  const models = ["biased_mf", "svd", "item_knn"];
  const factors = [10, 25, 50, 100, 200];
  const regs = [0.001, 0.01, 0.05, 0.1, 0.5];
  return Array.from({ length: n }, (_, i) => {
    const f = factors[i % factors.length]!;
    const r = regs[Math.floor(i / 5) % regs.length]!;
    const model = models[i % models.length]!;
    const rmse = 0.86 + 0.02 * Math.abs(Math.log10(r / 0.05)) + 6 / (f + 40) * 0.1 +
      (model === "svd" ? 0.05 : model === "item_knn" ? 0.02 : 0) + ((i * 37) % 11) / 1000;
    return makeRun({
      id: `run${String(i).padStart(4, "0")}`,
      status: i % 10 === 9 ? "FAILED" : "FINISHED",
      model,
      startTime: T0 + i * 3_600_000,
      rmse,
      factors: f,
      reg: r,
      ci: i % 7 === 3 ? 0.012 : undefined,
    });
  });
}

/** Report data of a run, with {@linkcode NASTY_TITLE} among the titles. */
export function makeReportData(): RunReportData {
  const bins = Array.from({ length: 16 }, (_, i) => {
    const x0 = -4 + i * 0.5;
    return { x0, x1: x0 + 0.5, count: Math.round(4000 * Math.exp(-((x0 + 0.25) ** 2) / 0.8)) };
  });
  const sample = Array.from({ length: 600 }, (_, i) => {
    const actual = 0.5 + (i % 10) * 0.5;
    const predicted = Math.min(5, Math.max(0.5, 3.5 + (actual - 3.5) * 0.6 + Math.sin(i) * 0.5));
    return { actual, predicted };
  });
  const movie = (movieId: number, title: string) => ({ movieId, title });
  return {
    version: 1,
    errorHistogram: bins,
    predictedVsActual: sample,
    sampleUsers: [1, 42].map((userId) => ({
      userId,
      scorer: "model",
      topRated: [
        { ...movie(1, "Toy Story (1995)"), rating: 5 },
        { ...movie(2571, NASTY_TITLE), rating: 4.5 },
      ],
      recommendations: Array.from(
        { length: 10 },
        (_, k) => ({
          ...movie(100 + k, k === 3 ? NASTY_TITLE : `Movie ${k} (2001)`),
          score: 4.9 - k * 0.1,
        }),
      ),
    })),
    similarMovies: [
      {
        ...movie(1, "Toy Story (1995)"),
        similar: [
          { ...movie(3114, "Toy Story 2 (1999)"), score: 0.91 },
          { ...movie(2571, NASTY_TITLE), score: 0.52 },
        ],
      },
    ],
    dataSummary: {
      ratings: 100836,
      users: 610,
      movies: 9742,
      trainRatings: 80668,
      testRatings: 20168,
      ratingScale: { min: 0.5, max: 5, step: 0.5 },
      dateRange: { first: "1996-03-29", last: "2018-09-24" },
    },
    stageTimings: [
      { stage: "etl", status: "cached", seconds: 0.02, cachedFrom: "run0001" },
      { stage: "features", status: "cached", seconds: 0.01, cachedFrom: "run0001" },
      { stage: "split", status: "ran", seconds: 0.4 },
      { stage: "train", status: "ran", seconds: 6.3 },
      { stage: "evaluate", status: "ran", seconds: 2.1 },
    ],
  };
}
