/**
 * Test-only: a raw TCP HTTP client for the hardening tests and the sweep, to
 * send what `fetch` never sends (half a head, made-up methods, a megabyte of
 * URL, a body one byte at a time) and to see exactly when the server closes.
 *
 * @module
 */

/** One parsed answer. */
export interface RawResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

const _enc = new TextEncoder();
const _dec = new TextDecoder();

/** A raw connection to 127.0.0.1. */
export class RawClient {
  readonly #conn: Deno.TcpConn;
  #buf = new Uint8Array(0);
  #eof = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects to `127.0.0.1:port`. */
  static async open(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Writes all of `data`; false when the server closed or reset the connection. */
  async write(data: string | Uint8Array): Promise<boolean> {
    const bytes = typeof data === "string" ? _enc.encode(data) : data;
    try {
      let at = 0;
      while (at < bytes.length) at += await this.#conn.write(bytes.subarray(at));
      return true;
    } catch {
      return false;
    }
  }

  async #more(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = new Uint8Array(65536);
    let n: number | null;
    try {
      n = await this.#conn.read(chunk);
    } catch {
      n = null; // a reset counts as closed
    }
    if (n === null) {
      this.#eof = true;
      return false;
    }
    const grown = new Uint8Array(this.#buf.length + n);
    grown.set(this.#buf);
    grown.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = grown;
    return true;
  }

  /** Reads one answer (skipping `100 Continue`); null when the connection ended first. */
  async response(): Promise<RawResponse | null> {
    for (;;) {
      let end = -1;
      for (let i = 0; i + 3 < this.#buf.length; i++) {
        if (
          this.#buf[i] === 13 && this.#buf[i + 1] === 10 && this.#buf[i + 2] === 13 &&
          this.#buf[i + 3] === 10
        ) {
          end = i;
          break;
        }
      }
      if (end < 0) {
        if (!(await this.#more())) return null;
        continue;
      }
      const lines = _dec.decode(this.#buf.subarray(0, end)).split("\r\n");
      const status = Number(lines[0]!.split(" ")[1]);
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const c = l.indexOf(":");
        headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
      }
      const length = Number(headers.get("content-length") ?? "0");
      while (this.#buf.length < end + 4 + length) {
        if (!(await this.#more())) return null;
      }
      const body = _dec.decode(this.#buf.subarray(end + 4, end + 4 + length));
      this.#buf = this.#buf.slice(end + 4 + length);
      if (status === 100) continue;
      return { status, headers, body };
    }
  }

  /** Resolves when the server has closed the connection (discarding what it still sends). */
  async closedByServer(): Promise<void> {
    while (await this.#more()) this.#buf = new Uint8Array(0);
  }

  /** Closes from this side. */
  close(): void {
    try {
      this.#conn.close();
    } catch { /* closed */ }
  }
}

/**
 * Rejects when `promise` has not settled within `ms`: a guard that turns a
 * hang (the bug) into a failure, never a timing the test asserts on.
 */
export function guard<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}
