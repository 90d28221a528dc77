/**
 * Watches where the served model comes from and reloads when it moves: the
 * champion files (`data/selection/champions.json`, `data/metrics/champion.json`)
 * and both champions' model files (pipeline source), the model folder's files (`--model-dir`), or the version
 * the registry alias points to (`models:/NAME@ALIAS`). It polls a cheap
 * fingerprint (file sizes and modification times, the champion's name, the
 * alias's version) every `intervalMs`; when it changes, it calls `reload`
 * (the holder's, which loads beside the served model and swaps atomically, so
 * no request fails during the swap). A fingerprint whose load failed is not
 * retried until it changes again. Loading itself stays in `model_source.ts`.
 *
 * @module
 */
import { join } from "node:path";
import { championDirs, legacyChampionPath, type ModelSource } from "./model_source.ts";
import { championsFile, inDataDir } from "../data_catalog/mod.ts";
import { MlflowClient } from "../tracking/mlflow_client.ts";
import type { JsonLogger } from "./json_logger.ts";
import type { PoolReloadResult } from "./worker_pool.ts";

/** Options of {@linkcode watchModelSource}. */
export interface WatchOptions {
  /** Poll period in milliseconds. */
  readonly intervalMs: number;
  /** Reloads the model; resolves true when the new one serves. */
  readonly reload: () => Promise<boolean>;
  /** Environment for MLflow credentials. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Called when a fingerprint cannot be read (e.g. the registry is down). */
  readonly onError?: (error: Error) => void;
}

/** A running watch. */
export interface ModelWatch {
  /** Stops polling (a reload in progress finishes). */
  stop(): void;
  /** Resolves after the next completed check (tests and the sweep wait on it). */
  nextCheck(): Promise<void>;
}

async function _stat(path: string): Promise<string> {
  try {
    const s = await Deno.stat(path);
    return `${s.size}:${s.mtime?.getTime() ?? 0}`;
  } catch {
    return "missing";
  }
}

/** A short string that changes whenever the model the source names changes. */
export async function sourceFingerprint(
  source: ModelSource,
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<string> {
  switch (source.kind) {
    case "pipeline": {
      // What the loader reads: the champions file(s) and both champions' model files. The
      // champion files are read again after the model files: a fingerprint taken while they
      // were replaced (the old text with the new champions' stats) would differ from the next
      // one and reload the same model twice, so it is taken again until both reads agree.
      const read = () =>
        Promise.all(
          [
            inDataDir(championsFile, source.dataDir),
            legacyChampionPath(source.dataDir),
          ].map((p) => Deno.readTextFile(p).then((t) => t.trim(), () => "missing")),
        );
      let texts = await read();
      for (let attempt = 0;; attempt++) {
        let dirs: string[] = [];
        try {
          const c = await championDirs(source.dataDir);
          dirs = c.ranking ? [c.rating, c.ranking] : [c.rating];
        } catch { /* no champion yet, or a broken file: the load reports it */ }
        const files = await Promise.all(
          dirs.flatMap((dir) => ["manifest.json", "model.bin"].map((f) => _stat(join(dir, f)))),
        );
        const after = await read();
        if (after.join("|") === texts.join("|") || attempt >= 4) {
          return [...after, ...files].join("|");
        }
        texts = after;
      }
    }
    case "dir":
      return (await Promise.all(
        ["manifest.json", "model.bin"].map((f) => _stat(join(source.modelDir, f))),
      )).join("|");
    case "mlflow": {
      const client = MlflowClient.fromEnv({ ...env, MLFLOW_TRACKING_URI: source.trackingUri }, {
        retries: 0,
      });
      const mv = await client.getModelVersionByAlias(source.name, source.alias);
      return mv ? `version:${mv.version}` : "missing";
    }
  }
}

/**
 * Polls the source and reloads when it moves. The first check only records
 * the fingerprint of what is already served.
 *
 * @example
 * ```ts ignore
 * const watch = watchModelSource(source, { intervalMs: 1000, reload: async () => (await holder.reload()).ok });
 * // ... later
 * watch.stop();
 * ```
 */
export function watchModelSource(source: ModelSource, options: WatchOptions): ModelWatch {
  let last: string | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let waiters: (() => void)[] = [];
  const check = async () => {
    try {
      const now = await sourceFingerprint(source, options.env);
      if (last === null) last = now;
      else if (now !== last) {
        last = now; // a failed load is retried only when the source moves again
        await options.reload();
      }
    } catch (err) {
      options.onError?.(err instanceof Error ? err : new Error(String(err)));
    }
    const done = waiters;
    waiters = [];
    for (const w of done) w();
    if (!stopped) {
      timer = setTimeout(check, options.intervalMs);
      Deno.unrefTimer(timer as unknown as number);
    }
  };
  check();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const w of waiters) w();
      waiters = [];
    },
    nextCheck() {
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** Options of {@linkcode watchAndReload}. */
export interface WatchAndReloadOptions {
  readonly intervalMs: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger: JsonLogger;
  /** Ends the log line of a good reload, e.g. ` on every worker`. */
  readonly where?: string;
  /** Loads the model(s) again and swaps them in (or says why not). */
  readonly reload: () => Promise<PoolReloadResult>;
}

/**
 * {@linkcode watchModelSource} with the server's log lines: which model now
 * serves after the source moved, or why the old one keeps serving. One piece
 * for the single server and the worker pool.
 */
export function watchAndReload(source: ModelSource, options: WatchAndReloadOptions): ModelWatch {
  const { logger } = options;
  return watchModelSource(source, {
    intervalMs: options.intervalMs,
    ...(options.env ? { env: options.env } : {}),
    reload: async () => {
      const r = await options.reload();
      if (r.ok) {
        logger.info(`model reloaded${options.where ?? ""} (source moved)`, {
          model: r.model.info.name,
          version: r.model.info.version,
          ms: Math.round(r.ms),
        });
      } else {
        logger.error("reload rejected (source moved): the old model keeps serving", {
          error: r.error,
        });
      }
      logger.flush();
      return r.ok;
    },
    onError: (err) => logger.error("cannot watch the model source", { error: err.message }),
  });
}
