/**
 * Progress reporting for long work: stage name, counts, elapsed time and ETA.
 * Writes to stderr. On a terminal, each running stage has one progress bar
 * that updates in place (with a rate and an ETA), and a sweep adds one bar
 * for the whole sweep, all drawn by one {@linkcode ProgressBoard} below the
 * log lines; otherwise (CI, logs, a pipe) plain lines, at most one per
 * `intervalMs`.
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
  /** The stage is over: its bar (if any) goes away. */
  end?(): void;
}

/**
 * The bar of a whole sweep (`sweep 2/6`), with an ETA from the runs so far;
 * plain lines when not on a terminal.
 */
export function createSweepProgress(
  total: number,
  options: {
    readonly board?: ProgressBoard;
    readonly write?: (line: string) => void;
    readonly now?: () => number;
  } = {},
): { start(index: number, label: string): void; end(): void } {
  const board = options.board ?? (options.write ? undefined : stderrBoard());
  const write = options.write ?? stderrLine;
  const now = options.now ?? (() => performance.now());
  const started = now();
  return {
    start(index, label) {
      const secs = (now() - started) / 1000;
      const eta = index > 0 ? `, ETA ${formatSeconds((secs / index) * (total - index))}` : "";
      const text = `sweep ${index + 1}/${total} ${bar(index, total)} ${label} (${
        formatSeconds(secs)
      }${eta})`;
      if (board) board.set("sweep", text);
      else write(`\n=== sweep ${index + 1}/${total}: ${label} ===`);
    },
    end() {
      board?.done(
        "sweep",
        `sweep ${total}/${total} ${bar(total, total)} done (${
          formatSeconds((now() - started) / 1000)
        })`,
      );
    },
  };
}

/**
 * The in-place bars of a terminal: one line per active bar, kept below the
 * log lines. A log line is printed above the bars (they are cleared and
 * drawn again), so lines and bars never overwrite each other.
 */
export class ProgressBoard {
  readonly #write: (text: string) => void;
  readonly #bars = new Map<string, string>();
  #drawn = 0;

  /** `write` gets raw text with ANSI escapes (no newline added). */
  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  #clear(): string {
    // Up to the first bar line, then clear to the end of the screen.
    return this.#drawn > 0 ? `\x1b[${this.#drawn}F\x1b[0J` : "";
  }

  #render(): string {
    const lines = [...this.#bars.values()];
    this.#drawn = lines.length;
    return lines.map((l) => `${l}\n`).join("");
  }

  /** Prints a log line above the bars. */
  line(text: string): void {
    const clear = this.#clear();
    this.#write(`${clear}${text}\n${this.#render()}`);
  }

  /** Shows or updates the bar `id` (a stage name, `sweep`). */
  set(id: string, text: string): void {
    const clear = this.#clear();
    this.#bars.set(id, text);
    this.#write(`${clear}${this.#render()}`);
  }

  /** Removes the bar `id`, printing `final` (e.g. its last state) as a log line when given. */
  done(id: string, final?: string): void {
    if (!this.#bars.has(id) && final === undefined) return;
    const clear = this.#clear();
    this.#bars.delete(id);
    this.#write(`${clear}${final !== undefined ? `${final}\n` : ""}${this.#render()}`);
  }

  /** The ids of the bars shown now, in order. */
  get bars(): string[] {
    return [...this.#bars.keys()];
  }
}

let _stderrBoard: ProgressBoard | undefined;

/** Whether stderr is a terminal (false when it cannot be told). */
export function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** The board of this process's stderr, when stderr is a terminal. */
export function stderrBoard(): ProgressBoard | undefined {
  if (!stderrIsTerminal()) return undefined;
  const encoder = new TextEncoder();
  _stderrBoard ??= new ProgressBoard((text) => Deno.stderr.writeSync(encoder.encode(text)));
  return _stderrBoard;
}

/** Prints a log line to stderr, above the progress bars on a terminal. */
export function stderrLine(line: string): void {
  const board = stderrBoard();
  if (board) board.line(line);
  else console.error(line);
}

/** A text progress bar: `[########------------]`. */
export function bar(done: number, total: number, width = 20): string {
  const share = total > 0 ? Math.max(0, Math.min(1, done / total)) : 0;
  const full = Math.round(share * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}]`;
}

/** Options of {@linkcode createProgress}. */
export interface ProgressOptions {
  /** Where lines go; default stderr (through its board on a terminal). */
  readonly write?: (line: string) => void;
  /**
   * Draw in-place bars on this board instead of throttled lines (default:
   * stderr's board when `write` is not given and stderr is a terminal).
   */
  readonly board?: ProgressBoard;
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
  const board = options.board ?? (options.write ? undefined : stderrBoard());
  const write = board
    ? (line: string) => board.line(line)
    : options.write ?? ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
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
    end() {
      board?.done(stage);
    },
    update(done, total, unit) {
      const t = now();
      if (unit !== lastUnit || done < lastDone) unitStarted = lastEvent; // a new loop: new rate and ETA
      lastDone = done;
      lastEvent = t;
      const finished = done >= total;
      const secs = (t - unitStarted) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = rate > 0 && !finished ? `, ETA ${formatSeconds((total - done) / rate)}` : "";
      const pct = total > 0 ? ` (${((100 * done) / total).toFixed(0)}%)` : "";
      if (board) {
        // In place: every update redraws the bar; the finished state stays as a log line.
        lastUnit = unit;
        const text = `[${stage}] ${bar(done, total)} ${formatCount(done)}/${
          formatCount(total)
        } ${unit}${pct}, ${elapsed()}${eta}`;
        if (finished) board.done(stage, text);
        else board.set(stage, text);
        return;
      }
      if (!finished && t - lastPrint < interval && unit === lastUnit) return;
      lastPrint = t;
      lastUnit = unit;
      write(
        `[${stage}] ${formatCount(done)}/${formatCount(total)} ${unit}${pct}, ${elapsed()}${eta}`,
      );
    },
  };
}
