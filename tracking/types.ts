/**
 * Types shared by the run stores (local and MLflow) and their readers
 * (the report stage, `deno task runs`). Shaped like MLflow's run entity so
 * that both stores hold the same information.
 *
 * @module
 */

import type { TaskAliasRequest } from "./task_alias.ts";

/** Final or current state of a run (MLflow's RunStatus values). */
export type RunStatus = "RUNNING" | "FINISHED" | "FAILED" | "KILLED";

/** One logged value of a metric; a metric with epochs has several steps. */
export interface MetricPoint {
  readonly value: number;
  readonly step: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/** A run as stored and as read back. */
export interface RunRecord {
  readonly runId: string;
  readonly experiment: string;
  readonly runName: string;
  readonly status: RunStatus;
  /** Milliseconds since the epoch. */
  readonly startTime: number;
  readonly endTime?: number;
  /** Flattened params: `train.factors` -> "100". Values are strings, as in MLflow. */
  readonly params: Readonly<Record<string, string>>;
  /** Metric history per key; the last point is the metric's value. */
  readonly metrics: Readonly<Record<string, readonly MetricPoint[]>>;
  /** Tags: `git.commit`, `dataset.name`, `model`, `stage.train.key`, ... */
  readonly tags: Readonly<Record<string, string>>;
  /** Artifact paths relative to the run's artifact root, e.g. `model/manifest.json`. */
  readonly artifacts: readonly string[];
  /** Local store only: false while the run still has to be pushed to MLflow. */
  readonly synced?: boolean;
  /** Where to view this run in MLflow, when it is there. */
  readonly mlflowUrl?: string;
  /** The run's id in MLflow once pushed (MLflow assigns its own ids). */
  readonly mlflowRunId?: string;
  /** Local store only: why the last push to MLflow failed (secrets redacted). */
  readonly syncError?: string;
  /** The model this run registered, if any. */
  readonly model?: RunModel;
}

/** A model registered by a run (local registry, and MLflow's once synced). */
export interface RunModel {
  /** Registered model name, e.g. `movie-recommender`. */
  readonly registeredName: string;
  /** The model's folder under the run's artifact root, e.g. `model`. */
  readonly artifactPath: string;
  /** The RMSE that decides whether this version becomes `champion`. */
  readonly rmse: number;
  /** Version in the store that holds the record (local registry for the local store). */
  readonly version?: string;
  /** Whether this version became `champion` when it was registered. */
  readonly champion?: boolean;
  /** Version in MLflow's registry once synced. */
  readonly mlflowVersion?: string;
  /** Whether this version became `champion` in MLflow's registry. */
  readonly mlflowChampion?: boolean;
  /** The task aliases it asked for (kept so that a later sync to MLflow asks for them too). */
  readonly taskAliases?: readonly TaskAliasRequest[];
}

/** The latest value of a metric, or undefined if the run has none. */
export function latestMetric(run: RunRecord, key: string): number | undefined {
  const points = run.metrics[key];
  return points && points.length > 0 ? points[points.length - 1]!.value : undefined;
}
