/**
 * Which registered models train in Spark, and the cache-key part of their
 * code that is not TypeScript (the PySpark job, which `dag/hash.ts` does not
 * follow).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { SPARK_ALS_SCRIPT } from "./fit_spark_als.ts";

/** The models the train stage hands to Spark instead of fitting them in process. */
export const SPARK_MODELS: readonly string[] = ["spark-als"];

/**
 * True for a model that trains in Spark.
 *
 * @example
 * ```ts
 * import { isSparkModel } from "./spark_models.ts";
 * if (!isSparkModel("spark-als") || isSparkModel("als")) throw new Error();
 * ```
 */
export function isSparkModel(name: string): boolean {
  return SPARK_MODELS.includes(name);
}

/**
 * The train stage's extra cache key: the sha256 of the PySpark job when a
 * Spark model is among `models`, else "" (so editing the job retrains only
 * pipelines that use it).
 */
export async function sparkModelsKey(models: readonly string[]): Promise<string> {
  if (!models.some(isSparkModel)) return "";
  const script = await Deno.readFile(SPARK_ALS_SCRIPT);
  return `spark/als_train.py:${createHash("sha256").update(script).digest("hex")}`;
}
