/**
 * Runs stored in an MLflow tracking server through its REST API (see
 * {@linkcode MlflowClient}). Writing streams: every `log*` call is one or a few
 * runs/log-batch calls; artifacts go through the server's artifact proxy; a
 * registered model becomes `champion` only when its RMSE beats the current
 * champion's. `pushRun` copies a finished local run into MLflow (used by the
 * syncing store and `deno task runs sync`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join, relative, sep } from "node:path";
import { walkFiles } from "./_walk_files.ts";
import { isBetter } from "./local_registry.ts";
import {
  type AliasDecision,
  decideTaskAlias,
  holderFromTags,
  taskAliasTags,
} from "./task_alias.ts";
import type { LogMetric, MlflowClient, MlflowExperiment, MlflowRun } from "./mlflow_client.ts";
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
import type { MetricPoint, RunModel, RunRecord, RunStatus } from "./types.ts";

/** Tag that links an MLflow run to the local run it was pushed from. */
export const LOCAL_RUN_ID_TAG = "tracking.local_run_id";
/** The alias moved to the best model version. */
const CHAMPION = "champion";

/** Run tags the pipeline sets that describe its dataset (logged as the run's MLflow input). */
export const DATASET_TAGS = {
  name: "dataset.name",
  hash: "dataset.hash",
  /** Where the ratings came from (a URL with secrets masked, or a path). */
  source: "dataset.source",
  /** How many ratings (the input's profile). */
  ratings: "dataset.ratings",
} as const;

/** The schema of the ratings table, as MLflow's column specs. */
const _RATINGS_SCHEMA = JSON.stringify({
  mlflow_colspec: [
    { type: "long", name: "userId", required: true },
    { type: "long", name: "movieId", required: true },
    { type: "double", name: "rating", required: true },
    { type: "long", name: "timestamp", required: true },
  ],
});

/**
 * Tags of a registered model version, so the registry tells versions apart:
 * the algorithm, the dataset and its digest, the split and a hash of every
 * param of the run.
 *
 * @example
 * ```ts
 * import { versionTags } from "./mlflow_store.ts";
 * const tags = versionTags({ model: "svd", "dataset.name": "ml-latest-small" }, {
 *   "split.kind": "random", "split.seed": "42", "train.factors": "50",
 * });
 * if (tags.algorithm !== "svd" || tags.split !== "random seed=42") throw new Error(tags.split);
 * ```
 */
export function versionTags(
  tags: Readonly<Record<string, string>>,
  params: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const model = tags.model ?? params["train.model"];
  if (model) out.algorithm = model;
  if (tags[DATASET_TAGS.name]) out.dataset = tags[DATASET_TAGS.name]!;
  if (tags[DATASET_TAGS.hash]) out.dataset_digest = tags[DATASET_TAGS.hash]!.slice(0, 12);
  const kind = params["split.kind"];
  if (kind) {
    const details = Object.keys(params).filter((k) => k.startsWith("split.") && k !== "split.kind")
      .sort().map((k) => `${k.slice("split.".length)}=${params[k]}`);
    out.split = [kind, ...details].join(" ");
  }
  const sorted = Object.keys(params).sort().map((k) => [k, params[k]]);
  out.params_hash = createHash("sha256").update(JSON.stringify(sorted)).digest("hex").slice(0, 12);
  return out;
}

/** Options of {@linkcode MlflowRunStore}. */
export interface MlflowRunStoreOptions {
  /** Experiment of runs that do not name one. Default `Default`. */
  readonly experiment?: string;
}

/** What {@linkcode MlflowRunStore.pushRun} did. */
export interface PushResult {
  readonly mlflowRunId: string;
  readonly mlflowUrl: string;
  readonly model?: RunModel;
  /** True when the run was already complete in MLflow (artifacts too) and nothing was sent. */
  readonly alreadyThere: boolean;
}

type Draft = { -readonly [K in keyof RunRecord]: RunRecord[K] };

/** A {@linkcode RunStore} backed by an MLflow tracking server. */
export class MlflowRunStore implements RunStore {
  readonly client: MlflowClient;
  readonly experiment: string;
  readonly #experiments = new Map<string, MlflowExperiment>();

  constructor(client: MlflowClient, options: MlflowRunStoreOptions = {}) {
    this.client = client;
    this.experiment = options.experiment ?? "Default";
  }

  /** The server's URI, secrets masked. */
  get location(): string {
    return this.client.displayUri;
  }

  /** The experiment (created if missing), cached per name. */
  async experimentByName(name: string): Promise<MlflowExperiment> {
    let exp = this.#experiments.get(name);
    if (!exp) {
      exp = await this.client.getOrCreateExperiment(name);
      this.#experiments.set(name, exp);
    }
    return exp;
  }

  async startRun(init: RunInit): Promise<ActiveRun> {
    const experiment = init.experiment ?? this.experiment;
    const exp = await this.experimentByName(experiment);
    const startTime = init.startTime ?? Date.now();
    const run = await this.client.createRun({
      experimentId: exp.experiment_id,
      runName: init.runName,
      startTime,
    });
    const active = new MlflowActiveRun(this, run, {
      runId: run.info.run_id,
      experiment,
      runName: init.runName,
      status: "RUNNING",
      startTime,
      params: {},
      metrics: {},
      tags: {},
      artifacts: [],
      mlflowRunId: run.info.run_id,
      mlflowUrl: this.client.runUrl(exp.experiment_id, run.info.run_id),
    });
    if (init.tags && Object.keys(init.tags).length > 0) await active.setTags(init.tags);
    return active;
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    let experiments: MlflowExperiment[];
    if (options.experiment !== undefined) {
      const exp = await this.client.getExperimentByName(options.experiment);
      if (!exp) return [];
      experiments = [exp];
    } else {
      experiments = await this.client.searchExperiments();
    }
    if (experiments.length === 0) return [];
    const names = new Map(experiments.map((e) => [e.experiment_id, e.name]));
    const runs = await this.client.searchRuns({
      experimentIds: experiments.map((e) => e.experiment_id),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    });
    return runs.map((r) => this.#toRecord(r, names.get(r.info.experiment_id) ?? "", undefined, []));
  }

  async getRun(runId: string): Promise<RunRecord> {
    const run = await this.client.getRun(runId);
    const exp = await this.client.getExperiment(run.info.experiment_id);
    const keys = [...new Set((run.data.metrics ?? []).map((m) => m.key))];
    const histories: Record<string, MetricPoint[]> = {};
    for (const key of keys) {
      histories[key] = (await this.client.getMetricHistory(runId, key))
        .map((m) => ({ value: Number(m.value), step: m.step ?? 0, timestamp: m.timestamp }))
        .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
    }
    const artifacts = await this.client.listArtifactsRecursive(runId);
    return this.#toRecord(run, exp.name, histories, artifacts);
  }

  /**
   * Uploads files to an ended run through the artifact proxy, as
   * {@linkcode ActiveRun.logArtifact} does: the proxy takes files for a
   * FINISHED or FAILED run (it does not look at the run's status).
   */
  async logArtifacts(runId: string, artifacts: readonly ArtifactInput[]): Promise<void> {
    const run = await this.client.getRun(runId);
    if (run.info.status === "RUNNING" || run.info.status === "SCHEDULED") {
      throw new Error(
        `Cannot attach artifacts to run ${runId}: it is still ${run.info.status}; log them ` +
          `through its ActiveRun, or end it first`,
      );
    }
    for (const artifact of artifacts) {
      for (const [file, to] of await artifactFiles(artifact)) {
        await this.client.uploadArtifact(run.info.artifact_uri, to, await Deno.readFile(file));
      }
    }
  }

  /**
   * Copies a finished local run (record + its artifacts folder) into MLflow.
   * Idempotent: a complete earlier push (found by the tag
   * `tracking.local_run_id`) is reused, after uploading the artifacts the
   * local run gained since (see {@linkcode RunStore.logArtifacts}); a partial
   * one is deleted and redone.
   */
  async pushRun(record: RunRecord, artifactsDir: string): Promise<PushResult> {
    if (record.status === "RUNNING") {
      throw new Error(`Cannot push run ${record.runId}: it is still RUNNING (or its process died)`);
    }
    const exp = await this.experimentByName(record.experiment);
    const earlier = await this.client.searchRuns({
      experimentIds: [exp.experiment_id],
      filter: `tags.\`${LOCAL_RUN_ID_TAG}\` = '${record.runId}'`,
    });
    for (const run of earlier) {
      if (run.info.status === record.status) {
        const mlflowRunId = run.info.run_id;
        // Files attached to the local run after it was pushed (logArtifacts) go up now.
        const there = new Set(await this.client.listArtifactsRecursive(mlflowRunId));
        const missing = record.artifacts.filter((path) => !there.has(path));
        for (const path of missing) {
          await this.client.uploadArtifact(
            run.info.artifact_uri,
            path,
            await Deno.readFile(join(artifactsDir, ...path.split("/"))),
          );
        }
        return {
          mlflowRunId,
          mlflowUrl: this.client.runUrl(exp.experiment_id, mlflowRunId),
          ...(record.model ? { model: record.model } : {}),
          alreadyThere: missing.length === 0,
        };
      }
      await this.client.deleteRun(run.info.run_id);
    }
    const active = await this.startRun({
      experiment: record.experiment,
      runName: record.runName,
      startTime: record.startTime,
      tags: { ...record.tags, [LOCAL_RUN_ID_TAG]: record.runId },
    }) as MlflowActiveRun;
    await active.logParams(record.params);
    const metrics: MetricInput[] = [];
    for (const [key, points] of Object.entries(record.metrics)) {
      for (const p of points) metrics.push({ key, ...p });
    }
    await active.logMetrics(metrics);
    if (record.artifacts.length > 0) {
      await active.logArtifact({ localPath: artifactsDir, artifactPath: "" });
    }
    let model: RunModel | undefined;
    if (record.model && record.status === "FINISHED") {
      const v = await active.registerModel(record.model);
      model = { ...record.model, mlflowVersion: v.version, mlflowChampion: v.champion };
    }
    const done = await active.end(record.status, record.endTime);
    return {
      mlflowRunId: done.runId,
      mlflowUrl: done.mlflowUrl!,
      ...(model ? { model } : record.model ? { model: record.model } : {}),
      alreadyThere: false,
    };
  }

  /** The RMSE of the version an alias points to (its `rmse` tag, else its run's metric). */
  async aliasRmse(name: string, alias: string = CHAMPION): Promise<number | undefined> {
    const v = await this.client.getModelVersionByAlias(name, alias);
    if (!v) return undefined;
    const tag = v.tags?.find((t) => t.key === "rmse");
    if (tag) return Number(tag.value);
    if (!v.run_id) return undefined;
    const run = await this.client.getRun(v.run_id);
    const m = run.data.metrics?.find((x) => x.key === "rmse");
    return m !== undefined ? Number(m.value) : undefined;
  }

  #toRecord(
    run: MlflowRun,
    experiment: string,
    histories: Record<string, MetricPoint[]> | undefined,
    artifacts: string[],
  ): RunRecord {
    const info = run.info;
    const metrics: Record<string, MetricPoint[]> = histories ?? {};
    if (!histories) {
      for (const m of run.data.metrics ?? []) {
        metrics[m.key] = [{ value: Number(m.value), step: m.step ?? 0, timestamp: m.timestamp }];
      }
    }
    const tags: Record<string, string> = {};
    for (const t of run.data.tags ?? []) if (t.key !== "mlflow.runName") tags[t.key] = t.value;
    const params: Record<string, string> = {};
    for (const p of run.data.params ?? []) params[p.key] = p.value;
    return {
      runId: info.run_id,
      experiment,
      runName: info.run_name ?? tags["mlflow.runName"] ?? "",
      status: info.status === "SCHEDULED" ? "RUNNING" : info.status,
      startTime: info.start_time ?? 0,
      ...(info.end_time ? { endTime: info.end_time } : {}),
      params,
      metrics,
      tags,
      artifacts,
      mlflowRunId: info.run_id,
      mlflowUrl: this.client.runUrl(info.experiment_id, info.run_id),
    };
  }
}

/** A run being written to MLflow. */
class MlflowActiveRun implements ActiveRun {
  readonly #store: MlflowRunStore;
  readonly #run: MlflowRun;
  readonly #draft: Draft;
  /** Local file of each artifact path logged, for the logged model's copy of the model files. */
  readonly #files = new Map<string, string>();
  #inputLogged = false;

  constructor(store: MlflowRunStore, run: MlflowRun, draft: Draft) {
    this.#store = store;
    this.#run = run;
    this.#draft = draft;
  }

  get runId(): string {
    return this.#draft.runId;
  }

  get experiment(): string {
    return this.#draft.experiment;
  }

  async logParams(params: Readonly<Record<string, string>>): Promise<void> {
    await this.#store.client.logBatch(this.runId, { params });
    this.#draft.params = { ...this.#draft.params, ...params };
  }

  async logMetrics(metrics: readonly MetricInput[]): Promise<void> {
    const now = Date.now();
    const points: LogMetric[] = metrics.map((m) => ({
      key: m.key,
      value: m.value,
      step: m.step ?? 0,
      timestamp: m.timestamp ?? now,
    }));
    await this.#store.client.logBatch(this.runId, { metrics: points });
    const next: Record<string, MetricPoint[]> = {};
    for (const [k, v] of Object.entries(this.#draft.metrics)) next[k] = [...v];
    for (const p of points) {
      (next[p.key] ??= []).push({ value: p.value, step: p.step, timestamp: p.timestamp });
    }
    this.#draft.metrics = next;
  }

  async setTags(tags: Readonly<Record<string, string>>): Promise<void> {
    await this.#store.client.logBatch(this.runId, { tags });
    this.#draft.tags = { ...this.#draft.tags, ...tags };
    await this.#logDataset();
  }

  /** Logs the dataset the tags describe as the run's input, once (MLflow's "Datasets used"). */
  async #logDataset(): Promise<void> {
    const t = this.#draft.tags;
    const name = t[DATASET_TAGS.name];
    const hash = t[DATASET_TAGS.hash];
    if (this.#inputLogged || !name || !hash) return;
    this.#inputLogged = true;
    const source = t[DATASET_TAGS.source] ?? name;
    const ratings = Number(t[DATASET_TAGS.ratings]);
    await this.#store.client.logInputs(this.runId, [{
      name,
      digest: hash.slice(0, 12),
      sourceType: /^https?:/.test(source) ? "http" : "local",
      source: JSON.stringify(/^https?:/.test(source) ? { url: source } : { uri: source }),
      schema: _RATINGS_SCHEMA,
      ...(Number.isFinite(ratings) ? { profile: JSON.stringify({ num_rows: ratings }) } : {}),
      context: "training",
    }]);
  }

  async logArtifact(artifact: ArtifactInput): Promise<void> {
    const files = await artifactFiles(artifact);
    for (const [file, to] of files) {
      await this.#store.client.uploadArtifact(
        this.#run.info.artifact_uri,
        to,
        await Deno.readFile(file),
      );
      this.#files.set(to, file);
    }
    this.#draft.artifacts = [...new Set([...this.#draft.artifacts, ...files.map((f) => f[1])])]
      .sort();
  }

  async registerModel(model: ModelInput): Promise<RegisteredVersion> {
    const client = this.#store.client;
    const folder = model.artifactPath.split("/").filter(Boolean).join("/");
    await client.createRegisteredModel(model.registeredName);
    const previous = await this.#store.aliasRmse(model.registeredName);
    const hadChampion = await client.getModelVersionByAlias(model.registeredName, CHAMPION);
    const tags: Record<string, string> = {
      ...versionTags(this.#draft.tags, this.#draft.params),
      rmse: String(model.rmse),
    };
    for (const request of model.taskAliases ?? []) Object.assign(tags, taskAliasTags(request));
    await this.#logModel(folder, tags);
    const version = await client.createModelVersion({
      name: model.registeredName,
      source: `${this.#run.info.artifact_uri.replace(/\/+$/, "")}/${folder}`,
      runId: this.runId,
      tags,
    });
    const champion = isBetter(model.rmse, hadChampion ? previous : undefined);
    if (champion) await client.setAlias(model.registeredName, CHAMPION, version.version);
    const taskAliases: Array<{ alias: string } & AliasDecision> = [];
    for (const request of model.taskAliases ?? []) {
      const holding = await client.getModelVersionByAlias(model.registeredName, request.alias);
      const decision = decideTaskAlias(
        request,
        holding ? holderFromTags(request.alias, _tagRecord(holding.tags)) : undefined,
      );
      if (decision.move) {
        await client.setAlias(model.registeredName, request.alias, version.version);
      }
      taskAliases.push({ alias: request.alias, ...decision });
    }
    this.#draft.model = {
      registeredName: model.registeredName,
      artifactPath: folder,
      rmse: model.rmse,
      version: version.version,
      champion,
      ...(model.taskAliases ? { taskAliases: model.taskAliases } : {}),
    };
    return {
      registeredName: model.registeredName,
      version: version.version,
      champion,
      ...(hadChampion && previous !== undefined ? { previousChampionRmse: previous } : {}),
      ...(taskAliases.length > 0 ? { taskAliases } : {}),
    };
  }

  /**
   * Logs the model folder as an MLflow 3 logged model of the run (its own copy
   * of the files, named after the algorithm, READY once uploaded), so the
   * experiment's "Logged models" lists it; the run records it as an output.
   */
  async #logModel(folder: string, tags: Readonly<Record<string, string>>): Promise<void> {
    const client = this.#store.client;
    const prefix = folder ? `${folder}/` : "";
    const files = [...this.#files].filter(([to]) => to.startsWith(prefix));
    if (files.length === 0) return;
    const params = Object.fromEntries(
      Object.entries(this.#draft.params).filter(([k]) =>
        k.startsWith("train.") || k.startsWith("model.")
      ),
    );
    const logged = await client.createLoggedModel({
      experimentId: this.#run.info.experiment_id,
      name: tags.algorithm ?? "model",
      sourceRunId: this.runId,
      modelType: "movie-recommender",
      params,
      tags,
    });
    try {
      for (const [to, file] of files) {
        await client.uploadArtifact(
          logged.artifact_uri,
          to.slice(prefix.length),
          await Deno.readFile(file),
        );
      }
    } catch (error) {
      await client.finalizeLoggedModel(logged.model_id, "LOGGED_MODEL_UPLOAD_FAILED")
        .catch(() => {});
      throw error;
    }
    await client.finalizeLoggedModel(logged.model_id, "LOGGED_MODEL_READY");
    await client.logOutputs(this.runId, [logged.model_id]);
    await this.setTags({ "mlflow.logged_model.id": logged.model_id });
  }

  async end(status: Exclude<RunStatus, "RUNNING">, endTime?: number): Promise<RunRecord> {
    const end = endTime ?? Date.now();
    await this.#store.client.updateRun(this.runId, status, end);
    this.#draft.status = status;
    this.#draft.endTime = end;
    return structuredClone(this.#draft) as RunRecord;
  }
}

/**
 * The files an artifact stands for, as `[local file, artifact path]` pairs: the
 * file itself, or every file of a folder under the artifact's path.
 */
async function artifactFiles(artifact: ArtifactInput): Promise<[string, string][]> {
  const dest = artifact.artifactPath.split(/[\\/]+/).filter((p) => p && p !== ".").join("/");
  if (dest.split("/").includes("..")) {
    throw new Error(`Invalid artifact path "${artifact.artifactPath}": use a path without ".."`);
  }
  const info = await Deno.stat(artifact.localPath).catch(() => {
    throw new Error(`Cannot log artifact: ${artifact.localPath} does not exist`);
  });
  const files: [string, string][] = [];
  if (info.isDirectory) {
    for await (const file of walkFiles(artifact.localPath)) {
      const rel = relative(artifact.localPath, file).split(sep).join("/");
      files.push([file, dest ? `${dest}/${rel}` : rel]);
    }
  } else {
    if (!dest) throw new Error("Cannot log artifact: a file needs an artifactPath with its name");
    files.push([artifact.localPath, dest]);
  }
  return files;
}

/** MLflow's key/value tag list as a record. */
function _tagRecord(
  tags: ReadonlyArray<{ key: string; value: string }> | undefined,
): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));
}
