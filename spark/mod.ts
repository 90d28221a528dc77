/**
 * Training on Apache Spark: the PySpark jobs of this folder (`als_train.py`)
 * run as subprocesses and write factor tables the recommender reads back.
 *
 * @module
 */
export { findSpark, PYSPARK_VERSION, type SparkRuntime } from "./find_spark.ts";
export {
  runSparkJob,
  type RunSparkJobOptions,
  type SparkJobEvent,
  sparkMaster,
} from "./run_spark_job.ts";
export { fitSparkAls, type FitSparkAlsOptions, SPARK_ALS_SCRIPT } from "./fit_spark_als.ts";
export { isSparkModel, SPARK_MODELS, sparkModelsKey } from "./spark_models.ts";
