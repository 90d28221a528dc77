/**
 * Serves the API on several cores: `--workers N` (or `WORKERS`, `auto`: one
 * per core) starts N workers (`_server_worker.ts`), each a complete server
 * ({@linkcode startServer}: its own HTTP server, app and model) listening on
 * the same port with `SO_REUSEPORT`, so the kernel spreads the connections
 * over them. Needs `deno run --unstable-net` (Deno marks `reusePort` of
 * `Deno.listen` unstable); without it the pool serves on one worker and
 * says why.
 *
 * A reload (SIGHUP, `POST /admin/reload` on any worker, the `--watch` poll,
 * which runs here once for all) is two-phase: every worker loads and builds
 * the new model beside the served one (prepare); only when all succeeded
 * does each swap it in (commit), else all discard it and the old model keeps
 * serving everywhere. Each worker's swap is the holder's single assignment,
 * so no request fails and none sees a mix. `/metrics` counts the requests of
 * the worker that answers it.
 *
 * @module
 */
import type { ServerOptions } from "./main.ts";
import { JsonLogger } from "./json_logger.ts";
import { type ModelWatch, watchAndReload } from "./model_watcher.ts";

/** What a reload of the pool reports (the model as every worker now serves it). */
export type PoolReloadResult =
  | {
    readonly ok: true;
    readonly model: { readonly info: { readonly name: string; readonly version: string } };
    readonly ms: number;
  }
  | { readonly ok: false; readonly error: string; readonly ms: number };

/** A running pool of workers. */
export interface RunningPool {
  readonly port: number;
  readonly workers: number;
  readonly logger: JsonLogger;
  /** Resolves once every worker's first load ended (true when all succeeded). */
  readonly firstLoad: Promise<boolean>;
  /** Reloads every worker (two-phase: all load, then all swap). */
  reload(): Promise<PoolReloadResult>;
  /** Stops every worker (each finishes its requests in flight). */
  shutdown(): Promise<void>;
  readonly watch: ModelWatch | null;
}

/** Messages of the pool protocol (main <-> worker). */
export type _PoolMessage =
  | { type: "start"; args: string[]; env: Record<string, string>; port: number; worker: number }
  | { type: "listening"; port: number }
  | { type: "loaded"; ok: boolean }
  | { type: "prepare"; id: number }
  | { type: "prepared"; id: number; ok: boolean; error?: string }
  | { type: "commit"; id: number }
  | { type: "committed"; id: number; ok: boolean; name: string; version: string; error?: string }
  | { type: "discard"; id: number }
  | { type: "reload-request"; id: number }
  | { type: "reload-result"; id: number; result: PoolReloadResult }
  | { type: "stop" }
  | { type: "stopped" };

function _reusePortWorks(hostname: string): boolean {
  try {
    Deno.listen({ hostname, port: 0, reusePort: true }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `options.workers` workers on one port; `init` holds the command
 * line and environment each worker reads its settings from.
 *
 * @example
 * ```ts ignore
 * const pool = await startWorkerPool(readServerOptions(Deno.args, env), { args: Deno.args, env });
 * await pool.reload();
 * ```
 */
export async function startWorkerPool(
  options: ServerOptions,
  init: { args: readonly string[]; env: Record<string, string> },
): Promise<RunningPool> {
  const logger = new JsonLogger({ level: options.logLevel });
  let n = options.workers;
  if (n > 1 && !_reusePortWorks(options.hostname)) {
    logger.error(
      `Cannot serve on ${n} workers: sharing the port (SO_REUSEPORT) needs deno run --unstable-net; serving on one worker`,
    );
    n = 1;
  }
  const workers: Worker[] = [];
  const waiters = new Map<string, (m: _PoolMessage) => void>();
  let nextId = 1;
  const expect = (w: number, key: string) =>
    new Promise<_PoolMessage>((resolve) => waiters.set(`${w}:${key}`, resolve));
  const loads: Promise<boolean>[] = [];
  let reloading: Promise<PoolReloadResult> | null = null;

  const reloadAll = (): Promise<PoolReloadResult> => {
    if (reloading) return reloading;
    const started = performance.now();
    reloading = (async (): Promise<PoolReloadResult> => {
      const id = nextId++;
      const prepared = await Promise.all(workers.map((w, i) => {
        const p = expect(i, `prepared:${id}`);
        w.postMessage({ type: "prepare", id } satisfies _PoolMessage);
        return p;
      })) as Extract<_PoolMessage, { type: "prepared" }>[];
      const failed = prepared.find((p) => !p.ok);
      if (failed) {
        for (const w of workers) w.postMessage({ type: "discard", id } satisfies _PoolMessage);
        return { ok: false, error: failed.error ?? "load failed", ms: performance.now() - started };
      }
      const committed = await Promise.all(workers.map((w, i) => {
        const p = expect(i, `committed:${id}`);
        w.postMessage({ type: "commit", id } satisfies _PoolMessage);
        return p;
      })) as Extract<_PoolMessage, { type: "committed" }>[];
      const bad = committed.find((c) => !c.ok);
      if (bad) {
        return { ok: false, error: bad.error ?? "swap failed", ms: performance.now() - started };
      }
      const first = committed[0]!;
      return {
        ok: true,
        model: { info: { name: first.name, version: first.version } },
        ms: performance.now() - started,
      };
    })().finally(() => {
      reloading = null;
    });
    return reloading;
  };

  let port = options.port;
  for (let i = 0; i < n; i++) {
    const w = new Worker(new URL("./_server_worker.ts", import.meta.url).href, { type: "module" });
    workers.push(w);
    const index = i;
    w.onmessage = (e: MessageEvent<_PoolMessage>) => {
      const m = e.data;
      if (m.type === "reload-request") {
        reloadAll().then((result) =>
          w.postMessage({ type: "reload-result", id: m.id, result } satisfies _PoolMessage)
        );
        return;
      }
      const key = "id" in m ? `${index}:${m.type}:${m.id}` : `${index}:${m.type}`;
      const resolve = waiters.get(key);
      if (resolve) {
        waiters.delete(key);
        resolve(m);
      }
    };
    w.onerror = (e) => {
      logger.error("worker failed", { worker: index, error: e.message });
      logger.flush();
    };
    const listening = expect(index, "listening");
    loads.push(expect(index, "loaded").then((m) => (m as { ok: boolean }).ok));
    w.postMessage(
      {
        type: "start",
        args: [...init.args],
        env: init.env,
        port,
        worker: index,
      } satisfies _PoolMessage,
    );
    // The first worker picks the port (0: a free one); the others join it.
    port = ((await listening) as Extract<_PoolMessage, { type: "listening" }>).port;
  }
  logger.info("workers started", { workers: n, port });
  logger.flush();
  const firstLoad = Promise.all(loads).then((all) => all.every(Boolean));
  const watch = options.watchIntervalMs === null ? null : watchAndReload(options.source, {
    intervalMs: options.watchIntervalMs,
    env: options.env,
    logger,
    where: " on every worker",
    reload: reloadAll,
  });
  // Say when the watch has recorded what is served: a change after this line is picked up.
  watch?.nextCheck().then(() => {
    logger.info("watching the model source", { intervalMs: options.watchIntervalMs });
    logger.flush();
  });
  return {
    port,
    workers: n,
    logger,
    firstLoad,
    watch,
    reload: reloadAll,
    async shutdown() {
      watch?.stop();
      await Promise.all(workers.map((w, i) => {
        const p = expect(i, "stopped");
        w.postMessage({ type: "stop" } satisfies _PoolMessage);
        return p;
      }));
      for (const w of workers) w.terminate();
      logger.info("stopped");
      logger.flush();
    },
  };
}
