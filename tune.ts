/**
 * `deno task tune --model NAME --trials N [--write]`: random search over a
 * model's zod-declared ranges (`recommender/tuning/search_space.ts`) with the median
 * stopping rule for bad trials (`recommender/tuning/tuner.ts`), on a validation
 * split carved from the pipeline's TRAINING ratings
 * (`data/interim/split/train.parquet`; the test set is never read). Every
 * trial is a tracked run in the project's run store (MLflow when
 * `MLFLOW_TRACKING_URI` is set), tagged `kind=tune`; with `--write` the best
 * trial's values go to `train.<model>` in the params file (atomic write,
 * comments kept). Rating models optimize validation RMSE, ranking models
 * (`task: "ranking"`) validation NDCG@10; `--metric` overrides.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import { writeTextAtomic } from "./lib/atomic.ts";
import { pathExists } from "./lib/path_exists.ts";
import { readParamsFile } from "./dag/params.ts";
import {
  createModel,
  modelConfigSchema,
  modelNameSchema,
} from "./recommender/models/model_registry.ts";
import { searchSpace } from "./recommender/tuning/search_space.ts";
import {
  type TrialResult,
  type TuneMetric,
  tuneModel,
  type TuneResult,
} from "./recommender/tuning/tuner.ts";
import { modelConfig, readMovieContent, trainParams } from "./stages/train.ts";
import { ratingsFromFrame } from "./stages/ratings_frame.ts";
import { openRunStore, type RunStore, withRun } from "./tracking/mod.ts";
import { featuresFolder, pathIn, readTable, splitFolder, trainTable } from "./data_catalog/mod.ts";

const USAGE = `Usage: deno task tune --model NAME --trials N [options]

Random search over the model's declared ranges on a validation split of the
pipeline's training ratings (run \`deno task pipeline\` first); every trial is a
tracked run.

  --model NAME        a registered model with tunable fields
  --trials N          number of trials (trial 1 is the current config)
  --write             write the best values to train.NAME in the params file
  --metric M          rmse | ndcg (default: rmse, ndcg for ranking models)
  --params FILE       params file (default params.yaml)
  --split DIR         split folder (default data/interim/split)
  --features DIR      features folder for content models (default data/features)
  --seed S            seed of the validation split and the draws (default 42)
  --validation F      share of the training ratings used for validation (default 0.1)
  --runs DIR          local run store (default runs)
`;

/** Options of {@linkcode runTune}. */
export interface RunTuneOptions {
  readonly model: string;
  readonly trials: number;
  readonly write?: boolean;
  readonly metric?: TuneMetric;
  readonly paramsPath?: string;
  readonly splitDir?: string;
  readonly featuresDir?: string;
  readonly seed?: number;
  readonly validationFraction?: number;
  /** The run store; default: `openRunStore` on `runs/` (MLflow when configured). */
  readonly store?: RunStore;
  readonly log?: (line: string) => void;
}

/**
 * Runs a tuning session: reads the params and the split's TRAINING ratings,
 * searches, tracks every trial, and with `write` updates the params file.
 */
export async function runTune(options: RunTuneOptions): Promise<TuneResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const name = modelNameSchema.safeParse(options.model);
  if (!name.success) {
    throw new Error(
      `Cannot tune model "${options.model}": it is not registered; use one of ${
        modelNameSchema.options.join(", ")
      }`,
    );
  }
  const model = name.data;
  const space = searchSpace(modelConfigSchema(model), model);
  if (space.length === 0) {
    throw new Error(
      `Cannot tune model "${model}": its config declares no ranges; add .meta({ tune: { min, max } }) to the fields to search`,
    );
  }
  const paramsPath = options.paramsPath ?? "params.yaml";
  const params = await readParamsFile(paramsPath);
  const train = trainParams.parse(params.train ?? {});
  const splitDir = options.splitDir ?? splitFolder.path;
  const trainPath = pathIn(trainTable, splitDir);
  if (!(await pathExists(trainPath))) {
    throw new Error(
      `Cannot tune: ${trainPath} does not exist; run \`deno task pipeline\` (or \`--only split\`) first`,
    );
  }
  const ratings = ratingsFromFrame(readTable(trainTable, splitDir), trainPath);
  const content = await readMovieContent(options.featuresDir ?? featuresFolder.path);
  const probe = createModel(model, modelConfig(train, model));
  const ranking = (probe as { task?: unknown }).task === "ranking";
  const metric: TuneMetric = options.metric ?? (ranking ? "ndcg" : "rmse");
  const tracking = (params.tracking ?? {}) as { experiment?: string };
  const store = options.store ??
    openRunStore({ experiment: tracking.experiment ?? "movie-recommender" });
  const session = new Date().toISOString();
  const metricKey = metric === "rmse" ? "validation_rmse" : "validation_ndcg_at_10";
  log(
    `Tuning ${model} (${metric === "rmse" ? "validation RMSE" : "validation NDCG@10"}): ${
      space.map((d) => d.key).join(", ")
    }; ${options.trials} trials on ${ratings.rating.length} training ratings`,
  );
  const result = await tuneModel(ratings, {
    create: (c) => createModel(model, c),
    baseConfig: modelConfig(train, model),
    space,
    trials: options.trials,
    metric,
    seed: options.seed ?? 42,
    validationFraction: options.validationFraction ?? 0.1,
    ...(content ? { content } : {}),
    onTrial: async (t: TrialResult) => {
      await withRun(store, {
        runName: `tune ${model} #${t.trial}`,
        tags: { kind: "tune", model, trial: String(t.trial), status: t.status, session },
      }, async (run) => {
        await run.logParams(
          Object.fromEntries(
            Object.entries(t.config).map(([k, v]) => [`train.${model}.${k}`, String(v)]),
          ),
        );
        await run.logMetrics([
          { key: metricKey, value: t.score },
          { key: "fit_seconds", value: t.fitSeconds },
          ...(t.budgetScore !== null ? [{ key: `${metricKey}_budget`, value: t.budgetScore }] : []),
        ]);
      });
      log(
        `  #${t.trial} ${t.status === "pruned" ? "pruned " : ""}${metric} ${t.score.toFixed(4)} (${
          t.fitSeconds.toFixed(1)
        } s) ${JSON.stringify(t.params)}`,
      );
    },
  });
  log(
    `Best: trial #${result.best.trial}, ${metric} ${result.best.score.toFixed(4)}: ${
      JSON.stringify(result.best.params)
    }`,
  );
  if (options.write) {
    await writeBestParams(paramsPath, model, result.best.params);
    log(`Wrote train.${model} to ${paramsPath}`);
  }
  return result;
}

/**
 * Sets `train.<model>.<key>` for every tuned value in a params file, keeping
 * its comments and other keys; written atomically (temporary file, rename).
 */
export async function writeBestParams(
  path: string,
  model: string,
  values: Readonly<Record<string, unknown>>,
): Promise<void> {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new Error(`Cannot update ${path}: ${doc.errors[0]!.message}; fix the YAML first`);
  }
  for (const [key, value] of Object.entries(values)) doc.setIn(["train", model, key], value);
  await writeTextAtomic(path, doc.toString());
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      model: { type: "string" },
      trials: { type: "string" },
      write: { type: "boolean", default: false },
      metric: { type: "string" },
      params: { type: "string" },
      split: { type: "string" },
      features: { type: "string" },
      seed: { type: "string" },
      validation: { type: "string" },
      runs: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || !values.model || !values.trials) {
    console.log(USAGE);
    Deno.exit(values.help ? 0 : 2);
  }
  if (values.metric !== undefined && values.metric !== "rmse" && values.metric !== "ndcg") {
    console.error(`Cannot tune: --metric must be rmse or ndcg, got "${values.metric}"`);
    Deno.exit(2);
  }
  try {
    await runTune({
      model: values.model,
      trials: Number(values.trials),
      write: values.write,
      ...(values.metric ? { metric: values.metric as TuneMetric } : {}),
      ...(values.params ? { paramsPath: values.params } : {}),
      ...(values.split ? { splitDir: values.split } : {}),
      ...(values.features ? { featuresDir: values.features } : {}),
      ...(values.seed ? { seed: Number(values.seed) } : {}),
      ...(values.validation ? { validationFraction: Number(values.validation) } : {}),
      ...(values.runs ? { store: openRunStore({ root: values.runs }) } : {}),
    });
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(1);
  }
}
