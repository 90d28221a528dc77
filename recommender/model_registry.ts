/**
 * The model registry: every model by its name, to create from a config or
 * load from a model file (dispatching on `manifest.model`).
 *
 * @module
 */
import { z } from "zod";
import type { ModelArtifact, Recommender } from "./model.ts";
import type { FactorView } from "./factor_view.ts";
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

interface _Entry {
  readonly schema: () => z.ZodType;
  readonly create: (config: unknown) => RegisteredModel;
  readonly load: (artifact: ModelArtifact) => RegisteredModel;
  readonly description: string;
}

// deno-lint-ignore no-explicit-any
type _Any = any;

const _registry = {
  "global-mean": {
    schema: () => globalMeanConfigSchema,
    create: (c: unknown) => new GlobalMean(c as _Any),
    load: (a: ModelArtifact) => GlobalMean.load(a),
    description: "the mean of all training ratings",
  },
  baseline: {
    schema: () => baselineConfigSchema,
    create: (c: unknown) => new BaselineOnly(c as _Any),
    load: (a: ModelArtifact) => BaselineOnly.load(a),
    description: "global mean + user and item biases (Surprise BaselineOnly)",
  },
  popularity: {
    schema: () => popularityConfigSchema,
    create: (c: unknown) => new Popularity(c as _Any),
    load: (a: ModelArtifact) => Popularity.load(a),
    description: "weighted-rating popular list",
  },
  svd: {
    schema: () => truncatedSvdConfigSchema,
    create: (c: unknown) => new TruncatedSVD(c as _Any),
    load: (a: ModelArtifact) => TruncatedSVD.load(a),
    description: "randomized truncated SVD of the user-mean-centred matrix",
  },
  "biased-mf": {
    schema: () => biasedMfConfigSchema,
    create: (c: unknown) => new BiasedMF(c as _Any),
    load: (a: ModelArtifact) => BiasedMF.load(a),
    description: "Funk SVD with biases trained by SGD",
  },
  als: {
    schema: () => alsConfigSchema,
    create: (c: unknown) => new ALS(c as _Any),
    load: (a: ModelArtifact) => ALS.load(a),
    description: "explicit ALS with biases",
  },
  svdpp: {
    schema: () => svdppConfigSchema,
    create: (c: unknown) => new SVDpp(c as _Any),
    load: (a: ModelArtifact) => SVDpp.load(a),
    description: "SVD++: biased MF plus the implicit feedback of which movies a user rated",
  },
  timesvdpp: {
    schema: () => timeSvdppConfigSchema,
    create: (c: unknown) => new TimeSVDpp(c as _Any),
    load: (a: ModelArtifact) => TimeSVDpp.load(a),
    description: "SVD++ with time-aware biases (user drift and day bias, item bias by time bin)",
  },
  "item-knn-baseline": {
    schema: () => itemKnnBaselineConfigSchema,
    create: (c: unknown) => new ItemKnnBaseline(c as _Any),
    load: (a: ModelArtifact) => ItemKnnBaseline.load(a),
    description: "item-item kNN on baseline residuals, shrunk Pearson (Surprise KNNBaseline)",
  },
  hybrid: {
    schema: () => hybridConfigSchema,
    create: (c: unknown) => new Hybrid(c as _Any),
    load: (a: ModelArtifact) => Hybrid.load(a),
    description: "biased MF plus movie content (genres, tags, year): predicts unrated movies",
  },
  blend: {
    schema: () => blendConfigSchema,
    create: (c: unknown) => new Blend(c as _Any, _factory),
    load: (a: ModelArtifact) => Blend.load(a, _factory),
    description: "linear blend of other models, weights fit on a training holdout",
  },
  ease: {
    schema: () => easeConfigSchema,
    create: (c: unknown) => new EASE(c as _Any),
    load: (a: ModelArtifact) => EASE.load(a),
    description: "EASE closed-form item-item ranking model (Steck 2019), primal or dual solve",
  },
  "item-knn": {
    schema: () => itemKnnConfigSchema,
    create: (c: unknown) => new ItemKNN(c as _Any),
    load: (a: ModelArtifact) => ItemKNN.load(a),
    description: "item-item cosine neighbours with shrinkage on the positives (ranking)",
  },
  "popular-count": {
    schema: () => popularCountConfigSchema,
    create: (c: unknown) => new PopularCount(c as _Any),
    load: (a: ModelArtifact) => PopularCount.load(a),
    description: "the most-rated movies (ranking baseline)",
  },
  ials: {
    schema: () => ialsConfigSchema,
    create: (c: unknown) => new IALS(c as _Any),
    load: (a: ModelArtifact) => IALS.load(a),
    description: "implicit ALS (Hu et al. 2008) with frequency-scaled regularization (ranking)",
  },
  bpr: {
    schema: () => bprConfigSchema,
    create: (c: unknown) => new BPR(c as _Any),
    load: (a: ModelArtifact) => BPR.load(a),
    description: "BPR matrix factorization, SGD with uniform negative sampling (ranking)",
  },
  "spark-als": {
    schema: () => sparkAlsConfigSchema,
    create: (c: unknown) => new SparkALS(c as _Any),
    load: (a: ModelArtifact) => SparkALS.load(a),
    description:
      "Spark MLlib ALS (explicit with biases, or implicitPrefs), trained by a PySpark job",
  },
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
  return _entry(name).create(config);
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
