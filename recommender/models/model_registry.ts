/**
 * The model registry: every model by its name, to create from a config or
 * load from a model file (dispatching on `manifest.model`).
 *
 * @module
 */
import { z } from "zod";
import type { ModelArtifact, Recommender } from "../core/model.ts";
import type { FactorView } from "../core/factor_view.ts";
import { _parseConfig } from "../core/_config.ts";
import { GlobalMean, globalMeanConfigSchema } from "./global_mean.ts";
import { baselineConfigSchema, BaselineOnly } from "./baseline_only.ts";
import { Popularity, popularityConfigSchema } from "./popularity_model.ts";
import { TruncatedSVD, truncatedSvdConfigSchema } from "./truncated_svd.ts";
import { BiasedMF, biasedMfConfigSchema } from "./biased_mf.ts";
import { ALS, alsConfigSchema } from "./als.ts";
import { Blend, blendConfigSchema, type BlendFactory } from "./blend.ts";
import { EASE, easeConfigSchema } from "./ease.ts";
import { ItemKNN, itemKnnConfigSchema } from "./item_knn.ts";
import { PopularCount, popularCountConfigSchema } from "./popular_count.ts";
import { IALS, ialsConfigSchema } from "./ials.ts";
import { BPR, bprConfigSchema } from "./bpr.ts";
import { SVDpp, svdppConfigSchema } from "./svdpp.ts";
import { TimeSVDpp, timeSvdppConfigSchema } from "./time_svdpp.ts";
import { ItemKnnBaseline, itemKnnBaselineConfigSchema } from "./item_knn_baseline.ts";
import { Hybrid, hybridConfigSchema } from "./hybrid.ts";
import { SparkALS, sparkAlsConfigSchema } from "./spark_als.ts";

/** A model of the registry; factor models also expose their factors. */
export type RegisteredModel = Recommender & { factors?: () => FactorView | null };

/**
 * One model of the registry: its config schema, how to create it from a
 * parsed config and how to load it from a model file.
 */
export interface ModelDefinition<S extends z.ZodType> {
  /** The model's zod config schema (read when first needed). */
  readonly schema: () => S;
  /** An unfitted model from a config the schema has parsed. */
  readonly create: (config: z.output<S>) => RegisteredModel;
  /** The model saved in `artifact`, the file validated. */
  readonly load: (artifact: ModelArtifact) => RegisteredModel;
  /** One line for help texts. */
  readonly description: string;
}

/** A registry entry with its schema's type erased: it parses the config it is given. */
interface _Entry {
  readonly schema: () => z.ZodType;
  readonly create: (config: unknown, name: string) => RegisteredModel;
  readonly load: (artifact: ModelArtifact) => RegisteredModel;
  readonly description: string;
}

/**
 * A registry entry: `create` receives the config parsed by `schema`, typed
 * by it, so the registry needs no casts.
 */
function defineModel<S extends z.ZodType>(definition: ModelDefinition<S>): _Entry {
  return {
    schema: definition.schema,
    create: (config, name) => definition.create(_parseConfig(definition.schema(), config, name)),
    load: definition.load,
    description: definition.description,
  };
}

const _registry = {
  "global-mean": defineModel({
    schema: () => globalMeanConfigSchema,
    create: (c) => new GlobalMean(c),
    load: (a) => GlobalMean.load(a),
    description: "the mean of all training ratings",
  }),
  baseline: defineModel({
    schema: () => baselineConfigSchema,
    create: (c) => new BaselineOnly(c),
    load: (a) => BaselineOnly.load(a),
    description: "global mean + user and item biases (Surprise BaselineOnly)",
  }),
  popularity: defineModel({
    schema: () => popularityConfigSchema,
    create: (c) => new Popularity(c),
    load: (a) => Popularity.load(a),
    description: "weighted-rating popular list",
  }),
  svd: defineModel({
    schema: () => truncatedSvdConfigSchema,
    create: (c) => new TruncatedSVD(c),
    load: (a) => TruncatedSVD.load(a),
    description: "randomized truncated SVD of the user-mean-centred matrix",
  }),
  "biased-mf": defineModel({
    schema: () => biasedMfConfigSchema,
    create: (c) => new BiasedMF(c),
    load: (a) => BiasedMF.load(a),
    description: "Funk SVD with biases trained by SGD",
  }),
  als: defineModel({
    schema: () => alsConfigSchema,
    create: (c) => new ALS(c),
    load: (a) => ALS.load(a),
    description: "explicit ALS with biases",
  }),
  svdpp: defineModel({
    schema: () => svdppConfigSchema,
    create: (c) => new SVDpp(c),
    load: (a) => SVDpp.load(a),
    description: "SVD++: biased MF plus the implicit feedback of which movies a user rated",
  }),
  timesvdpp: defineModel({
    schema: () => timeSvdppConfigSchema,
    create: (c) => new TimeSVDpp(c),
    load: (a) => TimeSVDpp.load(a),
    description: "SVD++ with time-aware biases (user drift and day bias, item bias by time bin)",
  }),
  "item-knn-baseline": defineModel({
    schema: () => itemKnnBaselineConfigSchema,
    create: (c) => new ItemKnnBaseline(c),
    load: (a) => ItemKnnBaseline.load(a),
    description: "item-item kNN on baseline residuals, shrunk Pearson (Surprise KNNBaseline)",
  }),
  hybrid: defineModel({
    schema: () => hybridConfigSchema,
    create: (c) => new Hybrid(c),
    load: (a) => Hybrid.load(a),
    description: "biased MF plus movie content (genres, tags, year): predicts unrated movies",
  }),
  blend: defineModel({
    schema: () => blendConfigSchema,
    create: (c) => new Blend(c, _factory),
    load: (a) => Blend.load(a, _factory),
    description: "linear blend of other models, weights fit on a training holdout",
  }),
  ease: defineModel({
    schema: () => easeConfigSchema,
    create: (c) => new EASE(c),
    load: (a) => EASE.load(a),
    description: "EASE closed-form item-item ranking model (Steck 2019), primal or dual solve",
  }),
  "item-knn": defineModel({
    schema: () => itemKnnConfigSchema,
    create: (c) => new ItemKNN(c),
    load: (a) => ItemKNN.load(a),
    description: "item-item cosine neighbours with shrinkage on the positives (ranking)",
  }),
  "popular-count": defineModel({
    schema: () => popularCountConfigSchema,
    create: (c) => new PopularCount(c),
    load: (a) => PopularCount.load(a),
    description: "the most-rated movies (ranking baseline)",
  }),
  ials: defineModel({
    schema: () => ialsConfigSchema,
    create: (c) => new IALS(c),
    load: (a) => IALS.load(a),
    description: "implicit ALS (Hu et al. 2008) with frequency-scaled regularization (ranking)",
  }),
  bpr: defineModel({
    schema: () => bprConfigSchema,
    create: (c) => new BPR(c),
    load: (a) => BPR.load(a),
    description: "BPR matrix factorization, SGD with uniform negative sampling (ranking)",
  }),
  "spark-als": defineModel({
    schema: () => sparkAlsConfigSchema,
    create: (c) => new SparkALS(c),
    load: (a) => SparkALS.load(a),
    description:
      "Spark MLlib ALS (explicit with biases, or implicitPrefs), trained by a PySpark job",
  }),
} satisfies Record<string, _Entry>;

const _factory: BlendFactory = { create: (n, c) => createModel(n, c), load: (a) => loadModel(a) };

/** A registered model name. */
export type ModelName = keyof typeof _registry;

/** Every registered model name. */
export const modelNames: readonly ModelName[] = Object.keys(_registry) as ModelName[];

/** zod schema of a model name (an enum of {@linkcode modelNames}). */
export const modelNameSchema = z.enum(modelNames as [ModelName, ...ModelName[]]);

/** The zod config schema of a model (for params files and JSON Schema export). */
export function modelConfigSchema(name: string): z.ZodType {
  return _entry(name).schema();
}

/** One line per model, for help texts. */
export function describeModels(): Array<{ name: ModelName; description: string }> {
  return modelNames.map((name) => ({ name, description: _registry[name].description }));
}

/**
 * Creates an unfitted model by name; the config is validated by the model's zod schema.
 *
 * @example
 * ```ts
 * import { createModel } from "./model_registry.ts";
 * const m = createModel("svd", { factors: 20 });
 * if (m.name !== "svd") throw new Error();
 * ```
 */
export function createModel(name: string, config: unknown = {}): RegisteredModel {
  return _entry(name).create(config, name);
}

/** Loads a saved model of any registered kind, validating the file. */
export function loadModel(artifact: ModelArtifact): RegisteredModel {
  const name = (artifact?.manifest as { model?: unknown } | undefined)?.model;
  if (typeof name !== "string") {
    throw new TypeError('Cannot load model: the manifest has no "model" name');
  }
  return _entry(name).load(artifact);
}

function _entry(name: string): _Entry {
  const parsed = modelNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new RangeError(
      `Unknown model "${name}": model: expected one of ${
        modelNames.map((n) => `"${n}"`).join(", ")
      }`,
    );
  }
  return _registry[parsed.data];
}
