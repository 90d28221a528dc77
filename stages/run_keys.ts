/**
 * The names under which the pipeline logs a run and the report reads it back:
 * metric keys, tag keys, param keys and the report artifacts' paths. The
 * pipeline's writers (train, evaluate, tracking) and the report generator both
 * import these constants so that they cannot drift apart. The contract lives
 * beside the stages, not in `report/`, so the stages that measure and log
 * (evaluate, track) import nothing of the report.
 *
 * @module
 */

/** Metric keys of a run (the last point of each is the run's value). */
export const METRIC_KEYS = {
  rmse: "rmse",
  mae: "mae",
  explainedVariance: "explained_variance",
  precisionAt10: "precision_at_10",
  recallAt10: "recall_at_10",
  ndcgAt10: "ndcg_at_10",
  mapAt10: "map_at_10",
  hitRateAt10: "hit_rate_at_10",
  coverage: "coverage",
  /** Fraction of concordant pairs (Surprise's FCP). */
  fcp: "fcp",
  /** Per-epoch training loss; one point per epoch, `step` = epoch number. */
  trainLoss: "train_loss",
  /** Per-epoch validation loss; one point per epoch, `step` = epoch number. */
  validationLoss: "validation_loss",
  /** Wall-clock seconds of the whole pipeline run. */
  durationSeconds: "duration_s",
} as const;

/** Suffix of the lower bound of a metric's confidence interval (k-fold runs). */
export const CI_LOW_SUFFIX = "_ci_low";
/** Suffix of the upper bound of a metric's confidence interval (k-fold runs). */
export const CI_HIGH_SUFFIX = "_ci_high";

/**
 * Key of the lower confidence bound of a metric.
 *
 * @example
 * ```ts
 * import { ciLowKey } from "./run_keys.ts";
 * if (ciLowKey("rmse") !== "rmse_ci_low") throw new Error("unexpected key");
 * ```
 */
export function ciLowKey(metric: string): string {
  return `${metric}${CI_LOW_SUFFIX}`;
}

/** Key of the upper confidence bound of a metric (`rmse` -> `rmse_ci_high`). */
export function ciHighKey(metric: string): string {
  return `${metric}${CI_HIGH_SUFFIX}`;
}

/** Tag keys of a run. */
export const TAG_KEYS = {
  /** Model name, e.g. `biased_mf`, `svd`, `popularity`. */
  model: "model",
  datasetName: "dataset.name",
  /** Content hash of the dataset file. */
  datasetHash: "dataset.hash",
  gitCommit: "git.commit",
  /** Stages whose result was reused from the cache: comma-separated stage names. */
  cachedStages: "pipeline.cached_stages",
  /** Id of the pipeline invocation that recorded the run (the report attaches its pages). */
  invocation: "pipeline.invocation",
  /**
   * What the run's results follow from: a hash of every stage's key (data,
   * params, code) and of where the runs go. An invocation whose key a run
   * already carries records nothing new (`stages/track.ts`).
   */
  resultsKey: "pipeline.results_key",
  /** Link to the run in MLflow, when the run was synced there (also `RunRecord.mlflowUrl`). */
  mlflowUrl: "mlflow.url",
} as const;

/**
 * Param keys the report treats specially. Params are flattened as
 * `<stage>.<name>`; any `train.*` param is shown as a key param of the run.
 */
export const PARAM_KEYS = {
  /** Prefix of the train params; the "key params" column shows the shorthands below and `train.<model>.*`. */
  trainPrefix: "train.",
  factors: "train.factors",
  regularization: "train.reg",
  epochs: "train.epochs",
  learningRate: "train.lr",
  folds: "evaluate.folds",
} as const;

/**
 * Alternative names accepted for the sweep axes, searched in order after the
 * canonical key, so a sweep over `train.regularization` is still charted.
 */
export const SWEEP_PARAM_ALIASES = {
  factors: [PARAM_KEYS.factors, "train.k", "train.n_factors", "train.rank"],
  regularization: [
    PARAM_KEYS.regularization,
    "train.regularization",
    "train.lambda",
    "train.reg_all",
  ],
} as const;

/** Artifact path (relative to the run's artifact root) of the run's {@linkcode RunReportData}. */
export const REPORT_DATA_ARTIFACT = "report_data.json";

/** Artifact path of the run's report page snapshot, attached by the report stage. */
export const REPORT_PAGE_ARTIFACT = "report.html";
