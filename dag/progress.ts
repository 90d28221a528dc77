/**
 * Progress reporting for long work: stage name, counts, elapsed time and ETA.
 * Writes to stderr; on a TTY a counter updates in place, otherwise (CI, logs)
 * at most one line per `intervalMs`.
 *
 * @module
 */

/** A progress reporter handed to each stage. */
export interface Progress {
  /** A one-off line: `[etl] read 100,836 ratings`. */
  info(message: string): void;
  /** A warning line. */
  warn(message: string): void;
  /** Reports `done` of `total` units (rows, epochs, bytes); prints a rate and ETA. */
  update(done: number, total: number, unit: string): void;
}

/** Options of {@linkcode createProgress}. */
export interface ProgressOptions {
  /** Where lines go; default stderr. */
  readonly write?: (line: string) => void;
  /** Minimum milliseconds between two `update` lines when not a TTY. */
  readonly intervalMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

const numberFormat = new Intl.NumberFormat("en-US");

/** Formats a count with thousands separators: `100,836`. */
export function formatCount(n: number): string {
  return numberFormat.format(Math.round(n));
}

/** Formats seconds for humans: `0.42s`, `12.3s`, `2m05s`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)}s`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return `${m}m${String(s).padStart(2, "0")}s`;
}

/**
 * Creates a progress reporter for one stage.
 *
 * @example
 * ```ts
 * import { createProgress } from "./progress.ts";
 * const lines: string[] = [];
 * const p = createProgress("etl", { write: (l) => lines.push(l) });
 * p.info("read 10 rows");
 * if (!lines[0]?.includes("[etl] read 10 rows")) throw new Error(lines[0]);
 * ```
 */
export function createProgress(stage: string, options: ProgressOptions = {}): Progress {
  const encoder = new TextEncoder();
  const write = options.write ??
    ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 2000;
  const started = now();
  let lastPrint = -Infinity;
  let lastUnit = "";
  let lastDone = 0;
  let unitStarted = started;
  // When a new loop reports its first count, it began about when we last heard from the stage.
  let lastEvent = started;
  const elapsed = () => formatSeconds((now() - started) / 1000);
  return {
    info(message) {
      lastEvent = now();
      write(`[${stage}] ${message} (${elapsed()})`);
    },
    warn(message) {
      write(`[${stage}] warning: ${message}`);
    },
    update(done, total, unit) {
      const t = now();
      if (unit !== lastUnit || done < lastDone) unitStarted = lastEvent; // a new loop: new rate and ETA
      lastDone = done;
      lastEvent = t;
      const finished = done >= total;
      if (!finished && t - lastPrint < interval && unit === lastUnit) return;
      lastPrint = t;
      lastUnit = unit;
      const secs = (t - unitStarted) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = rate > 0 && !finished ? `, ETA ${formatSeconds((total - done) / rate)}` : "";
      const pct = total > 0 ? ` (${((100 * done) / total).toFixed(0)}%)` : "";
      write(
        `[${stage}] ${formatCount(done)}/${formatCount(total)} ${unit}${pct}, ${elapsed()}${eta}`,
      );
    },
  };
}
