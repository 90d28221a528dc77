/**
 * The embedded default run store: one folder per run under a root folder
 * (default `<project>/runs/`):
 *
 * ```text
 * runs/<experiment>/<runId>/run.json      the RunRecord (written atomically on every change)
 * runs/<experiment>/<runId>/artifacts/    the run's files (hard links where possible)
 * runs/.models/<name>.json                the local model registry
 * ```
 *
 * Run ids are 32 hex digits like MLflow's. Every write is a temp file renamed
 * over the target, so a crash never leaves a partial `run.json`.
 *
 * @module
 */
import { join, relative, resolve, sep as SEPARATOR } from "node:path";
import { walkFiles } from "./_walk_files.ts";
import { copyFileAtomic, linkFileAtomic, writeFileAtomic } from "../lib/atomic.ts";
import { newRunId } from "./run_id.ts";
import { decodeRunJson, encodeRunJson } from "./_run_json.ts";
import { LocalModelRegistry } from "./local_registry.ts";
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
import type { MetricPoint, RunRecord, RunStatus } from "./types.ts";

/** Options of {@linkcode LocalRunStore}. */
export interface LocalRunStoreOptions {
  /** Experiment of runs that do not name one. Default `Default` (as MLflow). */
  readonly experiment?: string;
  /** Start new runs with `synced: false` (set by the syncing store). */
  readonly trackSync?: boolean;
  /** Masks secrets found in param and tag values before they are written. */
  readonly redactor?: Redactor;
  /** Where a warning about an unreadable run goes when listing. Default `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** Mutable copy of a RunRecord while a run is written. */
type Draft = { -readonly [K in keyof RunRecord]: RunRecord[K] };

/** Runs stored as files under one folder. */
export class LocalRunStore implements RunStore {
  /** Absolute path of the root folder. */
  readonly root: string;
  readonly experiment: string;
  /** The local model registry beside the runs. */
  readonly registry: LocalModelRegistry;
  readonly #trackSync: boolean;
  readonly #redactor: Redactor | undefined;
  readonly #warn: (message: string) => void;

  /** `root` defaults to `./runs` (resolved against the current directory). */
  constructor(root: string = "runs", options: LocalRunStoreOptions = {}) {
    this.root = resolve(root);
    this.experiment = options.experiment ?? "Default";
    this.registry = new LocalModelRegistry(this.root);
    this.#trackSync = options.trackSync ?? false;
    this.#redactor = options.redactor;
    this.#warn = options.warn ?? ((m) => console.warn(m));
  }

  /** Values with secrets masked (see {@linkcode LocalRunStoreOptions.redactor}). */
  scrub(values: Readonly<Record<string, string>>): Record<string, string> {
    const r = this.#redactor;
    if (!r) return { ...values };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) out[k] = typeof v === "string" ? r.text(v) : v;
    return out;
  }

  /** The root folder. */
  get location(): string {
    return this.root;
  }

  /** Folder of a run. */
  runDir(experiment: string, runId: string): string {
    return join(this.root, experimentFolder(experiment), runId);
  }

  /** Folder of a run's artifacts. */
  artifactsDir(run: Pick<RunRecord, "experiment" | "runId">): string {
    return join(this.runDir(run.experiment, run.runId), "artifacts");
  }

  async startRun(init: RunInit): Promise<ActiveRun> {
    const draft: Draft = {
      runId: newRunId(),
      experiment: init.experiment ?? this.experiment,
      runName: init.runName,
      status: "RUNNING",
      startTime: init.startTime ?? Date.now(),
      params: {},
      metrics: {},
      tags: this.scrub(init.tags ?? {}),
      artifacts: [],
      ...(this.#trackSync ? { synced: false } : {}),
    };
    const run = new LocalActiveRun(this, draft);
    await run.save();
    return run;
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    const experiments = options.experiment !== undefined
      ? [experimentFolder(options.experiment)]
      : await subfolders(this.root);
    for (const exp of experiments) {
      for (const id of await subfolders(join(this.root, exp))) {
        const path = join(this.root, exp, id, "run.json");
        let text: string;
        try {
          text = await Deno.readTextFile(path);
        } catch (error) {
          if (error instanceof Deno.errors.NotFound) continue;
          throw error;
        }
        let run: RunRecord;
        try {
          run = decodeRunJson(text, path);
        } catch (error) {
          // One damaged run must not hide all the others (runs list, the report).
          this.#warn(`Warning: skipping a run that cannot be read: ${(error as Error).message}`);
          continue;
        }
        if (options.experiment === undefined || run.experiment === options.experiment) {
          runs.push(run);
        }
      }
    }
    runs.sort((a, b) => b.startTime - a.startTime || a.runId.localeCompare(b.runId));
    return options.limit !== undefined ? runs.slice(0, options.limit) : runs;
  }

  async getRun(runId: string): Promise<RunRecord> {
    for (const exp of await subfolders(this.root)) {
      const path = join(this.root, exp, runId, "run.json");
      try {
        return decodeRunJson(await Deno.readTextFile(path), path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    throw new Error(`Unknown run: no run "${runId}" in ${this.root}`);
  }

  /**
   * Copies files or folders into the artifacts of an ended run, each file
   * written atomically, then records them in its `run.json`. Copies, not hard
   * links: the snapshot stays as it was when its source is rewritten later.
   */
  async logArtifacts(runId: string, artifacts: readonly ArtifactInput[]): Promise<void> {
    const run = await this.getRun(runId);
    if (run.status === "RUNNING") {
      throw new Error(
        `Cannot attach artifacts to run ${runId}: it is still RUNNING; log them through its ` +
          `ActiveRun, or end it first`,
      );
    }
    const base = this.artifactsDir(run);
    const placed: string[] = [];
    for (const artifact of artifacts) {
      placed.push(...await placeArtifact(artifact, base, copyFileAtomic));
    }
    // Re-read: the record may have changed while the files were copied (e.g. a sync marked it).
    const now = await this.getRun(runId);
    await this.write({ ...now, artifacts: [...new Set([...now.artifacts, ...placed])].sort() });
  }

  /**
   * Changes fields of a stored run (the syncing store records `synced`,
   * `mlflowRunId`, ... with it). Returns the new record.
   */
  async patchRun(runId: string, patch: Partial<RunRecord>): Promise<RunRecord> {
    const run = await this.getRun(runId);
    const next: RunRecord = { ...run, ...patch, runId: run.runId, experiment: run.experiment };
    await this.write(next);
    return next;
  }

  /** Writes a run record atomically. */
  async write(record: RunRecord): Promise<void> {
    const path = join(this.runDir(record.experiment, record.runId), "run.json");
    await writeFileAtomic(path, encodeRunJson(record));
  }
}

/** A run being written to a {@linkcode LocalRunStore}. */
class LocalActiveRun implements ActiveRun {
  readonly #store: LocalRunStore;
  readonly #draft: Draft;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: LocalRunStore, draft: Draft) {
    this.#store = store;
    this.#draft = draft;
  }

  get runId(): string {
    return this.#draft.runId;
  }

  get experiment(): string {
    return this.#draft.experiment;
  }

  /** Writes the draft; writes are serialised so the last change always wins. */
  save(): Promise<void> {
    const snapshot = structuredClone(this.#draft) as RunRecord;
    const next = this.#queue.then(() => this.#store.write(snapshot));
    this.#queue = next.catch(() => {});
    return next;
  }

  async logParams(params: Readonly<Record<string, string>>): Promise<void> {
    this.#assertRunning();
    for (const [key, value] of Object.entries(params)) {
      if (typeof value !== "string") {
        throw new Error(`Cannot log param "${key}": value must be a string, got ${typeof value}`);
      }
    }
    this.#draft.params = { ...this.#draft.params, ...this.#store.scrub(params) };
    await this.save();
  }

  async logMetrics(metrics: readonly MetricInput[]): Promise<void> {
    this.#assertRunning();
    const now = Date.now();
    const next: Record<string, MetricPoint[]> = {};
    for (const [k, v] of Object.entries(this.#draft.metrics)) next[k] = [...v];
    for (const m of metrics) {
      if (!m.key || typeof m.value !== "number") {
        throw new Error(`Cannot log metric "${m.key}": expected a key and a numeric value`);
      }
      (next[m.key] ??= []).push({
        value: m.value,
        step: m.step ?? 0,
        timestamp: m.timestamp ?? now,
      });
    }
    this.#draft.metrics = next;
    await this.save();
  }

  async setTags(tags: Readonly<Record<string, string>>): Promise<void> {
    this.#draft.tags = { ...this.#draft.tags, ...this.#store.scrub(tags) };
    await this.save();
  }

  async logArtifact(artifact: ArtifactInput): Promise<void> {
    const base = this.#store.artifactsDir(this.#draft);
    const copied = await placeArtifact(artifact, base, linkFileAtomic);
    this.#draft.artifacts = [...new Set([...this.#draft.artifacts, ...copied])].sort();
    await this.save();
  }

  async registerModel(model: ModelInput): Promise<RegisteredVersion> {
    const folder = safeArtifactPath(model.artifactPath);
    if (!this.#draft.artifacts.some((a) => a === folder || a.startsWith(`${folder}/`))) {
      throw new Error(
        `Cannot register model "${model.registeredName}": run ${this.runId} has no artifacts ` +
          `under "${folder}": log the model files with logArtifact() first`,
      );
    }
    const source = relative(this.#store.root, join(this.#store.artifactsDir(this.#draft), folder))
      .split(SEPARATOR).join("/");
    const registered = await this.#store.registry.register({
      name: model.registeredName,
      runId: this.runId,
      experiment: this.experiment,
      source,
      rmse: model.rmse,
      ...(model.taskAliases ? { taskAliases: model.taskAliases } : {}),
    });
    this.#draft.model = {
      registeredName: model.registeredName,
      artifactPath: folder,
      rmse: model.rmse,
      version: registered.version,
      champion: registered.champion,
      ...(model.taskAliases ? { taskAliases: model.taskAliases } : {}),
    };
    await this.save();
    return registered;
  }

  async end(status: Exclude<RunStatus, "RUNNING">, endTime?: number): Promise<RunRecord> {
    this.#draft.status = status;
    this.#draft.endTime = endTime ?? Date.now();
    await this.save();
    return structuredClone(this.#draft) as RunRecord;
  }

  #assertRunning(): void {
    if (this.#draft.status !== "RUNNING") {
      throw new Error(`Cannot log to run ${this.runId}: it has ended (${this.#draft.status})`);
    }
  }
}

/** Folder name of an experiment: URI-encoded, never starting with a dot. */
export function experimentFolder(experiment: string): string {
  if (!experiment) throw new Error("Invalid experiment name: it must not be empty");
  return encodeURIComponent(experiment).replace(/^\./, "%2E");
}

/**
 * Puts a file, or every file of a folder, under `base` at the artifact's path
 * with `place` (each file atomically); returns the artifact paths written.
 */
async function placeArtifact(
  artifact: ArtifactInput,
  base: string,
  place: (from: string, to: string) => Promise<void>,
): Promise<string[]> {
  const dest = safeArtifactPath(artifact.artifactPath);
  const info = await Deno.stat(artifact.localPath).catch(() => {
    throw new Error(`Cannot log artifact: ${artifact.localPath} does not exist`);
  });
  const placed: string[] = [];
  if (info.isDirectory) {
    for await (const file of walkFiles(artifact.localPath)) {
      const rel = relative(artifact.localPath, file).split(SEPARATOR).join("/");
      const to = dest ? `${dest}/${rel}` : rel;
      await place(file, join(base, to));
      placed.push(to);
    }
  } else {
    if (!dest) throw new Error("Cannot log artifact: a file needs an artifactPath with its name");
    await place(artifact.localPath, join(base, dest));
    placed.push(dest);
  }
  return placed;
}

/** A relative artifact path with `/` separators; rejects `..` and absolute paths. */
function safeArtifactPath(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..") || /^[\\/]/.test(path) || /^[a-z]:/i.test(path)) {
    throw new Error(`Invalid artifact path "${path}": use a relative path without ".."`);
  }
  return parts.join("/");
}

async function subfolders(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && !e.name.startsWith(".")) out.push(e.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return out.sort();
}
