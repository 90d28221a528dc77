/**
 * Train stage: `data/interim/split` -> `data/models/<model>/` for every model
 * in `train.models`, one model per fold (fold 1 at the top, the others under
 * `folds/<i>/`). Each folder holds `manifest.json` + `model.bin`
 * (`recommender/core/model.ts`) + `timings.json` ({@linkcode ModelTimings}: how
 * long the fit and each epoch took, kept out of the output's content hash,
 * see `dag/hash.ts`); the manifest holds no clock reading, so the same model
 * is the same bytes on every run. Its `extra` records, for iterative models,
 * the per-epoch train/validation loss of
 * the early-stopping pass.
 *
 * From {@linkcode LANES_MIN_RATINGS} training ratings, a fold's models are
 * fitted side by side on one worker thread per core (`_train_pool.ts`),
 * longest first; each model file is the same bytes either way.
 *
 * Models that stop early (biased-mf: its config has `patience`) first train on the training ratings minus
 * a seeded validation holdout, stopping early when the validation RMSE stops
 * improving; with `refit` (default) they are then trained again on all the
 * training ratings for the epoch count that pass chose.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic, writeTextAtomic } from "../lib/atomic.ts";
import { formatSeconds } from "../dag/progress.ts";
import type { Progress } from "../dag/progress.ts";
import { defineStage } from "../dag/stage.ts";
import { TIMINGS_FILE } from "../dag/hash.ts";
import type { EpochRecord, FitProgress, ModelArtifact } from "../recommender/core/model.ts";
import {
  createModel,
  modelConfigSchema,
  type ModelName,
  modelNames,
  modelNameSchema,
} from "../recommender/models/model_registry.ts";
import type { Ratings } from "../recommender/core/ratings.ts";
import { validateModel, type ValidationReport } from "../recommender/evaluation/validation.ts";
import { ratingsFromFrame } from "./ratings_frame.ts";
import { splitFoldDirs } from "./_split_folds.ts";
import { bestEpoch, fitStandalone } from "../recommender/models/fit_standalone.ts";
import {
  acceptsContent,
  type MovieContent,
  movieContent,
} from "../recommender/core/movie_content.ts";
import { pathExists } from "../lib/path_exists.ts";
import { kernelThreads } from "../recommender/kernels/kernel_threads.ts";
import { trainInLanes } from "./_train_pool.ts";
import { fitSparkAls, isSparkModel, sparkModelsKey } from "../spark/mod.ts";
import {
  featuresFolder,
  fileName,
  modelBlobFile,
  modelManifestFile,
  modelsFolder,
  movieGenresTable,
  pathIn,
  readTable,
  splitFolder,
  trainTable,
  validationFile,
} from "../data_catalog/mod.ts";

/**
 * The folder of fold `fold` (1-based) of a trained model: the model folder
 * itself for fold 1, `folds/<fold>/` inside it for the others.
 */
export function modelFoldDir(modelDir: string, fold: number): string {
  return fold === 1 ? modelDir : join(modelDir, "folds", String(fold));
}

/**
 * Sorted names of the trained models in `modelsDir`: its folders (not hidden)
 * that hold a `manifest.json`.
 */
export async function trainedModelNames(modelsDir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(modelsDir)) {
    if (
      e.isDirectory && !e.name.startsWith(".") &&
      await pathExists(pathIn(modelManifestFile, modelsDir, { model: e.name }))
    ) {
      names.push(e.name);
    }
  }
  return names.sort();
}

/** The holdout measurement in a model folder ({@linkcode ValidationReport}). */
export const VALIDATION_FILE: string = fileName(validationFile);

/**
 * A model folder's {@linkcode VALIDATION_FILE}: undefined when it has none
 * (trained with `validationFraction: 0`), an error naming the file when it is
 * not a report.
 */
export async function readValidationReport(dir: string): Promise<ValidationReport | undefined> {
  const path = join(dir, VALIDATION_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  let report: ValidationReport;
  try {
    report = JSON.parse(text);
  } catch (e) {
    throw new Error(`Cannot read ${path}: ${(e as Error).message}; re-run the train stage`);
  }
  if (!Number.isInteger(report?.minRatings) || report.minRatings < 0) {
    throw new Error(
      `Cannot read ${path}: "minRatings" must be a whole number >= 0; re-run the train stage`,
    );
  }
  return report;
}

/**
 * Models trained when `train.models` is not set: the rating models (the
 * classic svd and the ones that beat it) and the ranking models that are
 * cheap to fit (`ease`, `item-knn`, `ials`; the select stage picks one
 * champion per task). Opt-in: `blend` (refits its members), `svdpp`,
 * `timesvdpp`, `item-knn-baseline`, `hybrid`, `bpr`.
 */
export const DEFAULT_MODELS: readonly ModelName[] = [
  "global-mean",
  "popularity",
  "popular-count",
  "baseline",
  "svd",
  "biased-mf",
  "als",
  "ease",
  "item-knn",
  "ials",
];

/** Shared shorthands: `train.factors` sets `factors` of every model that has it, and so on. */
const SHARED_KEYS = {
  factors: "factors",
  reg: "regularization",
  epochs: "epochs",
  lr: "learningRate",
} as const;

const perModel = Object.fromEntries(
  modelNames.map((name) => [name, z.record(z.string(), z.unknown()).optional()]),
) as Record<ModelName, z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>>>;

/** The `train` params section. */
export const trainParams = z.object({
  /** Which models to train. */
  models: z.array(modelNameSchema).min(1).default([...DEFAULT_MODELS]),
  /** Latent factors of every factor model (overrides their defaults). */
  factors: z.number().int().positive().max(2000).optional(),
  /** Factor regularization of every model that has one. */
  reg: z.number().nonnegative().max(100).optional(),
  /** Epochs (maximum, with early stopping) of every model that has them. */
  epochs: z.number().int().positive().max(10000).optional(),
  /** SGD learning rate of every model that has one. */
  lr: z.number().positive().max(1).optional(),
  /**
   * Share of the training ratings held out (0 disables it): every model is
   * first fitted without it and measured on it (`validation.json`: what the
   * select stage picks champions by, and each model's support floor);
   * iterative models also stop early on it.
   */
  validationFraction: z.number().min(0).lt(1).default(0.1),
  /** After the holdout fit, train again on all training ratings (iterative models: the best epochs). */
  refit: z.boolean().default(true),
  /** How models are measured on the holdout. */
  selection: z.object({
    /** Cut-off of the ranking metrics (keep it equal to `evaluate.k`). */
    k: z.number().int().min(1).max(1000).default(10),
    /** A holdout rating at or above this is relevant (keep it equal to `evaluate.relevanceThreshold`). */
    relevanceThreshold: z.number().default(4),
    /** Support floors tried per model; the one with the best holdout NDCG@k is the model's floor. */
    minRatings: z.array(z.number().int().min(0)).min(1).default([0, 5, 10, 20, 50]),
    /**
     * Holdout users measured at most (a seeded sample of them beyond): picking
     * a model then costs a bounded ranking pass at any size.
     */
    maxUsers: z.number().int().min(1).default(20_000),
  }).strict().prefault({}),
  /** Seed of the validation holdout. */
  seed: z.number().int().default(42),
  ...perModel,
}).strict().superRefine((p, ctx) => {
  for (const name of p.models) {
    const result = modelConfigSchema(name).safeParse(modelConfig(p as TrainParams, name));
    if (!result.success) {
      for (const issue of result.error.issues) {
        ctx.addIssue({ ...issue, path: [name, ...issue.path] } as never);
      }
    }
  }
});

/** Parsed `train` params. */
export type TrainParams = z.output<typeof trainParams>;

function schemaKeys(name: ModelName): Set<string> {
  const schema = modelConfigSchema(name) as unknown as { shape?: Record<string, unknown> };
  return new Set(Object.keys(schema.shape ?? {}));
}

/** Shorthands whose values mean something else in a ranking model (another scale of loss). */
const RATING_ONLY = new Set(["reg", "lr"]);

/** Models trained to rank (their instances say `task: "ranking"`), by name. */
const _ranking = new Map<ModelName, boolean>();
function isRankingModel(name: ModelName): boolean {
  let r = _ranking.get(name);
  if (r === undefined) {
    r = (createModel(name) as { task?: string }).task === "ranking";
    _ranking.set(name, r);
  }
  return r;
}

/**
 * The config a model is built with: its defaults, then the shared shorthands
 * it understands, then its own section (`train.svd.factors` wins over
 * `train.factors`). `train.reg` and `train.lr` apply to rating models only:
 * a ranking model's regularization and learning rate are on another scale
 * (set them in its own section, e.g. `train.ials.regularization`).
 *
 * @example
 * ```ts
 * import { modelConfig, trainParams } from "./train.ts";
 * const p = trainParams.parse({ factors: 20, reg: 0.05, svd: { factors: 50 } });
 * if (modelConfig(p, "biased-mf").factors !== 20 || modelConfig(p, "svd").factors !== 50) throw new Error();
 * if (modelConfig(p, "ials").regularization !== undefined) throw new Error("reg is for rating models");
 * ```
 */
export function modelConfig(params: TrainParams, name: ModelName): Record<string, unknown> {
  const keys = schemaKeys(name);
  const config: Record<string, unknown> = {};
  for (const [shared, key] of Object.entries(SHARED_KEYS)) {
    const value = params[shared as keyof typeof SHARED_KEYS];
    if (value === undefined || !keys.has(key)) continue;
    if (RATING_ONLY.has(shared) && isRankingModel(name)) continue;
    config[key] = value;
  }
  if (name === "als" && params.epochs !== undefined && keys.has("iterations")) {
    config.iterations = params.epochs;
  }
  return { ...config, ...(params[name] ?? {}) };
}

/** `timings.json` of a model folder: the clock readings of its fit. */
export interface ModelTimings {
  /** Wall seconds of the whole fit (early-stopping pass and refit included). */
  readonly fitSeconds: number;
  /** Seconds of each epoch of the recorded history, in order (empty for closed-form models). */
  readonly epochSeconds: readonly number[];
  /** The model's other clock readings, e.g. biased-mf's `updatesPerSecond`. */
  readonly other: Readonly<Record<string, unknown>>;
  /** When the model file was packed (ISO 8601). */
  readonly trainedAt: string | null;
}

/** One trained model, ready to write. */
export interface TrainedModel {
  /** The holdout measurement (null when `validationFraction` is 0). */
  readonly validation: ValidationReport | null;
  readonly name: ModelName;
  readonly fold: number;
  /** The model file; its manifest holds no timings (those are in {@linkcode timings}). */
  readonly artifact: ModelArtifact;
  readonly fitSeconds: number;
  readonly history: readonly EpochRecord[];
  readonly timings: ModelTimings;
}

/**
 * Splits the clock readings out of a manifest's `extra`: every key ending in
 * `Seconds` or `PerSecond` (`fitSeconds`, `updatesPerSecond`, ...) and each
 * history record's `seconds`. What is left depends only on the data, the
 * params and the code.
 *
 * @example
 * ```ts
 * import { splitTimings } from "./train.ts";
 * const { extra, epochSeconds } = splitTimings({
 *   fitSeconds: 1.5, history: [{ epoch: 1, trainLoss: 0.9, seconds: 0.1 }],
 * });
 * if ("fitSeconds" in extra || epochSeconds[0] !== 0.1) throw new Error();
 * ```
 */
export function splitTimings(
  extra: Readonly<Record<string, unknown>>,
): { extra: Record<string, unknown>; epochSeconds: number[]; other: Record<string, unknown> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (!/(Seconds|PerSecond)$/.test(key)) out[key] = value;
  }
  const epochSeconds: number[] = [];
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (/(Seconds|PerSecond)$/.test(key) && key !== "fitSeconds") other[key] = value;
  }
  if (Array.isArray(extra.history)) {
    out.history = extra.history.map((h) => {
      if (typeof h !== "object" || h === null) return h;
      const { seconds, ...rest } = h as Record<string, unknown>;
      if (typeof seconds === "number") epochSeconds.push(seconds);
      return rest;
    });
  }
  return { extra: out, epochSeconds, other };
}

/** Options of {@linkcode trainModel}. */
export interface TrainOptions {
  readonly onProgress?: (p: FitProgress) => void;
  /** Movie content for the models that read it (`hybrid`, a blend with one). */
  readonly content?: MovieContent;
  /** The Parquet file `train` was read from (a Spark model's job reads it). */
  readonly trainPath?: string;
  /** Aborting stops a Spark model's job. */
  readonly signal?: AbortSignal;
  /** A Spark model's phases and errors, one line each. */
  readonly onLog?: (line: string) => void;
  /** A Spark model's task progress (finished and total tasks of one fit). */
  readonly onTasks?: (done: number, total: number, fit: string) => void;
}

/**
 * Fits one model on one fold's training ratings, with the early-stopping
 * pass and refit for iterative models (pure: no files).
 */
export async function trainModel(
  name: ModelName,
  train: Ratings,
  params: TrainParams,
  options: TrainOptions = {},
): Promise<Omit<TrainedModel, "fold">> {
  const config = modelConfig(params, name);
  const started = performance.now();
  // Every model makes the holdout pass: fitted without the holdout and measured on it (the
  // select stage's evidence and the model's support floor), then refitted on all of train.
  const procedure = {
    config,
    validationFraction: params.validationFraction,
    refit: params.refit,
    seed: params.seed,
  };
  // Spark models take the same steps in a PySpark job (spark/fit_spark_als.ts).
  const { model, history, holdout } = isSparkModel(name)
    ? await fitSparkAls(train, {
      ...procedure,
      ...(options.trainPath ? { trainPath: options.trainPath } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onLog ? { onLog: options.onLog } : {}),
      ...(options.onTasks ? { onTasks: options.onTasks } : {}),
    })
    : fitStandalone(train, {
      create: (c: Record<string, unknown>) => createModel(name, c),
      ...procedure,
      holdoutPass: true,
      ...(options.content ? { content: options.content } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  // Fit seconds: the holdout pass and the refit; measuring on the holdout is timed apart.
  const fitSeconds = (performance.now() - started) / 1000;
  const validated = performance.now();
  const validation: ValidationReport | null = holdout
    ? validateModel(holdout.model, holdout.train, holdout.test, {
      ...params.selection,
      seed: params.seed,
    })
    : null;
  const validationSeconds = (performance.now() - validated) / 1000;
  const saved = await model.save();
  const { extra, epochSeconds, other } = splitTimings({
    ...saved.manifest.extra,
    history,
    validationSeconds: Number(validationSeconds.toFixed(4)),
  });
  const { trainedAt, ...manifest } = saved.manifest;
  const artifact: ModelArtifact = { manifest: { ...manifest, extra }, data: saved.data };
  return {
    name,
    artifact,
    fitSeconds,
    history,
    validation,
    timings: {
      fitSeconds: Number(fitSeconds.toFixed(4)),
      epochSeconds,
      other,
      trainedAt: trainedAt ?? null,
    },
  };
}

/** The epoch (1-based) with the lowest validation loss (the rule every model trains by). */
export { bestEpoch };

/** What the stage keeps of a trained model once its folder is written. */
export interface TrainedSummary {
  readonly fitSeconds: number;
  readonly history: readonly EpochRecord[];
}

/** Writes a trained model's folder (model file, manifest, timings, holdout report), each file atomically. */
export async function writeModel(
  dir: string,
  trained: { artifact: ModelArtifact; timings: ModelTimings; validation: ValidationReport | null },
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, fileName(modelBlobFile)), trained.artifact.data);
  await writeTextAtomic(
    join(dir, fileName(modelManifestFile)),
    JSON.stringify(trained.artifact.manifest, null, 2) + "\n",
  );
  await writeTextAtomic(join(dir, TIMINGS_FILE), JSON.stringify(trained.timings, null, 2) + "\n");
  if (trained.validation) {
    await writeTextAtomic(
      join(dir, VALIDATION_FILE),
      JSON.stringify(trained.validation, (_k, v) => Number.isNaN(v) ? null : v, 2) + "\n",
    );
  }
}

/**
 * Epoch progress of one model, saying which pass it is: with a holdout, the
 * first pass stops early on it and the second (the epoch count starts over)
 * refits on all training ratings.
 */
function reporter(
  progress: Progress,
  at: { name: string; fold: number; folds: number; holdout: boolean },
) {
  let pass = 1;
  let last = 0;
  return (p: FitProgress) => {
    if (p.epoch !== undefined && p.epochs !== undefined) {
      if (p.epoch < last) pass++;
      last = p.epoch;
      const which = !at.holdout
        ? ""
        : pass === 1
        ? ", early-stopping pass on the holdout"
        : ", refit on all training ratings";
      progress.update(
        p.epoch,
        p.epochs,
        `epochs of ${at.name}${at.folds > 1 ? ` fold ${at.fold}` : ""}${which}`,
      );
    }
  };
}

/**
 * The movie content of the features stage's output (`movie_genres.parquet`:
 * genres, tag counts and release year), for the
 * models that read content. Undefined when the genre table is missing.
 */
export async function readMovieContent(dir: string): Promise<MovieContent | undefined> {
  if (!(await pathExists(pathIn(movieGenresTable, dir)))) return undefined;
  const g = readTable(movieGenresTable, dir);
  const ids = g.getColumn("movieId").toArray() as number[];
  // The year from each movie's title, rated or not (a new movie has no rating to carry it).
  const year = new Map<number, number>();
  if (g.columns.includes("release_year")) {
    const y = g.getColumn("release_year").toArray() as Array<number | null>;
    for (let e = 0; e < ids.length; e++) if (y[e] !== null) year.set(ids[e]!, y[e]!);
  }
  const genres: Record<string, number[]> = {};
  for (const c of g.columns) {
    if (c.startsWith("genre_") && c !== "genre_count") {
      genres[c] = g.getColumn(c).toArray() as number[];
    }
  }
  return movieContent({
    movieId: ids,
    genres,
    releaseYear: ids.map((id) => year.get(id) ?? null),
    tagCount: g.getColumn("tag_count").toArray() as number[],
    tagUsers: g.getColumn("tag_users").toArray() as number[],
  });
}

/**
 * Training ratings from which a fold's models are fitted on worker threads
 * (below, starting the threads and loading the code in each costs more
 * than it saves).
 */
export const LANES_MIN_RATINGS = 20_000;

/**
 * Worker threads for a fold's `models` models fitted on `ratings` ratings:
 * one per kernel thread ({@linkcode kernelThreads}), at most one per model;
 * 1 means in this thread, one model after another.
 */
export function trainLanes(models: number, ratings: number): number {
  return ratings < LANES_MIN_RATINGS ? 1 : Math.max(1, Math.min(kernelThreads(), models));
}

/**
 * Rough fit cost of the models at scale relative to each other (seconds of
 * fit and holdout measurement at 25M ratings, `reports/bench/pipeline_scale_25M.md`),
 * to order a first run's lanes; any model not listed counts as 60.
 */
const COST_PRIOR: Partial<Record<ModelName, number>> = {
  "global-mean": 4,
  popularity: 5,
  "popular-count": 6,
  baseline: 6,
  svd: 96,
  "biased-mf": 119,
  als: 139,
  ease: 169,
  "item-knn": 47,
  ials: 167,
};

/**
 * Seconds each model took on this fold in the last run (its fit and holdout
 * measurement, from `timings.json` in `modelsDir`); without one, its
 * {@linkcode COST_PRIOR}, scaled to this fold's size, so that the longest
 * models start first on a first run too.
 */
async function previousCosts(
  modelsDir: string,
  names: readonly ModelName[],
  fold: number,
  ratings: number,
): Promise<Map<ModelName, number>> {
  const cost = new Map<ModelName, number>();
  for (const name of names) {
    let seconds = (COST_PRIOR[name] ?? 60) * (ratings / 20e6);
    try {
      const t = JSON.parse(
        await Deno.readTextFile(join(modelFoldDir(join(modelsDir, name), fold), TIMINGS_FILE)),
      ) as Partial<ModelTimings>;
      const validation = Number(t.other?.validationSeconds ?? 0);
      if (typeof t.fitSeconds === "number") seconds = t.fitSeconds + (validation || 0);
    } catch {
      // no earlier run (or an unreadable file): the prior
    }
    cost.set(name, seconds);
  }
  return cost;
}

/** The `train` stage. */
export const trainStage = defineStage({
  name: "train",
  description: "Fit every model in train.models on each fold's training ratings -> data/models",
  deps: [splitFolder.path, featuresFolder.path],
  outs: [modelsFolder.path],
  params: trainParams,
  code: import.meta.url,
  // A Spark model's PySpark job is code too, but not a TypeScript import.
  extraKey: (params) => sparkModelsKey(params.models),
  async run(ctx) {
    const { params, progress } = ctx;
    const dirs = await splitFoldDirs(ctx.inputs[splitFolder.path]!);
    const out = ctx.outputs[modelsFolder.path]!;
    const fitLines = new Map<ModelName, string>();
    const content = params.models.some((n) =>
        acceptsContent(createModel(n, modelConfig(params, n)))
      )
      ? await readMovieContent(ctx.inputs[featuresFolder.path]!)
      : undefined;
    for (const [index, dir] of dirs.entries()) {
      const fold = index + 1;
      const trainPath = pathIn(trainTable, dir);
      const train = ratingsFromFrame(readTable(trainTable, dir), trainPath);
      const report = new Map(
        params.models.map((name) => [
          name,
          reporter(progress, {
            name,
            fold,
            folds: dirs.length,
            holdout: params.validationFraction > 0,
          }),
        ]),
      );
      const written = (name: ModelName, trained: TrainedSummary) => {
        const last = trained.history.at(-1);
        const loss = last?.validationLoss !== undefined
          ? `, best validation RMSE ${
            Math.min(...trained.history.map((h) => h.validationLoss ?? Infinity)).toFixed(4)
          } at epoch ${bestEpoch(trained.history)}`
          : "";
        progress.info(
          `${name}${dirs.length > 1 ? ` fold ${fold}/${dirs.length}` : ""}: fit ${
            formatSeconds(trained.fitSeconds)
          } on ${train.rating.length.toLocaleString("en-US")} ratings${loss}`,
        );
        if (fold === 1) fitLines.set(name, `${name} ${formatSeconds(trained.fitSeconds)}`);
      };
      const inProcess = async (name: ModelName) => {
        ctx.signal.throwIfAborted();
        const trained = await trainModel(name, train, params, {
          onProgress: report.get(name)!,
          ...(content ? { content } : {}),
          trainPath,
          signal: ctx.signal,
          onLog: (line) => progress.info(`${name}: ${line}`),
          onTasks: (done, total, fit) =>
            progress.update(done, total, `Spark tasks (${name} ${fit})`),
        });
        await writeModel(modelFoldDir(join(out, name), fold), trained);
        written(name, trained);
      };
      // Spark models run in their own process: this thread only waits on them, beside the lanes.
      const pooled = params.models.filter((name) => !isSparkModel(name));
      const lanes = trainLanes(pooled.length, train.rating.length);
      if (lanes > 1) {
        // Longest first (the last run's timings, else a prior), so no lane ends on a long model alone.
        const cost = await previousCosts(
          join(ctx.root, modelsFolder.path),
          pooled,
          fold,
          train.rating.length,
        );
        pooled.sort((a, b) => cost.get(b)! - cost.get(a)!);
      }
      if (lanes <= 1) {
        for (const name of params.models) await inProcess(name);
        continue;
      }
      progress.info(`fitting ${pooled.length} models on ${lanes} worker threads`);
      const spark = params.models.filter(isSparkModel);
      await Promise.all([
        trainInLanes({
          lanes,
          train,
          params,
          ...(content ? { content } : {}),
          trainPath,
          jobs: pooled.map((name) => ({ name, dir: modelFoldDir(join(out, name), fold) })),
          onProgress: (name, p) => report.get(name)!(p),
          onDone: written,
          signal: ctx.signal,
        }),
        (async () => {
          for (const name of spark) await inProcess(name);
        })(),
      ]);
    }
    const lines = params.models.flatMap((name) => fitLines.get(name) ?? []);
    await Deno.mkdir(out, { recursive: true });
    return {
      summary: `${params.models.length} models x ${dirs.length} fold(s): ${lines.join(", ")}`,
    };
  },
});
