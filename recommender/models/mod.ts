/**
 * The models (rating and ranking), their registry and the one training procedure.
 *
 * @module
 */
export { GlobalMean, globalMeanConfigSchema } from "./global_mean.ts";
export {
  type BaselineConfig,
  baselineConfigSchema,
  BaselineOnly,
  fitBiases,
} from "./baseline_only.ts";
export { Popularity, popularityConfigSchema } from "./popularity_model.ts";
export {
  TruncatedSVD,
  type TruncatedSvdConfig,
  truncatedSvdConfigSchema,
} from "./truncated_svd.ts";
export { BiasedMF, type BiasedMfConfig, biasedMfConfigSchema } from "./biased_mf.ts";
export { ALS, type AlsConfig, alsConfigSchema } from "./als.ts";
export { Blend, type BlendConfig, blendConfigSchema, type BlendFactory } from "./blend.ts";
export { EASE, type EaseConfig, easeConfigSchema } from "./ease.ts";
export { ItemKNN, type ItemKnnConfig, itemKnnConfigSchema } from "./item_knn.ts";
export {
  PopularCount,
  type PopularCountConfig,
  popularCountConfigSchema,
} from "./popular_count.ts";
export { IALS, type IalsConfig, ialsConfigSchema } from "./ials.ts";
export { BPR, type BprConfig, bprConfigSchema } from "./bpr.ts";
export {
  createModel,
  describeModels,
  loadModel,
  modelConfigSchema,
  type ModelName,
  modelNames,
  modelNameSchema,
  type RegisteredModel,
} from "./model_registry.ts";
