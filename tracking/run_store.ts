/**
 * The one interface behind which runs are stored: {@linkcode LocalRunStore}
 * (files under `runs/`), {@linkcode MlflowRunStore} (an MLflow tracking server
 * through its REST API) and {@linkcode SyncingRunStore} (local first, then
 * MLflow). Writers use the streaming form (`startRun` -> `ActiveRun` -> `end`)
 * or the one-shot `recordRun()`, and `logArtifacts` to add files to a run that
 * has ended; readers use `listRuns` / `getRun`.
 *
 * @module
 */
import type { AliasDecision, TaskAliasRequest } from "./task_alias.ts";
import type { RunModel, RunRecord, RunStatus } from "./types.ts";

/** One metric value to log; `step` is the epoch for curves, 0 otherwise. */
export interface MetricInput {
  readonly key: string;
  readonly value: number;
  readonly step?: number;
  /** Milliseconds since the epoch; defaults to now. */
  readonly timestamp?: number;
}

/**
 * A local file or folder to store with the run. `artifactPath` is where it goes
 * under the run's artifact root: for a file its full path (`model/manifest.json`),
 * for a folder the folder its contents go to (`model`).
 */
export interface ArtifactInput {
  readonly localPath: string;
  readonly artifactPath: string;
}

/** A model to register; it becomes `champion` only when its RMSE beats the current one. */
export interface ModelInput {
  /** Registered model name, e.g. `movie-recommender`. */
  readonly registeredName: string;
  /** The model's folder under the run's artifact root (log it as an artifact first). */
  readonly artifactPath: string;
  readonly rmse: number;
  /** Task aliases to move to this version when the rule of `task_alias.ts` allows. */
  readonly taskAliases?: readonly TaskAliasRequest[];
}

/** What a store answers when a model version is registered. */
export interface RegisteredVersion {
  readonly registeredName: string;
  readonly version: string;
  /** True when this version is now `champion`. */
  readonly champion: boolean;
  /** The champion's RMSE before this registration, if there was one. */
  readonly previousChampionRmse?: number;
  /** What became of each task alias asked for ({@linkcode ModelInput.taskAliases}). */
  readonly taskAliases?: ReadonlyArray<{ readonly alias: string } & AliasDecision>;
}

/** What is known when a run starts. */
export interface RunInit {
  /** Experiment name; defaults to the store's experiment. */
  readonly experiment?: string;
  readonly runName: string;
  /** Milliseconds since the epoch; defaults to now. */
  readonly startTime?: number;
  readonly tags?: Readonly<Record<string, string>>;
}

/** A run being written. Every call persists immediately (local store: atomically). */
export interface ActiveRun {
  readonly runId: string;
  readonly experiment: string;
  /** Logs flattened params (string values, as in MLflow). */
  logParams(params: Readonly<Record<string, string>>): Promise<void>;
  /** Logs metric points; a key logged at several steps becomes a history. */
  logMetrics(metrics: readonly MetricInput[]): Promise<void>;
  setTags(tags: Readonly<Record<string, string>>): Promise<void>;
  /** Copies a local file or folder into the run's artifacts. */
  logArtifact(artifact: ArtifactInput): Promise<void>;
  /** Registers the model (logged as an artifact before) and maybe moves `champion`. */
  registerModel(model: ModelInput): Promise<RegisteredVersion>;
  /** Ends the run with a final status and returns the stored record. */
  end(status: Exclude<RunStatus, "RUNNING">, endTime?: number): Promise<RunRecord>;
}

/** Options of {@linkcode RunStore.listRuns}. */
export interface ListRunsOptions {
  /** Only runs of this experiment. */
  readonly experiment?: string;
  /** At most this many runs, newest first. */
  readonly limit?: number;
}

/** Where runs go and where they are read back from. */
export interface RunStore {
  /** Human-readable location, secrets redacted (a folder or an MLflow URI). */
  readonly location: string;
  /** Experiment used when a run does not name one. */
  readonly experiment: string;
  startRun(init: RunInit): Promise<ActiveRun>;
  /** Runs, newest first. Metrics may hold only the latest point (MLflow's search). */
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]>;
  /** One run with its full metric history and artifact list; throws if unknown. */
  getRun(runId: string): Promise<RunRecord>;
  /**
   * Adds files or folders to the artifacts of a run that has ended (e.g. the
   * report stage's page snapshot `report.html`), replacing files already at
   * those paths. Throws for an unknown run or one still RUNNING (log through
   * its {@linkcode ActiveRun} instead).
   */
  logArtifacts(runId: string, artifacts: readonly ArtifactInput[]): Promise<void>;
}

export type { RunModel };
