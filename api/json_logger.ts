/**
 * Structured JSON logs, one object per line, buffered so that logging every
 * request costs a string concat rather than a write system call: lines are
 * flushed when 64 KiB accumulate, every 100 ms, and on {@linkcode JsonLogger.flush}.
 *
 * @module
 */

/** Where log lines go. */
export type LogWrite = (chunk: string) => void;

/** Settings of a {@linkcode JsonLogger}. */
export interface JsonLoggerOptions {
  /** `off` drops everything; `error` keeps only errors. Default `info`. */
  readonly level?: "info" | "error" | "off";
  /** Sink of whole lines; default: standard output. */
  readonly write?: LogWrite;
}

const _encoder = new TextEncoder();

function _stdoutWrite(chunk: string): void {
  const bytes = _encoder.encode(chunk);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/** A buffered JSON-lines logger. */
export class JsonLogger {
  readonly #level: number;
  readonly #write: LogWrite;
  #buffer = "";
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Makes a logger. */
  constructor(options: JsonLoggerOptions = {}) {
    this.#level = { info: 2, error: 1, off: 0 }[options.level ?? "info"];
    this.#write = options.write ?? _stdoutWrite;
  }

  /** Logs an informational record (e.g. one per request). */
  info(msg: string, fields: Record<string, unknown> = {}): void {
    if (this.#level >= 2) this.#push("info", msg, fields);
  }

  /** Logs an error record. */
  error(msg: string, fields: Record<string, unknown> = {}): void {
    if (this.#level >= 1) this.#push("error", msg, fields);
  }

  /** Writes out everything buffered. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#buffer === "") return;
    const chunk = this.#buffer;
    this.#buffer = "";
    try {
      this.#write(chunk);
    } catch {
      // A closed stdout must not take the server down.
    }
  }

  #push(level: string, msg: string, fields: Record<string, unknown>): void {
    this.#buffer += JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }) + "\n";
    if (this.#buffer.length >= 65_536) this.flush();
    else if (this.#timer === undefined) {
      const timer = setTimeout(() => this.flush(), 100);
      Deno.unrefTimer(timer as unknown as number);
      this.#timer = timer;
    }
  }
}
