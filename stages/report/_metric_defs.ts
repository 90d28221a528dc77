/**
 * How the report labels, formats and compares each metric.
 *
 * @module
 */
import { METRIC_KEYS } from "../run_keys.ts";

/** Label, precision and better direction of one metric. */
export interface MetricDef {
  readonly key: string;
  /** Column header. */
  readonly short: string;
  /** Full name, for tooltips and the run page. */
  readonly label: string;
  readonly digits: number;
  readonly better: "lower" | "higher";
}

/** The run-level metrics shown in tables and compare pages, in display order. */
export const METRIC_DEFS: readonly MetricDef[] = [
  {
    key: METRIC_KEYS.rmse,
    short: "RMSE",
    label: "Root mean squared error",
    digits: 4,
    better: "lower",
  },
  { key: METRIC_KEYS.mae, short: "MAE", label: "Mean absolute error", digits: 4, better: "lower" },
  {
    key: METRIC_KEYS.explainedVariance,
    short: "Expl. var.",
    label: "Explained variance",
    digits: 4,
    better: "higher",
  },
  {
    key: METRIC_KEYS.precisionAt10,
    short: "P@10",
    label: "Precision@10",
    digits: 4,
    better: "higher",
  },
  { key: METRIC_KEYS.recallAt10, short: "R@10", label: "Recall@10", digits: 4, better: "higher" },
  { key: METRIC_KEYS.ndcgAt10, short: "NDCG@10", label: "NDCG@10", digits: 4, better: "higher" },
  { key: METRIC_KEYS.mapAt10, short: "MAP@10", label: "MAP@10", digits: 4, better: "higher" },
  {
    key: METRIC_KEYS.hitRateAt10,
    short: "HR@10",
    label: "Hit rate@10",
    digits: 4,
    better: "higher",
  },
  {
    key: METRIC_KEYS.coverage,
    short: "Coverage",
    label: "Catalogue coverage",
    digits: 4,
    better: "higher",
  },
  {
    key: METRIC_KEYS.fcp,
    short: "FCP",
    label: "Fraction of concordant pairs",
    digits: 4,
    better: "higher",
  },
];

/** The definition of a metric key, if the report knows it. */
export function metricDef(key: string): MetricDef | undefined {
  return METRIC_DEFS.find((d) => d.key === key);
}
