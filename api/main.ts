/**
 * Serves the API with its own HTTP server (`http_server.ts`: header, body and
 * idle timeouts, a connection cap, 414/431 answers): `deno task serve` (or
 * `deno run -A [--unstable-net] api/main.ts [--port 8000] [--host 127.0.0.1] [--model-dir PATH |
 * --model models:/NAME@champion] [--data-dir data] [--watch] [--workers N]`).
 *
 * Settings come from flags, else the environment: `PORT`, `HOST`,
 * `MODEL` / `MODEL_DIR` / `DATA_DIR`, `API_KEYS` and `ADMIN_KEYS` (comma
 * separated), `RATE_LIMIT` (`100/s`, `600/min,burst=50`, `off`),
 * `CORS_ORIGINS` (comma separated, `*` for any; closed when unset),
 * `LOG_LEVEL` (`info`, `error`, `off`), `TRUST_PROXY=1`, `MIN_RATINGS` (or
 * `--min-ratings`: the default `min_ratings` of `/recommend`), and MLflow's own
 * `MLFLOW_TRACKING_URI` / `MLFLOW_TRACKING_TOKEN`.
 *
 * A pipeline data folder whose select stage chose two champions
 * (`selection/champions.json`) serves both: the ranking champion answers
 * `/recommend`, `POST /recommend`, `/similar` and `/explain` (item models),
 * the rating champion `/predict`; one model (older folders, `--model-dir`,
 * `--model`) answers everything. Every answer's `answeredBy` names the model.
 *
 * `--workers N` (or `WORKERS`, `auto`: one per core) serves on N workers
 * sharing the port (`SO_REUSEPORT`: run deno with `--unstable-net`), each
 * with its own copy of the model; reloads swap every worker (see
 * `worker_pool.ts`). `FAST_LANE=0` turns off the fast lane of the hot routes
 * (`fast_lane.ts`); `LIST_CACHE` (default 50000, 0: off) bounds the ranked
 * lists each served model keeps (a swap drops them with the model).
 *
 * `--watch` (or `WATCH_MODEL=1`) polls the source every `WATCH_INTERVAL_MS`
 * (default 2000; 10000 for the registry) and swaps the model when the
 * champion file, the model files or the registry alias move. Connection
 * limits: `MAX_CONNECTIONS` (1024), `HEADERS_TIMEOUT_MS` (10000),
 * `BODY_TIMEOUT_MS` (10000: the longest pause in a body), `IDLE_TIMEOUT_MS`
 * (5000: keep-alive).
 *
 * The server listens at once (`/ready` answers 503 until the model is loaded,
 * and again once shutdown begins; during a reload the old model serves and
 * `/ready` stays 200; a failed first load exits with status 1). SIGHUP reloads the model (as does
 * `POST /admin/reload`); SIGINT/SIGTERM stop accepting connections, finish
 * the requests in flight, flush the logs and exit.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { type AppOptions, createApp } from "./app.ts";
import { fastLane } from "./fast_lane.ts";
import { type PoolReloadResult, startWorkerPool } from "./worker_pool.ts";
import { type HttpLimits, HttpServer } from "./http_server.ts";
import { type ModelWatch, watchAndReload } from "./model_watcher.ts";
import { ApiMetrics } from "./metrics.ts";
import { JsonLogger } from "./json_logger.ts";
import { ModelHolder, type ModelLoader, type ReloadResult } from "./model_holder.ts";
import type { LoadedModel } from "./loaded_model.ts";
import {
  describeSource,
  loadFromSource,
  type ModelSource,
  parseModelSource,
} from "./model_source.ts";
import { parseRateSpec } from "./rate_limiter.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/evaluation/min_ratings.ts";

/** Settings of {@linkcode startServer}. */
export interface ServerOptions {
  readonly source: ModelSource;
  readonly port: number;
  readonly hostname: string;
  readonly apiKeys: readonly string[];
  readonly adminKeys: readonly string[];
  readonly rateLimit: { perSecond: number; burst: number } | null;
  readonly corsOrigins: readonly string[];
  readonly logLevel: "info" | "error" | "off";
  readonly trustProxy: boolean;
  /** Default `min_ratings` of `/recommend` (requests may override it); unset: the evaluate stage's. */
  readonly minRatings: number | undefined;
  /** Poll the source every this many ms and swap when it moves; null: only SIGHUP and /admin/reload. */
  readonly watchIntervalMs: number | null;
  /** Connection limits and timeouts (defaults: `DEFAULT_HTTP_LIMITS`). */
  readonly limits: Partial<HttpLimits>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Serve on this many workers (threads sharing the port, `SO_REUSEPORT`;
   * `--workers N` or `WORKERS`, `auto`: one per core). Default 1. Used by the
   * command line ({@linkcode startWorkerPool}); {@linkcode startServer} serves on one.
   */
  readonly workers: number;
  /** Answer the hot reads from the request head (`FAST_LANE=0`: off). Default on. */
  readonly fastLane: boolean;
  /** Ranked lists each served model keeps (`LIST_CACHE`; 0: none). Default 50,000. */
  readonly cacheLists?: number;
  /** Share the port with other workers (set by the worker pool). */
  readonly reusePort?: boolean;
  /** Loads a model (default: from `source`); the worker pool stages its models with it. */
  readonly loader?: ModelLoader;
  /** A model loaded before listening (the pool's workers): served from the first connection. */
  readonly initial?: LoadedModel;
  /** What a reload runs (SIGHUP, `/admin/reload`, the watch); default this server's own holder. */
  readonly reloadAll?: () => Promise<ReloadResult>;
}

/** A running server. */
export interface RunningServer {
  readonly port: number;
  readonly holder: ModelHolder;
  /** The HTTP server (its events: `request`, `response`, `reject`, `close`). */
  readonly http: HttpServer;
  /** The source watch, when `watchIntervalMs` is set. */
  readonly watch: ModelWatch | null;
  /** The server's log (JSON lines). */
  readonly logger: JsonLogger;
  /** Reloads the model (SIGHUP) and counts the attempt in `/metrics`, like `POST /admin/reload`. */
  reload(): ReturnType<ModelHolder["reload"]>;
  /** Resolves once the first model load ended (true when it succeeded). */
  readonly firstLoad: Promise<boolean>;
  /** Stops accepting, finishes in-flight requests, flushes logs. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
}

const _list = (s: string | undefined) =>
  (s ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");

const _envSchema = z.object({
  PORT: z.string().regex(/^\d{1,5}$/, { error: "PORT must be a port number from 0 to 65535" })
    .optional(),
  HOST: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["info", "error", "off"], { error: "LOG_LEVEL must be info, error or off" })
    .optional(),
  TRUST_PROXY: z.enum(["0", "1", "true", "false"], { error: "TRUST_PROXY must be 0 or 1" })
    .optional(),
});

/** Reads the settings from flags and the environment; throws with a clear message on bad values. */
export function readServerOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ServerOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: "string" },
      host: { type: "string" },
      model: { type: "string" },
      "model-dir": { type: "string" },
      "data-dir": { type: "string" },
      "min-ratings": { type: "string" },
      workers: { type: "string" },
      watch: { type: "boolean" },
    },
    strict: true,
  });
  const e = _envSchema.safeParse(env);
  if (!e.success) {
    throw new Error(
      `Invalid environment: ${
        e.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")
      }`,
    );
  }
  const portText = values.port ?? e.data.PORT ?? "8000";
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    throw new Error(`Invalid --port "${portText}": expected a port number from 0 to 65535`);
  }
  // Unset: the floor the evaluate stage used for the served model (else DEFAULT_MIN_RATINGS).
  const minText = values["min-ratings"] ?? env.MIN_RATINGS;
  const minRatings = minText === undefined ? undefined : Number(minText);
  if (minText !== undefined && (!/^\d{1,7}$/.test(minText) || minRatings! > 1_000_000)) {
    throw new Error(
      `Invalid --min-ratings / MIN_RATINGS "${
        minText.slice(0, 40)
      }": expected a whole number from 0 to 1000000 (default: the evaluate stage's, else ${DEFAULT_MIN_RATINGS})`,
    );
  }
  const source = parseModelSource({
    model: values.model ?? env.MODEL,
    modelDir: values["model-dir"] ?? env.MODEL_DIR,
    dataDir: values["data-dir"] ?? env.DATA_DIR,
    env,
  });
  const apiKeys = _list(env.API_KEYS);
  const watch = values.watch === true || env.WATCH_MODEL === "1" || env.WATCH_MODEL === "true";
  const limits: Record<string, number> = {};
  for (
    const [name, key] of [
      ["WATCH_INTERVAL_MS", ""],
      ["LIST_CACHE", ""],
      ["MAX_CONNECTIONS", "maxConnections"],
      ["HEADERS_TIMEOUT_MS", "headersTimeoutMs"],
      ["BODY_TIMEOUT_MS", "bodyIdleTimeoutMs"],
      ["IDLE_TIMEOUT_MS", "idleTimeoutMs"],
    ] as const
  ) {
    const text = env[name];
    if (text === undefined) continue;
    if (!/^\d{1,9}$/.test(text) || (Number(text) < 1 && name !== "LIST_CACHE")) {
      throw new Error(
        `Invalid ${name} "${text.slice(0, 40)}": expected a whole number from 1 to 999999999`,
      );
    }
    if (key) limits[key] = Number(text);
  }
  const workersText = (values.workers ?? env.WORKERS ?? "1").trim();
  const cores = navigator.hardwareConcurrency || 1;
  const workers = workersText === "auto" ? cores : Number(workersText);
  if (workersText !== "auto" && (!/^\d{1,3}$/.test(workersText) || workers < 1 || workers > 64)) {
    throw new Error(
      `Invalid --workers / WORKERS "${
        workersText.slice(0, 40)
      }": expected a whole number from 1 to 64, or auto (one per core: ${cores})`,
    );
  }
  if (env.FAST_LANE !== undefined && !["0", "1", "true", "false"].includes(env.FAST_LANE)) {
    throw new Error(`Invalid FAST_LANE "${env.FAST_LANE.slice(0, 40)}": expected 0 or 1`);
  }
  const interval = env.WATCH_INTERVAL_MS !== undefined
    ? Number(env.WATCH_INTERVAL_MS)
    : source.kind === "mlflow"
    ? 10_000
    : 2_000;
  return {
    source,
    port,
    hostname: values.host ?? e.data.HOST ?? "127.0.0.1",
    apiKeys,
    adminKeys: env.ADMIN_KEYS !== undefined ? _list(env.ADMIN_KEYS) : apiKeys,
    rateLimit: parseRateSpec(env.RATE_LIMIT),
    corsOrigins: _list(env.CORS_ORIGINS),
    logLevel: e.data.LOG_LEVEL ?? "info",
    trustProxy: e.data.TRUST_PROXY === "1" || e.data.TRUST_PROXY === "true",
    minRatings,
    watchIntervalMs: watch ? interval : null,
    limits,
    env,
    workers,
    fastLane: env.FAST_LANE !== "0" && env.FAST_LANE !== "false",
    ...(env.LIST_CACHE !== undefined ? { cacheLists: Number(env.LIST_CACHE) } : {}),
  };
}

/** Starts the server and the first model load. */
export function startServer(options: ServerOptions): RunningServer {
  const logger = new JsonLogger({ level: options.logLevel });
  const metrics = new ApiMetrics();
  const holder = new ModelHolder(
    options.loader ?? (() =>
      loadFromSource(options.source, {
        env: options.env,
        ...(options.cacheLists !== undefined ? { cacheLists: options.cacheLists } : {}),
      })),
    {
      onSwap: (m) => metrics.setModel(m.info.name, m.info.version),
      ...(options.initial ? { initial: options.initial } : {}),
    },
  );
  const appOptions: AppOptions = {
    holder,
    apiKeys: options.apiKeys,
    adminKeys: options.adminKeys,
    rateLimit: options.rateLimit,
    corsOrigins: options.corsOrigins,
    ...(options.minRatings !== undefined ? { minRatings: options.minRatings } : {}),
    logger,
    metrics,
    trustProxy: options.trustProxy,
    ...(options.reloadAll ? { reload: options.reloadAll } : {}),
  };
  const app = createApp(appOptions);
  const server = new HttpServer((req, info) => app.fetch(req, info), {
    port: options.port,
    hostname: options.hostname,
    limits: options.limits,
    fast: options.fastLane ? fastLane(appOptions) : null,
    ...(options.reusePort ? { reusePort: true } : {}),
    onListen: ({ port, hostname }) => {
      logger.info("listening", {
        url: `http://${hostname}:${port}`,
        source: describeSource(options.source),
      });
      logger.flush();
    },
    onError: (err) =>
      logger.error("http server error", {
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      }),
  });
  metrics.setOpenConnections(() => server.stats.openConnections);
  server.addEventListener("reject", (e) => {
    const d = (e as CustomEvent<{ status: number; reason: string }>).detail;
    metrics.observeRejected(d.reason, d.status);
  });
  server.addEventListener("close", (e) => {
    metrics.observeConnectionClosed((e as CustomEvent<{ reason: string }>).detail.reason);
  });
  const port = server.addr.port;
  const first = options.initial
    ? Promise.resolve({ ok: true as const, model: options.initial, ms: 0 })
    : holder.reload();
  const firstLoad = first.then((r) => {
    if (r.ok) {
      logger.info("model loaded", {
        model: r.model.info.name,
        version: r.model.info.version,
        source: r.model.info.location ?? r.model.info.source,
        ms: Math.round(r.ms),
      });
    } else logger.error("model load failed", { error: r.error });
    logger.flush();
    return r.ok;
  });
  const reload = async () => {
    const r = await (options.reloadAll ?? (() => holder.reload()))();
    metrics.observeReload(r.ok ? "ok" : "failed");
    return r;
  };
  const watch = options.watchIntervalMs === null ? null : watchAndReload(options.source, {
    intervalMs: options.watchIntervalMs,
    env: options.env,
    logger,
    reload,
  });
  return {
    port,
    holder,
    http: server,
    watch,
    logger,
    firstLoad,
    reload,
    async shutdown() {
      logger.info("shutting down: finishing requests in flight");
      holder.drain();
      watch?.stop();
      await server.shutdown();
      logger.info("stopped");
      logger.flush();
    },
    finished: server.finished,
  };
}

if (import.meta.main) {
  let options: ServerOptions;
  try {
    options = readServerOptions(Deno.args, Deno.env.toObject());
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  const running: {
    readonly logger: JsonLogger;
    readonly firstLoad: Promise<boolean>;
    reload(): Promise<PoolReloadResult>;
    shutdown(): Promise<void>;
  } = options.workers > 1
    ? await startWorkerPool(options, { args: Deno.args, env: Deno.env.toObject() })
    : startServer(options);
  const logger = running.logger;
  running.firstLoad.then((ok) => {
    if (!ok) {
      console.error("Cannot start: the first model load failed (see the log line above)");
      Deno.exit(1);
    }
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.shutdown().then(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGHUP", () => {
    running.reload().then((r) => {
      if (r.ok) {
        logger.info("model reloaded (SIGHUP)", {
          model: r.model.info.name,
          version: r.model.info.version,
          ms: Math.round(r.ms),
        });
      } else {logger.error("reload rejected (SIGHUP): the old model keeps serving", {
          error: r.error,
        });}
      logger.flush();
    });
  });
}
