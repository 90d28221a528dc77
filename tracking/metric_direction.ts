/**
 * Whether a metric is better lower (errors, losses) or higher (ranking
 * quality, explained variance), from its name.
 *
 * @module
 */

/** Which way a metric improves; undefined when its name does not say. */
export type MetricDirection = "lower" | "higher" | undefined;

const LOWER = new Set([
  "rmse",
  "mae",
  "mse",
  "loss",
  "error",
  "err",
  "perplexity",
  "latency",
  "seconds",
  "duration",
]);
const HIGHER = new Set([
  "ndcg",
  "precision",
  "recall",
  "map",
  "mrr",
  "hit",
  "hitrate",
  "coverage",
  "auc",
  "accuracy",
  "f1",
  "r2",
  "explained",
  "diversity",
  "novelty",
  "fcp", // fraction of concordant pairs
]);

/**
 * The direction of a metric, judged from the words of its key; "lower" words
 * win (`ndcg_loss` is a loss).
 *
 * @example
 * ```ts
 * import { metricDirection } from "./metric_direction.ts";
 * if (metricDirection("val_loss") !== "lower") throw new Error();
 * if (metricDirection("ndcg_at_10") !== "higher") throw new Error();
 * if (metricDirection("n_users") !== undefined) throw new Error();
 * ```
 */
export function metricDirection(key: string): MetricDirection {
  const words = key.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  if (words.some((w) => LOWER.has(w))) return "lower";
  if (words.some((w) => HIGHER.has(w))) return "higher";
  return undefined;
}
