/**
 * One worker of the pool (`worker_pool.ts`): a complete server
 * ({@linkcode startServer}) on the pool's port with `SO_REUSEPORT`, its own
 * model, and the pool's two-phase reload: `prepare` loads and builds the next
 * model beside the served one, `commit` swaps it in (the holder's single
 * assignment), `discard` drops it. Its own reloads (`POST /admin/reload`)
 * ask the pool, which reloads every worker.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { readServerOptions, type RunningServer, startServer } from "./main.ts";
import { loadFromSource } from "./model_source.ts";
import type { LoadedModel } from "./loaded_model.ts";
import type { ReloadResult } from "./model_holder.ts";
import type { _PoolMessage, PoolReloadResult } from "./worker_pool.ts";

let running: RunningServer | null = null;
let staged: LoadedModel | null = null;
let load: (() => Promise<LoadedModel>) | null = null;
let nextId = 1;
const asked = new Map<number, (r: PoolReloadResult) => void>();

function _post(m: _PoolMessage): void {
  self.postMessage(m);
}

self.onmessage = async (e: MessageEvent<_PoolMessage>) => {
  const m = e.data;
  switch (m.type) {
    case "start": {
      const options = readServerOptions(m.args, m.env);
      const fromSource = () =>
        loadFromSource(options.source, {
          env: options.env,
          ...(options.cacheLists !== undefined ? { cacheLists: options.cacheLists } : {}),
        });
      load = fromSource;
      let initial: LoadedModel;
      try {
        initial = await fromSource(); // before listening: the kernel may send it the next connection
      } catch (err) {
        console.error(`Cannot start worker ${m.worker}: ${(err as Error).message}`);
        _post({ type: "listening", port: m.port });
        _post({ type: "loaded", ok: false });
        return;
      }
      running = startServer({
        initial,
        ...options,
        port: m.port,
        reusePort: true,
        watchIntervalMs: null, // the pool watches once for all
        workers: 1,
        loader: () => {
          const s = staged;
          staged = null;
          return s ? Promise.resolve(s) : fromSource();
        },
        reloadAll: async (): Promise<ReloadResult> => {
          const id = nextId++;
          const r = await new Promise<PoolReloadResult>((resolve) => {
            asked.set(id, resolve);
            _post({ type: "reload-request", id });
          });
          if (!r.ok) return r;
          return { ok: true, model: running!.holder.current!, ms: r.ms };
        },
      });
      _post({ type: "listening", port: running.port });
      _post({ type: "loaded", ok: await running.firstLoad });
      break;
    }
    case "prepare": {
      try {
        staged = await running!.holder.staging(load!());
        _post({ type: "prepared", id: m.id, ok: true });
      } catch (err) {
        staged = null;
        _post({ type: "prepared", id: m.id, ok: false, error: (err as Error).message });
      }
      break;
    }
    case "commit": {
      // The holder's loader takes the staged model: the swap itself does no I/O.
      const r = await running!.holder.reload();
      _post(
        r.ok
          ? {
            type: "committed",
            id: m.id,
            ok: true,
            name: r.model.info.name,
            version: r.model.info.version,
          }
          : { type: "committed", id: m.id, ok: false, name: "", version: "", error: r.error },
      );
      break;
    }
    case "discard":
      staged = null;
      break;
    case "reload-result": {
      const resolve = asked.get(m.id);
      asked.delete(m.id);
      resolve?.(m.result);
      break;
    }
    case "stop":
      await running?.shutdown();
      _post({ type: "stopped" });
      break;
  }
};
