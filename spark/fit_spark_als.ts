/**
 * Trains `spark-als` the way every model is trained (`fitStandalone`'s
 * procedure: a fit without the seeded validation holdout, measured on it,
 * then with `refit` a fit on all the training ratings), with both fits in
 * one Spark application (`spark/als_train.py`), and reads the factor tables
 * back into {@linkcode SparkALS} models.
 *
 * The full fit reads the split stage's own Parquet file when `trainPath` is
 * given; the holdout's training part (a subset only this process knows, the
 * same rows every model is measured without) is written to a temporary
 * Parquet file first.
 *
 * @module
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import { type Ratings, selectRows } from "../recommender/core/ratings.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import type { StandaloneFit } from "../recommender/models/fit_standalone.ts";
import {
  SparkALS,
  sparkAlsConfigSchema,
  type SparkFactorTable,
  type SparkFitSummary,
} from "../recommender/models/spark_als.ts";
import { REPO_ROOT, type SparkRuntime } from "./find_spark.ts";
import { runSparkJob, type SparkJobEvent } from "./run_spark_job.ts";

/** The PySpark job of `spark-als`. */
export const SPARK_ALS_SCRIPT: string = join(REPO_ROOT, "spark", "als_train.py");

/** Options of {@linkcode fitSparkAls}. */
export interface FitSparkAlsOptions {
  /** The `spark-als` config (validated here). */
  readonly config: Record<string, unknown>;
  /** The Parquet file `train` was read from (the split stage's); written to a temp file when unset. */
  readonly trainPath?: string;
  /** Share of the training ratings held out (0: no holdout fit). */
  readonly validationFraction: number;
  /** After the holdout fit, fit again on all the training ratings. */
  readonly refit: boolean;
  /** Seed of the validation holdout (the same rows as every other model's). */
  readonly seed: number;
  /** Aborting kills the Spark job. */
  readonly signal?: AbortSignal;
  /** Phases of the job and Spark's errors, one line each. */
  readonly onLog?: (line: string) => void;
  /** Finished and total tasks of the running Spark stages of one fit (`holdout`, `full`). */
  readonly onTasks?: (done: number, total: number, fit: string) => void;
  /** Python and Java (default: found by `findSpark`). */
  readonly runtime?: SparkRuntime;
}

function writeRatings(ratings: Ratings, path: string): void {
  pl.DataFrame({
    userId: Array.from(ratings.userId),
    movieId: Array.from(ratings.movieId),
    rating: Array.from(ratings.rating),
  }).writeParquet(path);
}

async function readTable(dir: string, k: number): Promise<SparkFactorTable> {
  const parts: pl.DataFrame[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".parquet")) parts.push(pl.readParquet(join(dir, e.name)));
  }
  if (parts.length === 0) {
    throw new Error(`Cannot read spark-als factors: ${dir} has no Parquet part files`);
  }
  const df = parts.length === 1 ? parts[0]! : pl.concat(parts);
  const n = df.height;
  const factors = new Float32Array(n * k);
  for (let f = 0; f < k; f++) {
    const col = df.getColumn(`f${f}`).toArray() as number[];
    for (let j = 0; j < n; j++) factors[j * k + f] = col[j]!;
  }
  return {
    ids: Int32Array.from(df.getColumn("id").toArray() as number[]),
    bias: Float32Array.from(df.getColumn("bias").toArray() as number[]),
    factors,
  };
}

async function readFit(
  train: Ratings,
  dir: string,
  config: Record<string, unknown>,
): Promise<SparkALS> {
  const k = sparkAlsConfigSchema.parse(config).factors;
  const summary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json"))) as SparkFitSummary;
  return SparkALS.fromFactors(train, {
    config,
    users: await readTable(join(dir, "users"), k),
    items: await readTable(join(dir, "items"), k),
    summary,
  });
}

function jobArgs(config: Record<string, unknown>): string[] {
  const c = sparkAlsConfigSchema.parse(config);
  return [
    `--factors=${c.factors}`,
    `--iterations=${c.iterations}`,
    `--regularization=${c.regularization}`,
    `--bias-regularization=${c.biasRegularization}`,
    `--bias-rounds=${c.biasRounds}`,
    `--alpha=${c.alpha}`,
    `--seed=${c.seed}`,
    `--blocks=${c.blocks}`,
    ...(c.implicitPrefs ? ["--implicit"] : []),
  ];
}

/**
 * Fits `spark-als` on `train` in Spark (see the module doc); resolves like
 * `fitStandalone`. History is empty: MLlib reports no per-iteration loss.
 *
 * @example
 * ```ts ignore
 * import { fitSparkAls } from "./fit_spark_als.ts";
 * const { model, holdout } = await fitSparkAls(train, {
 *   config: { factors: 30, master: "local[2]" }, trainPath: "data/interim/split/train.parquet",
 *   validationFraction: 0.1, refit: true, seed: 42,
 * });
 * ```
 */
export async function fitSparkAls(
  train: Ratings,
  options: FitSparkAlsOptions,
): Promise<StandaloneFit<SparkALS>> {
  const c = sparkAlsConfigSchema.parse(options.config);
  const config = options.config;
  const tmp = await Deno.makeTempDir({ prefix: "spark-als-" });
  // On Ctrl-C the pipeline may exit before the finally below runs: remove the folder at once.
  const removeNow = () => {
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch { /* already gone */ }
  };
  options.signal?.addEventListener("abort", removeNow, { once: true });
  try {
    const fits: Array<[label: string, input: string, out: string]> = [];
    let holdout: { train: Ratings; test: Ratings } | undefined;
    if (options.validationFraction > 0) {
      const fold = randomSplit(train, {
        testFraction: options.validationFraction,
        seed: options.seed,
      }).folds[0]!;
      holdout = { train: selectRows(train, fold.train), test: selectRows(train, fold.test) };
      writeRatings(holdout.train, join(tmp, "holdout_train.parquet"));
      fits.push(["holdout", join(tmp, "holdout_train.parquet"), join(tmp, "holdout")]);
    }
    if (!holdout || options.refit) {
      let input = options.trainPath;
      if (!input) writeRatings(train, input = join(tmp, "train.parquet"));
      fits.push(["full", input, join(tmp, "full")]);
    }
    const onEvent = (e: SparkJobEvent) => {
      if (e.event === "tasks") {
        options.onTasks?.(Number(e.done), Number(e.total), String(e.fit));
      } else if (e.event === "phase" || e.event === "started" || e.event === "done") {
        options.onLog?.(describe(e));
      }
    };
    await runSparkJob(SPARK_ALS_SCRIPT, [
      ...jobArgs(config),
      ...fits.flatMap((f) => ["--fit", ...f]),
    ], {
      ...(c.master ? { master: c.master } : {}),
      submitOptions: c.submitOptions,
      onEvent,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onLog ? { onLog: options.onLog } : {}),
      ...(options.runtime ? { runtime: options.runtime } : {}),
    });
    const held = holdout ? await readFit(holdout.train, join(tmp, "holdout"), config) : undefined;
    const model = !holdout || options.refit
      ? await readFit(train, join(tmp, "full"), config)
      : held!;
    return {
      model,
      history: [],
      ...(holdout && held ? { holdout: { model: held, ...holdout } } : {}),
    };
  } finally {
    options.signal?.removeEventListener("abort", removeNow);
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

function describe(e: SparkJobEvent): string {
  const at = e.t !== undefined ? ` (${e.t}s)` : "";
  const fit = e.fit ? `${e.fit} fit: ` : "";
  if (e.event === "started") {
    return `Spark ${e.sparkVersion} started on ${e.master} (parallelism ${e.parallelism})${at}`;
  }
  if (e.event === "done") {
    const rmse = typeof e.trainRmse === "number" ? `, train RMSE ${e.trainRmse.toFixed(4)}` : "";
    return `${fit}done in ${e.fitSeconds}s${rmse}`;
  }
  return `${fit}${e.message}${at}`;
}
