/**
 * Local first, then MLflow: every run is written to the local store as it
 * happens (so nothing is lost), and pushed to MLflow when it ends. If MLflow
 * is down or refuses the run, the local run is marked `synced: false` with the
 * reason, a warning is printed, and {@linkcode SyncingRunStore.syncRuns}
 * (`deno task runs sync`) pushes it later. Files attached to an ended run
 * (`logArtifacts`) follow the same way: uploaded when the run is in MLflow,
 * else carried by the next sync.
 *
 * Why push at the end rather than stream: a push is one idempotent unit
 * (found again by the tag `tracking.local_run_id`), so a server that dies
 * mid-run never leaves a half-written MLflow run that `sync` would duplicate.
 *
 * @module
 */
import type { LocalRunStore } from "./local_store.ts";
import { MlflowError } from "./mlflow_error.ts";
import type { MlflowRunStore } from "./mlflow_store.ts";
import type { Redactor } from "./redactor.ts";
import type {
  ActiveRun,
  ArtifactInput,
  ListRunsOptions,
  MetricInput,
  ModelInput,
  RegisteredVersion,
  RunInit,
  RunStore,
} from "./run_store.ts";
import type { RunRecord, RunStatus } from "./types.ts";

/** Options of {@linkcode SyncingRunStore}. */
export interface SyncingRunStoreOptions {
  /** Where warnings go (already redacted). Default `console.warn`. */
  readonly warn?: (message: string) => void;
  /** Masks secrets in warnings and stored errors. */
  readonly redactor?: Redactor;
}

/** What {@linkcode SyncingRunStore.syncRuns} did. */
export interface SyncSummary {
  readonly pushed: readonly RunRecord[];
  readonly failed: readonly { readonly runId: string; readonly error: string }[];
  /** Unsynced runs left alone because they are still RUNNING (or their process died). */
  readonly running: readonly string[];
}

/** A {@linkcode RunStore} that writes locally and pushes ended runs to MLflow. */
export class SyncingRunStore implements RunStore {
  readonly local: LocalRunStore;
  readonly mlflow: MlflowRunStore;
  readonly #warn: (message: string) => void;
  readonly #redact: (text: string) => string;
  /** Set when a push found the server unreachable: later pushes are skipped (marked unsynced). */
  #unreachable: string | undefined;

  constructor(local: LocalRunStore, mlflow: MlflowRunStore, options: SyncingRunStoreOptions = {}) {
    this.local = local;
    this.mlflow = mlflow;
    const redactor = options.redactor;
    this.#redact = (t) =>
      redactor ? redactor.text(mlflow.client.redactor.text(t)) : mlflow.client.redactor.text(t);
    const warn = options.warn ?? ((m: string) => console.warn(m));
    this.#warn = (m) => warn(this.#redact(m));
  }

  /** Both places, secrets masked. */
  get location(): string {
    return `${this.local.location} (pushed to ${this.mlflow.location})`;
  }

  get experiment(): string {
    return this.local.experiment;
  }

  async startRun(init: RunInit): Promise<ActiveRun> {
    return new SyncingActiveRun(this, await this.local.startRun(init));
  }

  /** Runs from the local store (it holds every run, synced or not). */
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]> {
    return this.local.listRuns(options);
  }

  /** A run from the local store. */
  getRun(runId: string): Promise<RunRecord> {
    return this.local.getRun(runId);
  }

  /**
   * Adds files to an ended run: to the local run first, then to its MLflow run
   * when it was pushed. A run not pushed yet gets them with its other
   * artifacts on {@linkcode syncRuns}. Never throws for an MLflow fault: it
   * warns and marks the run `synced: false`, so `deno task runs sync` uploads
   * what MLflow is missing.
   */
  async logArtifacts(runId: string, artifacts: readonly ArtifactInput[]): Promise<void> {
    await this.local.logArtifacts(runId, artifacts);
    const record = await this.local.getRun(runId);
    if (record.synced !== true || record.mlflowRunId === undefined) return;
    if (this.#unreachable !== undefined) {
      await this.local.patchRun(runId, { synced: false, syncError: this.#unreachable });
      return;
    }
    try {
      await this.mlflow.logArtifacts(record.mlflowRunId, artifacts);
    } catch (error) {
      const message = this.#redact(error instanceof Error ? error.message : String(error));
      if (error instanceof MlflowError && error.status === undefined) this.#unreachable = message;
      this.#warn(
        `Warning: new artifacts of run ${runId} were not uploaded to MLflow: ${message}. ` +
          `They are kept in ${this.local.root}; upload them with \`deno task runs sync\``,
      );
      await this.local.patchRun(runId, { synced: false, syncError: message });
    }
  }

  /**
   * Pushes one ended local run to MLflow and records the outcome locally
   * (`synced`, `mlflowRunId`, `mlflowUrl`, or `syncError`). Never throws for an
   * MLflow fault: it warns and returns the unsynced record.
   */
  async push(record: RunRecord): Promise<RunRecord> {
    if (this.#unreachable !== undefined) {
      // The server did not answer an earlier push of this store: do not wait through the retries again.
      return await this.local.patchRun(record.runId, {
        synced: false,
        syncError: this.#unreachable,
      });
    }
    try {
      const pushed = await this.mlflow.pushRun(record, this.local.artifactsDir(record));
      return await this.local.patchRun(record.runId, {
        synced: true,
        mlflowRunId: pushed.mlflowRunId,
        mlflowUrl: pushed.mlflowUrl,
        syncError: undefined,
        ...(pushed.model ? { model: pushed.model } : {}),
      });
    } catch (error) {
      const message = this.#redact(error instanceof Error ? error.message : String(error));
      if (error instanceof MlflowError && error.status === undefined) {
        this.#unreachable = message;
        this.#warn(
          `Warning: MLflow did not answer, so no further runs are pushed in this process; ` +
            `they are kept in ${this.local.root} as unsynced`,
        );
      }
      this.#warn(
        `Warning: run ${record.runId} was not pushed to MLflow: ${message}. ` +
          `It is kept in ${this.local.root}; push it later with \`deno task runs sync\``,
      );
      return await this.local.patchRun(record.runId, { synced: false, syncError: message });
    }
  }

  /**
   * Pushes every ended local run that is not in MLflow yet, oldest first:
   * those a push failed for (`synced: false`) and those recorded while no
   * MLflow server was configured (no `synced` field at all).
   */
  async syncRuns(options: { experiment?: string } = {}): Promise<SyncSummary> {
    const runs = (await this.local.listRuns(options)).filter((r) => r.synced !== true).reverse();
    const pushed: RunRecord[] = [];
    const failed: { runId: string; error: string }[] = [];
    const running: string[] = [];
    for (const run of runs) {
      if (run.status === "RUNNING") {
        running.push(run.runId);
        continue;
      }
      const after = await this.push(run);
      if (after.synced) pushed.push(after);
      else failed.push({ runId: run.runId, error: after.syncError ?? "unknown error" });
    }
    return { pushed, failed, running };
  }
}

/** A local run that is pushed to MLflow when it ends. */
class SyncingActiveRun implements ActiveRun {
  readonly #store: SyncingRunStore;
  readonly #local: ActiveRun;

  constructor(store: SyncingRunStore, local: ActiveRun) {
    this.#store = store;
    this.#local = local;
  }

  get runId(): string {
    return this.#local.runId;
  }

  get experiment(): string {
    return this.#local.experiment;
  }

  logParams(params: Readonly<Record<string, string>>): Promise<void> {
    return this.#local.logParams(params);
  }

  logMetrics(metrics: readonly MetricInput[]): Promise<void> {
    return this.#local.logMetrics(metrics);
  }

  setTags(tags: Readonly<Record<string, string>>): Promise<void> {
    return this.#local.setTags(tags);
  }

  logArtifact(artifact: ArtifactInput): Promise<void> {
    return this.#local.logArtifact(artifact);
  }

  /** Registers in the local registry now; in MLflow's when the run is pushed. */
  registerModel(model: ModelInput): Promise<RegisteredVersion> {
    return this.#local.registerModel(model);
  }

  async end(status: Exclude<RunStatus, "RUNNING">, endTime?: number): Promise<RunRecord> {
    const record = await this.#local.end(status, endTime);
    return await this.#store.push(record);
  }
}
