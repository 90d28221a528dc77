/**
 * Opens the run store the environment asks for: the local store under `root`
 * by default; with `MLFLOW_TRACKING_URI` set, a {@linkcode SyncingRunStore}
 * that writes locally first and pushes to MLflow.
 *
 * @module
 */
import { LocalRunStore } from "./local_store.ts";
import { MlflowClient, type MlflowClientOptions } from "./mlflow_client.ts";
import { MlflowRunStore } from "./mlflow_store.ts";
import { Redactor } from "./redactor.ts";
import { SyncingRunStore } from "./syncing_store.ts";

/** Options of {@linkcode openRunStore}. */
export interface OpenRunStoreOptions {
  /** Folder of the local store. Default `runs` (relative to the current directory). */
  readonly root?: string;
  /** Environment to read `MLFLOW_*` from. Default `Deno.env.toObject()`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Experiment when `MLFLOW_EXPERIMENT_NAME` is not set. Default `Default`. */
  readonly experiment?: string;
  /** Where warnings go (already redacted). Default `console.warn`. */
  readonly warn?: (message: string) => void;
  /** Retry and timeout settings of the MLflow client. */
  readonly client?: Partial<
    Pick<MlflowClientOptions, "retries" | "backoffMs" | "maxBackoffMs" | "timeoutMs">
  >;
  /** Throw on a malformed `MLFLOW_TRACKING_URI` instead of warning and keeping runs locally. */
  readonly strict?: boolean;
}

/**
 * The store for this environment. A malformed `MLFLOW_TRACKING_URI` does not
 * stop the pipeline (unless `strict`): it is reported once and runs are kept
 * locally, marked unsynced, for `deno task runs sync` once the URI is fixed.
 *
 * @example
 * ```ts
 * import { LocalRunStore, openRunStore } from "./mod.ts";
 * const root = await Deno.makeTempDir();
 * const store = openRunStore({ root, env: {}, experiment: "movies" });
 * if (!(store instanceof LocalRunStore) || store.experiment !== "movies") throw new Error();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function openRunStore(options: OpenRunStoreOptions = {}): LocalRunStore | SyncingRunStore {
  const env = options.env ?? Deno.env.toObject();
  const experiment = env.MLFLOW_EXPERIMENT_NAME || options.experiment || "Default";
  const redactor = Redactor.fromEnv(env);
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const safeWarn = (m: string) => warn(redactor.text(m));
  const root = options.root ?? "runs";
  if (!env.MLFLOW_TRACKING_URI) return new LocalRunStore(root, { experiment, redactor });
  let client: MlflowClient;
  try {
    client = MlflowClient.fromEnv(env, { ...options.client, onRetry: safeWarn });
  } catch (error) {
    if (options.strict) throw error;
    safeWarn(
      `Warning: ${(error as Error).message}. Runs are kept in ${root} and marked unsynced; ` +
        `fix the URI and run \`deno task runs sync\``,
    );
    return new LocalRunStore(root, { experiment, redactor, trackSync: true });
  }
  const local = new LocalRunStore(root, { experiment, redactor, trackSync: true });
  const mlflow = new MlflowRunStore(client, { experiment });
  return new SyncingRunStore(local, mlflow, { warn: safeWarn, redactor });
}
