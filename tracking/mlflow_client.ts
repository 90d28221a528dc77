/**
 * A small client of MLflow's REST API 2.0 (tracking, artifact proxy, model
 * registry). Auth: `MLFLOW_TRACKING_TOKEN` (bearer), or basic auth from
 * `user:password@` in the URI or `MLFLOW_TRACKING_USERNAME`/`_PASSWORD`.
 * Connection errors, timeouts, 429 and 5xx are retried with exponential
 * backoff (bounded); 4xx errors carry MLflow's `error_code` and message.
 * Credentials are never part of a message: the URI shown is redacted and every
 * message passes through a {@linkcode Redactor}.
 *
 * @module
 */
import { basicCredentials } from "./_basic_auth.ts";
import { chunkLogBatch, LOG_BATCH_LIMITS } from "./_log_batch.ts";
import { MlflowError } from "./mlflow_error.ts";
import { Redactor, redactUri } from "./redactor.ts";

/** Options of {@linkcode MlflowClient}. */
export interface MlflowClientOptions {
  /** Tracking server URL, e.g. `http://127.0.0.1:5000` (may hold `user:password@`). */
  readonly uri: string;
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  /** Attempts after the first one for transient faults. Default 4. */
  readonly retries?: number;
  /** First backoff delay in ms, doubled each retry (with jitter). Default 250. */
  readonly backoffMs?: number;
  /** Largest backoff delay in ms. Default 4000. */
  readonly maxBackoffMs?: number;
  /** Timeout of one HTTP request in ms. Default 30000. */
  readonly timeoutMs?: number;
  /** Where retry notices go (already redacted). Default: nowhere. */
  readonly onRetry?: (message: string) => void;
}

/** MLflow's experiment entity (the fields used here). */
export interface MlflowExperiment {
  readonly experiment_id: string;
  readonly name: string;
  readonly artifact_location?: string;
  readonly lifecycle_stage?: string;
}

/** A key/value pair as MLflow sends params and tags. */
export interface MlflowKeyValue {
  readonly key: string;
  readonly value: string;
}

/** A metric point as MLflow sends it (non-finite values as strings). */
export interface MlflowMetric {
  readonly key: string;
  readonly value: number | string;
  readonly timestamp: number;
  readonly step?: number;
}

/** MLflow's run entity. */
export interface MlflowRun {
  readonly info: {
    readonly run_id: string;
    readonly experiment_id: string;
    readonly run_name?: string;
    readonly status: "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
    readonly start_time?: number;
    readonly end_time?: number;
    readonly artifact_uri: string;
    readonly lifecycle_stage?: string;
  };
  readonly data: {
    readonly metrics?: MlflowMetric[];
    readonly params?: MlflowKeyValue[];
    readonly tags?: MlflowKeyValue[];
  };
}

/** One entry of an artifact listing. */
export interface MlflowFileInfo {
  readonly path: string;
  readonly is_dir: boolean;
  readonly file_size?: number;
}

/** A dataset to log as a run input (see {@linkcode MlflowClient.logInputs}). */
export interface MlflowDatasetInput {
  readonly name: string;
  /** A short content digest (MLflow shows it next to the name). */
  readonly digest: string;
  /** Where it came from: `local`, `http`, `url`, ... */
  readonly sourceType: string;
  /** JSON text describing the source, e.g. `{"url": "..."}`. */
  readonly source: string;
  /** JSON text of the schema, e.g. `{"mlflow_colspec": [{"type": "long", "name": "userId"}]}`. */
  readonly schema?: string;
  /** JSON text of a profile, e.g. `{"num_rows": 100836}`. */
  readonly profile?: string;
  /** `training`, `evaluation`, ...: the `mlflow.data.context` tag. */
  readonly context?: string;
}

/** MLflow 3's logged model (the fields used here). */
export interface MlflowLoggedModel {
  readonly model_id: string;
  readonly experiment_id: string;
  readonly name: string;
  readonly artifact_uri: string;
  readonly status?: string;
  readonly source_run_id?: string;
}

/** A registered model version. */
export interface MlflowModelVersion {
  readonly name: string;
  readonly version: string;
  readonly source?: string;
  readonly run_id?: string;
  readonly status?: string;
  readonly tags?: MlflowKeyValue[];
  readonly aliases?: string[];
}

/** Options of {@linkcode MlflowClient.searchRuns}. */
export interface SearchRunsOptions {
  readonly experimentIds: readonly string[];
  /** MLflow search syntax, e.g. `metrics.rmse < 1 and tags.model = 'mf'`. */
  readonly filter?: string;
  readonly orderBy?: readonly string[];
  /** Stop after this many runs. Default: all. */
  readonly limit?: number;
}

/** A metric to log, with non-finite values allowed. */
export interface LogMetric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

type Query = Record<string, string | number | undefined>;
type Env = Readonly<Record<string, string | undefined>>;

const API = "/api/2.0/mlflow";
const ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts";

/** Client of one MLflow tracking server. */
export class MlflowClient {
  /** Server URL without credentials or trailing slash (safe to print). */
  readonly baseUrl: string;
  /** The URI as given, with secrets masked. */
  readonly displayUri: string;
  /** Masks this client's secrets in any text. */
  readonly redactor: Redactor;
  readonly #auth: string | undefined;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #timeoutMs: number;
  readonly #onRetry: (message: string) => void;

  /** Throws an {@linkcode MlflowError} with a clear message when the URI is malformed. */
  constructor(options: MlflowClientOptions) {
    const uri = options.uri.trim();
    const fromUrl = userinfo(uri);
    const username = fromUrl.username ?? options.username;
    const password = fromUrl.password ?? options.password;
    const basic = username !== undefined && password !== undefined
      ? basicCredentials(username, password)
      : undefined;
    this.redactor = new Redactor([options.token, options.password, fromUrl.password, basic]);
    this.displayUri = this.redactor.text(redactUri(uri));
    this.baseUrl = parseTrackingUri(uri, this.displayUri);
    if (options.token) this.#auth = `Bearer ${options.token}`;
    else if (basic !== undefined) this.#auth = `Basic ${basic}`;
    this.#retries = options.retries ?? 4;
    this.#backoffMs = options.backoffMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 4000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#onRetry = options.onRetry ?? (() => {});
  }

  /** A client configured from MLflow's environment variables (`MLFLOW_TRACKING_URI`, ...). */
  static fromEnv(env: Env, options: Partial<MlflowClientOptions> = {}): MlflowClient {
    const uri = env.MLFLOW_TRACKING_URI;
    if (!uri) {
      throw new MlflowError("MLFLOW_TRACKING_URI is not set: set it to the tracking server's URL");
    }
    return new MlflowClient({
      uri,
      ...(env.MLFLOW_TRACKING_TOKEN ? { token: env.MLFLOW_TRACKING_TOKEN } : {}),
      ...(env.MLFLOW_TRACKING_USERNAME ? { username: env.MLFLOW_TRACKING_USERNAME } : {}),
      ...(env.MLFLOW_TRACKING_PASSWORD ? { password: env.MLFLOW_TRACKING_PASSWORD } : {}),
      ...options,
    });
  }

  /** The MLflow UI page of a run. */
  runUrl(experimentId: string, runId: string): string {
    return `${this.baseUrl}/#/experiments/${experimentId}/runs/${runId}`;
  }

  // ---- tracking -----------------------------------------------------------

  /** The experiment with this name, or undefined. */
  async getExperimentByName(name: string): Promise<MlflowExperiment | undefined> {
    try {
      const r = await this.request<{ experiment: MlflowExperiment }>(
        "GET",
        `${API}/experiments/get-by-name`,
        { query: { experiment_name: name } },
      );
      return r.experiment;
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === "RESOURCE_DOES_NOT_EXIST") {
        return undefined;
      }
      throw error;
    }
  }

  /** The experiment with this id. */
  async getExperiment(experimentId: string): Promise<MlflowExperiment> {
    const r = await this.request<{ experiment: MlflowExperiment }>(
      "GET",
      `${API}/experiments/get`,
      { query: { experiment_id: experimentId } },
    );
    return r.experiment;
  }

  /** The experiment with this name, created if missing (safe against a concurrent create). */
  async getOrCreateExperiment(name: string): Promise<MlflowExperiment> {
    const found = await this.getExperimentByName(name);
    if (found && found.lifecycle_stage !== "deleted") return found;
    if (found) {
      throw new MlflowError(
        `Experiment "${name}" is deleted in MLflow: restore it in the UI or choose another name`,
      );
    }
    try {
      const r = await this.request<{ experiment_id: string }>("POST", `${API}/experiments/create`, {
        body: { name },
      });
      return { experiment_id: r.experiment_id, name };
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === "RESOURCE_ALREADY_EXISTS") {
        const again = await this.getExperimentByName(name);
        if (again) return again;
      }
      throw error;
    }
  }

  /** All active experiments. */
  async searchExperiments(): Promise<MlflowExperiment[]> {
    const out: MlflowExperiment[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.request<{ experiments?: MlflowExperiment[]; next_page_token?: string }>(
        "POST",
        `${API}/experiments/search`,
        { body: { max_results: 1000, ...(pageToken ? { page_token: pageToken } : {}) } },
      );
      out.push(...(r.experiments ?? []));
      pageToken = r.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  /** Creates a run (status RUNNING). */
  async createRun(
    init: {
      experimentId: string;
      runName: string;
      startTime: number;
      tags?: Readonly<Record<string, string>>;
    },
  ): Promise<MlflowRun> {
    const r = await this.request<{ run: MlflowRun }>("POST", `${API}/runs/create`, {
      body: {
        experiment_id: init.experimentId,
        run_name: init.runName,
        start_time: Math.round(init.startTime),
        tags: toKeyValues(init.tags ?? {}),
      },
    });
    return r.run;
  }

  /**
   * Logs metrics, params and tags with as few runs/log-batch calls as MLflow's
   * limits allow (1000 metrics, 100 params, 100 tags, 1000 in all per call).
   * Returns the number of calls made.
   */
  async logBatch(
    runId: string,
    data: {
      metrics?: readonly LogMetric[];
      params?: Readonly<Record<string, string>>;
      tags?: Readonly<Record<string, string>>;
    },
  ): Promise<number> {
    const chunks = chunkLogBatch({
      metrics: (data.metrics ?? []).map((m) => ({
        key: m.key,
        value: encodeMetricValue(m.value),
        timestamp: Math.round(m.timestamp),
        step: Math.round(m.step),
      })),
      params: toKeyValues(data.params ?? {}),
      tags: toKeyValues(data.tags ?? {}),
    }, LOG_BATCH_LIMITS);
    for (const chunk of chunks) {
      await this.request("POST", `${API}/runs/log-batch`, { body: { run_id: runId, ...chunk } });
    }
    return chunks.length;
  }

  /** Sets a run's status and end time. */
  async updateRun(runId: string, status: MlflowRun["info"]["status"], endTime?: number) {
    await this.request("POST", `${API}/runs/update`, {
      body: {
        run_id: runId,
        status,
        ...(endTime !== undefined ? { end_time: Math.round(endTime) } : {}),
      },
    });
  }

  /** One run (metrics hold only their latest value; see getMetricHistory). */
  async getRun(runId: string): Promise<MlflowRun> {
    const r = await this.request<{ run: MlflowRun }>("GET", `${API}/runs/get`, {
      query: { run_id: runId },
    });
    return r.run;
  }

  /** Marks a run deleted (MLflow keeps it in the trash). */
  async deleteRun(runId: string): Promise<void> {
    await this.request("POST", `${API}/runs/delete`, { body: { run_id: runId } });
  }

  /** Runs matching a filter, following pagination. */
  async searchRuns(options: SearchRunsOptions): Promise<MlflowRun[]> {
    const out: MlflowRun[] = [];
    let pageToken: string | undefined;
    const limit = options.limit ?? Infinity;
    do {
      const r = await this.request<{ runs?: MlflowRun[]; next_page_token?: string }>(
        "POST",
        `${API}/runs/search`,
        {
          body: {
            experiment_ids: options.experimentIds,
            ...(options.filter ? { filter: options.filter } : {}),
            order_by: options.orderBy ?? ["attributes.start_time DESC"],
            max_results: Math.min(1000, limit - out.length),
            ...(pageToken ? { page_token: pageToken } : {}),
          },
        },
      );
      out.push(...(r.runs ?? []));
      pageToken = r.next_page_token || undefined;
    } while (pageToken && out.length < limit);
    return out;
  }

  /** Every logged point of a metric, following pagination. */
  async getMetricHistory(runId: string, key: string): Promise<MlflowMetric[]> {
    const out: MlflowMetric[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.request<{ metrics?: MlflowMetric[]; next_page_token?: string }>(
        "GET",
        `${API}/metrics/get-history`,
        { query: { run_id: runId, metric_key: key, max_results: 25000, page_token: pageToken } },
      );
      out.push(...(r.metrics ?? []));
      pageToken = r.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  // ---- artifacts ----------------------------------------------------------

  /**
   * Uploads one file through the server's artifact proxy to
   * `<artifactUri>/<artifactPath>`; `artifactUri` is the run's `artifact_uri`
   * (`mlflow-artifacts:/<experiment>/<run>/artifacts`).
   */
  async uploadArtifact(artifactUri: string, artifactPath: string, data: Uint8Array): Promise<void> {
    const root = proxyPath(artifactUri);
    const rel = artifactPath.split("/").filter(Boolean).map(encodeURIComponent).join("/");
    await this.request("PUT", `${ARTIFACTS_API}/${root}/${rel}`, {
      raw: data,
      contentType: "application/octet-stream",
    });
  }

  /** The files directly under `path` of a run's artifacts. */
  async listArtifacts(runId: string, path?: string): Promise<MlflowFileInfo[]> {
    const r = await this.request<{ files?: MlflowFileInfo[] }>("GET", `${API}/artifacts/list`, {
      query: { run_id: runId, path },
    });
    return r.files ?? [];
  }

  /** Every file path of a run's artifacts, recursively, sorted. */
  async listArtifactsRecursive(runId: string, path?: string): Promise<string[]> {
    const out: string[] = [];
    for (const f of await this.listArtifacts(runId, path)) {
      if (f.is_dir) out.push(...await this.listArtifactsRecursive(runId, f.path));
      else out.push(f.path);
    }
    return out.sort();
  }

  // ---- inputs and logged models (MLflow 3) ---------------------------------

  /**
   * Logs datasets as the run's inputs (`runs/log-inputs`): each with a name,
   * a digest, where it came from and, optionally, its schema and profile
   * (JSON texts, as MLflow's own clients send them).
   */
  async logInputs(runId: string, datasets: readonly MlflowDatasetInput[]): Promise<void> {
    await this.request("POST", `${API}/runs/log-inputs`, {
      body: {
        run_id: runId,
        datasets: datasets.map((d) => ({
          tags: d.context ? [{ key: "mlflow.data.context", value: d.context }] : [],
          dataset: {
            name: d.name,
            digest: d.digest,
            source_type: d.sourceType,
            source: d.source,
            ...(d.schema !== undefined ? { schema: d.schema } : {}),
            ...(d.profile !== undefined ? { profile: d.profile } : {}),
          },
        })),
      },
    });
  }

  /**
   * Creates a logged model (MLflow 3's "Logged models" of an experiment) from
   * a run; its files go to `artifact_location` (upload with
   * {@linkcode MlflowClient.uploadArtifact}), then {@linkcode MlflowClient.finalizeLoggedModel}.
   */
  async createLoggedModel(init: {
    experimentId: string;
    name: string;
    sourceRunId: string;
    modelType?: string;
    params?: Readonly<Record<string, string>>;
    tags?: Readonly<Record<string, string>>;
  }): Promise<MlflowLoggedModel> {
    const r = await this.request<{ model: { info: MlflowLoggedModel } }>(
      "POST",
      `${API}/logged-models`,
      {
        body: {
          experiment_id: init.experimentId,
          name: init.name,
          source_run_id: init.sourceRunId,
          ...(init.modelType ? { model_type: init.modelType } : {}),
          params: toKeyValues(init.params ?? {}),
          tags: toKeyValues(init.tags ?? {}),
        },
      },
    );
    return r.model.info;
  }

  /** Marks a logged model's upload done (READY) or failed. */
  async finalizeLoggedModel(
    modelId: string,
    status: "LOGGED_MODEL_READY" | "LOGGED_MODEL_UPLOAD_FAILED",
  ): Promise<MlflowLoggedModel> {
    const r = await this.request<{ model: { info: MlflowLoggedModel } }>(
      "PATCH",
      `${API}/logged-models/${encodeURIComponent(modelId)}`,
      { body: { model_id: modelId, status } },
    );
    return r.model.info;
  }

  /** A logged model by id. */
  async getLoggedModel(modelId: string): Promise<MlflowLoggedModel> {
    const r = await this.request<{ model: { info: MlflowLoggedModel } }>(
      "GET",
      `${API}/logged-models/${encodeURIComponent(modelId)}`,
    );
    return r.model.info;
  }

  /** Records logged models as outputs of a run (`runs/outputs`). */
  async logOutputs(runId: string, modelIds: readonly string[]): Promise<void> {
    await this.request("POST", `${API}/runs/outputs`, {
      body: { run_id: runId, models: modelIds.map((id) => ({ model_id: id, step: 0 })) },
    });
  }

  // ---- model registry -----------------------------------------------------

  /** Creates a registered model; an existing one is fine. */
  async createRegisteredModel(name: string): Promise<void> {
    try {
      await this.request("POST", `${API}/registered-models/create`, { body: { name } });
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === "RESOURCE_ALREADY_EXISTS") return;
      throw error;
    }
  }

  /** Creates a model version from a run's model folder. */
  async createModelVersion(
    init: { name: string; source: string; runId: string; tags?: Readonly<Record<string, string>> },
  ): Promise<MlflowModelVersion> {
    const r = await this.request<{ model_version: MlflowModelVersion }>(
      "POST",
      `${API}/model-versions/create`,
      {
        body: {
          name: init.name,
          source: init.source,
          run_id: init.runId,
          tags: toKeyValues(init.tags ?? {}),
        },
      },
    );
    return r.model_version;
  }

  /** The version an alias points to, or undefined when the alias (or model) does not exist. */
  async getModelVersionByAlias(
    name: string,
    alias: string,
  ): Promise<MlflowModelVersion | undefined> {
    try {
      const r = await this.request<{ model_version: MlflowModelVersion }>(
        "GET",
        `${API}/registered-models/alias`,
        { query: { name, alias } },
      );
      return r.model_version;
    } catch (error) {
      if (
        error instanceof MlflowError &&
        (error.errorCode === "RESOURCE_DOES_NOT_EXIST" ||
          (error.errorCode === "INVALID_PARAMETER_VALUE" && /not found/i.test(error.message)))
      ) return undefined;
      throw error;
    }
  }

  /** Points an alias at a version. */
  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.request("POST", `${API}/registered-models/alias`, {
      body: { name, alias, version },
    });
  }

  // ---- transport ----------------------------------------------------------

  /**
   * One API call with retries: JSON in, JSON out. Throws {@linkcode MlflowError}
   * with a clear message for HTML or non-JSON answers, 4xx (MLflow's error_code
   * and message) and faults that outlast the retries.
   */
  async request<T = unknown>(
    method: "GET" | "POST" | "PUT" | "PATCH",
    path: string,
    options: { query?: Query; body?: unknown; raw?: Uint8Array; contentType?: string } = {},
  ): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const what = `${method} ${path}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#auth) headers.authorization = this.#auth;
    let body: BodyInit | undefined;
    if (options.raw) {
      body = options.raw as Uint8Array<ArrayBuffer>;
      headers["content-type"] = options.contentType ?? "application/octet-stream";
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    for (let attempt = 0;; attempt++) {
      let fault: MlflowError;
      let retryAfterMs: number | undefined;
      try {
        const res = await fetch(url, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        const text = await res.text();
        if (res.ok) return this.#parse<T>(res, text, what);
        fault = this.#httpError(res, text, what);
        if (!fault.transient) throw fault;
        retryAfterMs = retryAfter(res.headers.get("retry-after"));
      } catch (error) {
        if (error instanceof MlflowError) {
          if (!error.transient) throw error;
          fault = error;
        } else {
          fault = new MlflowError(
            this.redactor.text(
              `Cannot reach MLflow at ${this.displayUri} (${what}): ${
                describeFetchError(error)
              }: ` +
                `check that the server is running and MLFLOW_TRACKING_URI is right`,
            ),
            { transient: true },
          );
        }
      }
      if (attempt >= this.#retries) {
        throw new MlflowError(
          `${fault.message} (gave up after ${attempt + 1} attempts)`,
          {
            transient: true,
            ...(fault.status !== undefined ? { status: fault.status } : {}),
            ...(fault.errorCode !== undefined ? { errorCode: fault.errorCode } : {}),
          },
        );
      }
      const exp = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** attempt);
      const delay = Math.min(this.#maxBackoffMs, retryAfterMs ?? exp * (0.75 + Math.random() / 2));
      this.#onRetry(
        this.redactor.text(
          `MLflow ${what} failed (${fault.status ?? "no answer"}), retry ${
            attempt + 1
          }/${this.#retries} in ${Math.round(delay)} ms`,
        ),
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  #parse<T>(res: Response, text: string, what: string): T {
    if (isHtml(res, text)) {
      throw new MlflowError(
        `MLflow at ${this.displayUri} answered ${what} with an HTML page (status ${res.status}), ` +
          `not JSON: check that MLFLOW_TRACKING_URI is the tracking server's root URL ` +
          `(e.g. http://127.0.0.1:5000), not a UI page or a login proxy`,
        { status: res.status },
      );
    }
    if (text.trim() === "") return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MlflowError(
        this.redactor.text(
          `MLflow at ${this.displayUri} answered ${what} with something that is not JSON ` +
            `(status ${res.status}): ${
              JSON.stringify(text.slice(0, 120))
            }: check MLFLOW_TRACKING_URI`,
        ),
        { status: res.status },
      );
    }
  }

  #httpError(res: Response, text: string, what: string): MlflowError {
    const transient = res.status >= 500 || res.status === 429 || res.status === 408;
    let errorCode: string | undefined;
    let detail: string;
    if (isHtml(res, text)) {
      detail = `an HTML page instead of MLflow's JSON: check that MLFLOW_TRACKING_URI is the ` +
        `tracking server's root URL`;
    } else {
      try {
        const j = JSON.parse(text) as { error_code?: string; message?: string };
        errorCode = j.error_code;
        detail = `${j.error_code ?? "error"}: ${j.message ?? text.slice(0, 300)}`;
      } catch {
        detail = JSON.stringify(text.slice(0, 200));
      }
    }
    const hint = res.status === 401 || res.status === 403
      ? ": check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD"
      : "";
    return new MlflowError(
      this.redactor.text(
        `MLflow at ${this.displayUri} rejected ${what} (HTTP ${res.status}): ${detail}${hint}`,
      ),
      { status: res.status, transient, ...(errorCode ? { errorCode } : {}) },
    );
  }
}

/** Base URL of a tracking URI (no credentials, no trailing slash); throws on bad URIs. */
function parseTrackingUri(uri: string, display: string): string {
  let url: URL;
  if (/^[\w.-]+:\d+(\/|$)/.test(uri)) {
    throw new MlflowError(
      `Invalid MLFLOW_TRACKING_URI "${display}": the scheme is missing: use http://${display}`,
    );
  }
  try {
    url = new URL(uri);
  } catch {
    throw new MlflowError(
      `Invalid MLFLOW_TRACKING_URI "${display}": expected an http(s) URL such as ` +
        `http://127.0.0.1:5000`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new MlflowError(
      `Unsupported MLFLOW_TRACKING_URI "${display}": only http(s) tracking servers are ` +
        `supported, got "${url.protocol}": unset it to use the local run store (runs/)`,
    );
  }
  if (!url.hostname) {
    throw new MlflowError(`Invalid MLFLOW_TRACKING_URI "${display}": the host is missing`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

function userinfo(uri: string): { username?: string; password?: string } {
  try {
    const url = new URL(uri);
    if (!url.username && !url.password) return {};
    return {
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    };
  } catch {
    return {};
  }
}

/** `<experiment>/<run>/artifacts` of an `mlflow-artifacts:` URI, for the proxy's path. */
function proxyPath(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(artifactUri);
  if (!m) {
    throw new MlflowError(
      `Cannot upload artifacts: the run's artifact location is "${artifactUri}", not the ` +
        `server's artifact proxy (mlflow-artifacts:/...): start mlflow server with ` +
        `--artifacts-destination (and without --no-serve-artifacts)`,
    );
  }
  return m[1]!.replace(/\/+$/, "").split("/").map(encodeURIComponent).join("/");
}

function isHtml(res: Response, text: string): boolean {
  return (res.headers.get("content-type") ?? "").includes("text/html") ||
    /^\s*<(!doctype|html)/i.test(text);
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  return Number.isFinite(s) ? s * 1000 : undefined;
}

function describeFetchError(error: unknown): string {
  if (error instanceof DOMException && error.name === "TimeoutError") return "request timed out";
  let msg = error instanceof Error ? error.message : String(error);
  for (let e: unknown = error; e instanceof Error && e.cause !== undefined; e = e.cause) {
    msg += ` ${e.cause instanceof Error ? e.cause.message : String(e.cause)}`;
  }
  if (/refused/i.test(msg)) return "connection refused";
  if (/reset/i.test(msg)) return "connection reset";
  if (/dns|lookup|resolve|name or service/i.test(msg)) return "host not found";
  if (/timed? ?out/i.test(msg)) return "request timed out";
  return msg.split("\n")[0] ?? msg;
}

function toKeyValues(record: Readonly<Record<string, string>>): MlflowKeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value: String(value) }));
}

/** JSON has no NaN or Infinity: MLflow accepts them as strings. */
function encodeMetricValue(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}
