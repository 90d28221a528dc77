/**
 * The API's HTTP/1.1 server: its own accept loop over `Deno.listen`, because
 * `Deno.serve` offers no header, body or idle timeouts, no cap on concurrent
 * connections, resets the connection on a huge request line or header instead
 * of answering, and keeps a socket open after an early error answer.
 *
 * What it guarantees, each with a limit in {@linkcode HttpLimits}:
 * - a request line longer than `maxRequestLineBytes` gets 414, a head larger
 *   than `maxHeaderBytes` or with more than `maxHeaderCount` fields gets 431,
 *   a malformed one 400 (all `application/problem+json`, then the connection closes);
 * - a head must arrive within `headersTimeoutMs` of its first byte (else 408 and
 *   close), a kept-alive connection is closed after `idleTimeoutMs` without a new
 *   request, a body that pauses longer than `bodyIdleTimeoutMs` fails (the app
 *   answers 408), a response the client does not read within `writeTimeoutMs`
 *   closes the connection;
 * - at most `maxConnections` connections are open: one more is answered 503 and closed;
 * - a response given before the request body was read (401, 413, 415, ...)
 *   closes the connection after it (a lingering close: the server stops
 *   writing, discards what still arrives for at most `lingerMs`, then closes),
 *   so the next bytes are never read as a new request;
 * - a body the client abandons fails with {@linkcode RequestBodyError}
 *   `client-closed`, which the app counts apart (499), not as a 5xx.
 *
 * Timeouts are checked by one sweep timer over all connections (every quarter
 * of the shortest timeout, 10 ms to 1 s), not one timer per request.
 * Responses are buffered and written with one write (the API's answers are small).
 * Supported: HTTP/1.0 and 1.1, keep-alive, `Content-Length` and chunked request
 * bodies, `Expect: 100-continue`, HEAD. Not supported: pipelined requests are
 * answered one after the other, no HTTP/2, no TLS (put a proxy in front).
 *
 * @module
 */
import { PROBLEM_CONTENT_TYPE, problemTitle } from "./problem.ts";
import { RequestBodyError, type RequestBodyFailure } from "./request_body_error.ts";

/** Limits and timeouts of an {@linkcode HttpServer} (all optional; defaults in {@linkcode DEFAULT_HTTP_LIMITS}). */
export interface HttpLimits {
  /** Most open connections; one more is answered 503 and closed. */
  readonly maxConnections: number;
  /** Longest request line (method, target, version) in bytes: longer gets 414. */
  readonly maxRequestLineBytes: number;
  /** Largest request head (request line and header fields) in bytes: larger gets 431. */
  readonly maxHeaderBytes: number;
  /** Most header fields: more gets 431. */
  readonly maxHeaderCount: number;
  /** Longest time from the first byte of a request (or the connection's start) to the end of its head. */
  readonly headersTimeoutMs: number;
  /** Longest pause while a request body is read. */
  readonly bodyIdleTimeoutMs: number;
  /** Longest time a kept-alive connection may wait for its next request. */
  readonly idleTimeoutMs: number;
  /** Longest time to write one response. */
  readonly writeTimeoutMs: number;
  /** Longest lingering close (discarding an unread body after an early answer). */
  readonly lingerMs: number;
  /** Longest graceful shutdown; connections still open then are closed. */
  readonly shutdownTimeoutMs: number;
}

/** The default limits: nginx-like sizes, timeouts that no well-behaved client meets. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = Object.freeze({
  maxConnections: 1024,
  maxRequestLineBytes: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  headersTimeoutMs: 10_000,
  bodyIdleTimeoutMs: 10_000,
  idleTimeoutMs: 5_000,
  writeTimeoutMs: 10_000,
  lingerMs: 2_000,
  shutdownTimeoutMs: 10_000,
});

/** What a handler receives beside the request (like `Deno.serve`'s info). */
export interface HttpHandlerInfo {
  readonly remoteAddr: Deno.NetAddr;
}

/** A request handler: `app.fetch` of a Hono app fits. */
export type HttpHandler = (
  request: Request,
  info: HttpHandlerInfo,
) => Response | Promise<Response>;

/** An answer of the fast lane: a status, header lines (`name: value\r\n` each) and a body. */
export interface FastAnswer {
  readonly status: number;
  /** Header lines, each ending with CRLF; the server adds date, content-length and connection. */
  readonly headers: string;
  /** JSON text (encoded as UTF-8) or bytes. */
  readonly body: string | Uint8Array;
}

/** What the fast lane sees of a request: its head, and its body when it has one. */
export interface FastRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  /** The whole body when it was small and already read with the head; else null (no body). */
  readonly body: Uint8Array | null;
  readonly remoteAddr: Deno.NetAddr;
}

/**
 * Answers a request straight from its head (and a small body already read),
 * without a `Request` or `Response`; null lets the handler answer it.
 */
export type FastLane = (request: FastRequest) => FastAnswer | null;

/** Largest body handed to the fast lane (larger ones stream to the handler). */
const _FAST_BODY_BYTES = 16_384;

/** Why the server answered a request itself, before or instead of the handler. */
export type HttpRejectReason =
  | "uri-too-long"
  | "headers-too-large"
  | "too-many-headers"
  | "bad-request"
  | "header-timeout"
  | "unsupported-version"
  | "unsupported-encoding"
  | "too-many-connections";

/** Why a connection ended. */
export type HttpCloseReason =
  | "client"
  | "idle-timeout"
  | "header-timeout"
  | "body-timeout"
  | "write-timeout"
  | "rejected"
  | "early-answer"
  | "close-requested"
  | "shutdown"
  | "error";

/** Details of the server's events (`request`, `response`, `reject`, `close`). */
export interface HttpEventDetails {
  /** A request head was read and is handed to the handler. */
  request: { readonly method: string; readonly target: string };
  /** A handler's answer was written (`written` false: the client was gone). */
  response: {
    readonly method: string;
    readonly status: number;
    readonly written: boolean;
    readonly bodyFailure: RequestBodyFailure | null;
  };
  /** The server answered a request itself. */
  reject: { readonly status: number; readonly reason: HttpRejectReason };
  /** A connection closed. */
  close: { readonly reason: HttpCloseReason };
}

/** Options of {@linkcode HttpServer}. */
export interface HttpServerOptions {
  readonly hostname?: string;
  /** 0: a free port. */
  readonly port?: number;
  readonly limits?: Partial<HttpLimits>;
  /** Called once listening. */
  readonly onListen?: (addr: Deno.NetAddr) => void;
  /** Called when a handler throws (it then gets a plain 500). */
  readonly onError?: (error: unknown) => void;
  /** Tried first for requests without a body (see {@linkcode FastLane}). */
  readonly fast?: FastLane | null;
  /**
   * Share the port with other listeners (`SO_REUSEPORT`, Linux): several
   * workers each run a server on one port and the kernel spreads the
   * connections. Needs `--unstable-net`.
   */
  readonly reusePort?: boolean;
}

/** Counts of an {@linkcode HttpServer}, for `/metrics`. */
export interface HttpServerStats {
  /** Connections open now. */
  readonly openConnections: number;
  /** Requests being handled now. */
  readonly inFlight: number;
}

const _encoder = new TextEncoder();
const _TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const _HOST =
  /^(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*(?::\d{0,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{0,5})?$/;
// deno-lint-ignore no-control-regex
const _BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const _REASONS: Readonly<Record<number, string>> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  204: "No Content",
  301: "Moved Permanently",
  304: "Not Modified",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  499: "Client Closed Request",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};
const _NO_BODY_METHODS = new Set(["GET", "HEAD"]);

let _dateSecond = -1;
let _dateText = "";
function _date(): string {
  const s = Math.floor(Date.now() / 1000);
  if (s !== _dateSecond) {
    _dateSecond = s;
    _dateText = new Date(s * 1000).toUTCString();
  }
  return _dateText;
}

function _ascii(text: string): Uint8Array {
  // Header values are byte strings: write each char as one byte (latin-1), like Deno.serve.
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return _encoder.encode(text);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function _latin1(bytes: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(to, i + 4096)));
  }
  return s;
}

/** A problem+json answer written by the server itself. */
function _problemBytes(
  status: number,
  detail: string,
  extra: Record<string, string> = {},
): Uint8Array {
  const body = _encoder.encode(
    JSON.stringify({ type: "about:blank", title: problemTitle(status), status, detail }),
  );
  let head =
    `HTTP/1.1 ${status} ${_REASONS[status] ?? ""}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}` +
    `\r\ncontent-length: ${body.length}\r\nconnection: close\r\ndate: ${_date()}\r\n`;
  for (const [k, v] of Object.entries(extra)) head += `${k}: ${v}\r\n`;
  const h = _encoder.encode(head + "\r\n");
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

interface _Head {
  readonly method: string;
  readonly target: string;
  readonly version: "1.0" | "1.1";
  readonly headers: [string, string][];
  readonly contentLength: number; // -1: chunked
  readonly keepAlive: boolean;
  readonly expectContinue: boolean;
  readonly host: string | null;
}

type _HeadResult =
  | { readonly ok: true; readonly head: _Head }
  | {
    readonly ok: false;
    readonly status: number;
    readonly reason: HttpRejectReason;
    readonly detail: string;
  };

function _reject(status: number, reason: HttpRejectReason, detail: string): _HeadResult {
  return { ok: false, status, reason, detail };
}

/** Parses a complete head (`text` ends before the blank line). */
function _parseHead(text: string, limits: HttpLimits): _HeadResult {
  const lines = text.split(/\r?\n/);
  const requestLine = lines[0]!;
  const parts = requestLine.split(" ");
  if (parts.length !== 3) {
    return _reject(
      400,
      "bad-request",
      "Cannot read the request line: expected METHOD TARGET HTTP/1.1 separated by single spaces",
    );
  }
  const [method, target, version] = parts as [string, string, string];
  if (method.length > 32 || !_TOKEN.test(method)) {
    return _reject(
      400,
      "bad-request",
      "Cannot read the request line: the method is not an HTTP token of at most 32 characters",
    );
  }
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    return /^HTTP\/\d(\.\d)?$/.test(version)
      ? _reject(505, "unsupported-version", "Cannot serve this HTTP version: use HTTP/1.1")
      : _reject(
        400,
        "bad-request",
        "Cannot read the request line: the version is not HTTP/1.1 or HTTP/1.0",
      );
  }
  // deno-lint-ignore no-control-regex
  if (target === "" || /[\x00-\x20\x7f-\uffff]/.test(target)) {
    return _reject(
      400,
      "bad-request",
      "Cannot read the request target: it is empty or has bytes outside printable ASCII; percent-encode them",
    );
  }
  if (!target.startsWith("/") && !/^https?:\/\//i.test(target) && target !== "*") {
    return _reject(
      400,
      "bad-request",
      "Cannot read the request target: it must be a path starting with /",
    );
  }
  const count = lines.length - 1;
  if (count > limits.maxHeaderCount) {
    return _reject(
      431,
      "too-many-headers",
      `Cannot read the request: ${count} header fields, at most ${limits.maxHeaderCount}; send fewer headers`,
    );
  }
  const headers: [string, string][] = [];
  let contentLength: string | null = null;
  let chunked = false;
  let connection = "";
  let expect = "";
  let host: string | null = null;
  let hosts = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      return _reject(
        400,
        "bad-request",
        `Cannot read header field ${i}: expected "Name: value" (folded lines are not allowed)`,
      );
    }
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!_TOKEN.test(name)) {
      return _reject(
        400,
        "bad-request",
        `Cannot read header field ${i}: its name is not an HTTP token`,
      );
    }
    if (_BAD_VALUE.test(value)) {
      return _reject(
        400,
        "bad-request",
        `Cannot read header field "${name.slice(0, 40)}": its value has control characters`,
      );
    }
    const lower = name.toLowerCase();
    if (lower === "content-length") {
      if (!/^\d{1,15}$/.test(value) || (contentLength !== null && contentLength !== value)) {
        return _reject(
          400,
          "bad-request",
          "Cannot read Content-Length: expected one whole number of bytes",
        );
      }
      contentLength = value;
    } else if (lower === "transfer-encoding") {
      const codings = value.toLowerCase().split(",").map((x) => x.trim()).filter((x) => x);
      if (codings.length !== 1 || codings[0] !== "chunked") {
        return _reject(
          501,
          "unsupported-encoding",
          "Cannot read the request body: only Transfer-Encoding: chunked is supported",
        );
      }
      chunked = true;
    } else if (lower === "connection") connection += "," + value.toLowerCase();
    else if (lower === "expect") expect = value.toLowerCase();
    else if (lower === "host") {
      hosts++;
      host = value;
    }
    headers.push([name, value]);
  }
  if (chunked && contentLength !== null) {
    return _reject(
      400,
      "bad-request",
      "Cannot read the request body: send Content-Length or Transfer-Encoding, not both",
    );
  }
  if (
    (version === "HTTP/1.1" && hosts !== 1) || hosts > 1 || (host !== null && !_HOST.test(host))
  ) {
    return _reject(
      400,
      "bad-request",
      "Cannot read the Host header: send exactly one valid Host header",
    );
  }
  const tokens = connection.split(",").map((x) => x.trim());
  const keepAlive = version === "HTTP/1.1"
    ? !tokens.includes("close")
    : tokens.includes("keep-alive");
  return {
    ok: true,
    head: {
      method,
      target,
      version: version === "HTTP/1.1" ? "1.1" : "1.0",
      headers,
      contentLength: chunked ? -1 : Number(contentLength ?? "0"),
      keepAlive,
      expectContinue: expect === "100-continue" && version === "HTTP/1.1",
      host,
    },
  };
}

type _Deadline = "none" | "first" | "idle" | "header" | "body" | "write" | "linger";

/** One accepted connection: a buffered reader, a deadline, and the request loop's state. */
class _Connection {
  readonly conn: Deno.TcpConn;
  readonly remoteAddr: Deno.NetAddr;
  buf = new Uint8Array(4096);
  start = 0;
  end = 0;
  deadline = 0;
  deadlineKind: _Deadline = "none";
  closed = false;
  closeReason: HttpCloseReason | null = null;
  /** True while a handler runs (shutdown lets it finish). */
  busy = false;
  /** True once the server writes a final answer itself (the request loop lets go). */
  finishing = false;
  /** Fails the body stream being read, if any. */
  failBody: ((failure: RequestBodyFailure) => void) | null = null;
  #pending: Promise<number | null> | null = null;
  readonly #chunk = new Uint8Array(16384);

  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.remoteAddr = conn.remoteAddr as Deno.NetAddr;
  }

  get buffered(): number {
    return this.end - this.start;
  }

  arm(kind: _Deadline, ms: number): void {
    this.deadlineKind = kind;
    this.deadline = kind === "none" ? 0 : performance.now() + ms;
  }

  /**
   * Reads more bytes into the buffer; false at end of stream or when closed.
   * Several callers may wait on the same read (a lingering close and a body
   * reader): the bytes are appended once.
   */
  async fill(): Promise<boolean> {
    if (this.closed) return false;
    this.#pending ??= this.conn.read(this.#chunk).then((n) => {
      if (n !== null) this.#append(n);
      return n;
    }).finally(() => {
      this.#pending = null;
    });
    try {
      return (await this.#pending) !== null;
    } catch {
      return false;
    }
  }

  #append(n: number): void {
    if (this.start === this.end) this.start = this.end = 0;
    if (this.end + n > this.buf.length) {
      const live = this.end - this.start;
      if (live + n > this.buf.length) {
        const grown = new Uint8Array(Math.max(this.buf.length * 2, live + n));
        grown.set(this.buf.subarray(this.start, this.end));
        this.buf = grown;
      } else this.buf.copyWithin(0, this.start, this.end);
      this.start = 0;
      this.end = live;
    }
    this.buf.set(this.#chunk.subarray(0, n), this.end);
    this.end += n;
  }

  /** Writes all bytes (the caller arms the write deadline). */
  async write(bytes: Uint8Array): Promise<boolean> {
    try {
      let at = 0;
      while (at < bytes.length) at += await this.conn.write(bytes.subarray(at));
      return true;
    } catch {
      return false;
    }
  }

  close(reason: HttpCloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason ??= reason;
    this.deadlineKind = "none";
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

/**
 * An HTTP/1.1 server with limits and timeouts (see the module doc). Emits
 * `request`, `response`, `reject` and `close` events ({@linkcode HttpEventDetails})
 * that tests and metrics wait on.
 *
 * @example
 * ```ts
 * import { HttpServer } from "./http_server.ts";
 * const server = new HttpServer(() => new Response("hi"), { port: 0, limits: { idleTimeoutMs: 1000 } });
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * if ((await res.text()) !== "hi") throw new Error("expected hi");
 * await server.shutdown();
 * ```
 */
export class HttpServer extends EventTarget {
  /** Where it listens. */
  readonly addr: Deno.NetAddr;
  /** The limits in force. */
  readonly limits: HttpLimits;
  /** Resolves when the server has stopped and every connection is closed. */
  readonly finished: Promise<void>;
  readonly #handler: HttpHandler;
  readonly #fast: FastLane | null;
  readonly #listener: Deno.TcpListener;
  readonly #conns = new Set<_Connection>();
  readonly #onError: (error: unknown) => void;
  readonly #tick: number;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #inFlight = 0;
  #stopping = false;
  #accepting: Promise<void>;
  #drained: (() => void) | null = null;

  /** Listens and starts accepting. */
  constructor(handler: HttpHandler, options: HttpServerOptions = {}) {
    super();
    this.#handler = handler;
    this.#fast = options.fast ?? null;
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
    for (const [k, v] of Object.entries(this.limits)) {
      if (!(typeof v === "number" && v > 0)) {
        throw new RangeError(`Cannot start the HTTP server: limit ${k} must be > 0, got ${v}`);
      }
    }
    this.#onError = options.onError ?? (() => {});
    const l = this.limits;
    const shortest = Math.min(
      l.headersTimeoutMs,
      l.bodyIdleTimeoutMs,
      l.idleTimeoutMs,
      l.writeTimeoutMs,
      l.lingerMs,
    );
    this.#tick = Math.min(1000, Math.max(10, Math.floor(shortest / 4)));
    this.#listener = Deno.listen({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 0,
      ...(options.reusePort ? { reusePort: true } : {}),
    });
    this.addr = this.#listener.addr;
    options.onListen?.(this.addr);
    this.#accepting = this.#acceptLoop();
    this.finished = this.#accepting.then(() => this.#allClosed());
  }

  /** Connections open and requests in flight now. */
  get stats(): HttpServerStats {
    return { openConnections: this.#conns.size, inFlight: this.#inFlight };
  }

  /**
   * Stops accepting, closes idle connections, fails request bodies still being
   * read (the app answers 503), lets running handlers finish and closes their
   * connections after the answer. Resolves when every connection is closed.
   */
  async shutdown(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      try {
        this.#listener.close();
      } catch { /* already closed */ }
      for (const c of this.#conns) {
        if (c.failBody) c.failBody("shutdown");
        else if (!c.busy) c.close("shutdown");
      }
      const force = setTimeout(() => {
        for (const c of this.#conns) c.close("shutdown");
      }, this.limits.shutdownTimeoutMs);
      Deno.unrefTimer(force);
      this.finished.finally(() => clearTimeout(force));
    }
    await this.finished;
  }

  #emit<K extends keyof HttpEventDetails>(type: K, detail: HttpEventDetails[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #allClosed(): Promise<void> {
    if (this.#conns.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#drained = resolve));
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (this.#stopping || err instanceof Deno.errors.BadResource) return;
        // EMFILE and the like: wait a little instead of spinning.
        this.#onError(err);
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (this.#stopping) {
        conn.close();
        return;
      }
      const c = new _Connection(conn);
      try {
        conn.setNoDelay(true);
      } catch { /* closed already */ }
      this.#conns.add(c);
      this.#startSweep();
      if (this.#conns.size > this.limits.maxConnections) {
        this.#emit("reject", { status: 503, reason: "too-many-connections" });
        this.#finish(
          c,
          _problemBytes(
            503,
            `Cannot accept the connection: ${this.limits.maxConnections} are open, the most this server allows; retry`,
            { "retry-after": "1" },
          ),
          "rejected",
        );
        continue;
      }
      this.#serve(c);
    }
  }

  #startSweep(): void {
    if (this.#sweep !== undefined) return;
    const sweep = setInterval(() => this.#expire(), this.#tick);
    Deno.unrefTimer(sweep);
    this.#sweep = sweep;
  }

  #expire(): void {
    const now = performance.now();
    for (const c of this.#conns) {
      if (c.deadlineKind === "none" || now < c.deadline) continue;
      const kind = c.deadlineKind;
      c.arm("none", 0);
      switch (kind) {
        case "first":
        case "idle":
          c.close("idle-timeout");
          break;
        case "header":
          this.#emit("reject", { status: 408, reason: "header-timeout" });
          this.#finish(
            c,
            _problemBytes(
              408,
              `Cannot read the request: its head did not arrive within ${this.limits.headersTimeoutMs} ms; send it at once`,
            ),
            "header-timeout",
          );
          break;
        case "body":
          c.closeReason = "body-timeout";
          c.failBody?.("timeout");
          break;
        case "write":
          c.close("write-timeout");
          break;
        case "linger":
          c.close(c.closeReason ?? "early-answer");
          break;
      }
    }
  }

  /** Writes a final answer (best effort), then closes with a lingering close. */
  async #finish(c: _Connection, bytes: Uint8Array, reason: HttpCloseReason): Promise<void> {
    c.finishing = true;
    c.closeReason ??= reason;
    c.arm("write", this.limits.writeTimeoutMs);
    const ok = await c.write(bytes);
    if (!ok) {
      c.close(reason);
      this.#forget(c);
      return;
    }
    await this.#linger(c);
    this.#forget(c);
  }

  /** Stops writing, discards what still arrives for at most `lingerMs`, then closes. */
  async #linger(c: _Connection): Promise<void> {
    if (c.closed) return;
    try {
      await c.conn.closeWrite();
    } catch {
      c.close(c.closeReason ?? "early-answer");
      return;
    }
    c.arm("linger", this.limits.lingerMs);
    let discarded = 0;
    while (discarded < 4 * 1024 * 1024) {
      discarded += c.buffered;
      c.start = c.end = 0;
      if (!(await c.fill())) break;
    }
    c.close(c.closeReason ?? "early-answer");
  }

  #forget(c: _Connection): void {
    if (!this.#conns.delete(c)) return;
    this.#emit("close", { reason: c.closeReason ?? "client" });
    if (this.#conns.size === 0) {
      if (this.#sweep !== undefined) clearInterval(this.#sweep);
      this.#sweep = undefined;
      if (this.#stopping && this.#drained) this.#drained();
    }
  }

  /** Reads one head; null when the connection ended (EOF, timeout, shutdown). */
  async #readHead(c: _Connection, first: boolean): Promise<_HeadResult | null> {
    const l = this.limits;
    if (c.buffered === 0) {
      c.arm(first ? "first" : "idle", first ? l.headersTimeoutMs : l.idleTimeoutMs);
    } else c.arm("header", l.headersTimeoutMs);
    // Offsets from c.start: a fill may move the buffered bytes (compaction or growth).
    let scan = 0;
    let lineStart = 0;
    let firstLineEnd = -1;
    let lines = 0;
    outer: for (;;) {
      // Find the blank line that ends the head, counting lines and checking sizes on the way.
      const buf = c.buf, base = c.start, live = c.buffered;
      while (scan < live) {
        if (buf[base + scan] === 0x0a) {
          const lineEnd = scan > lineStart && buf[base + scan - 1] === 0x0d ? scan - 1 : scan;
          if (lineEnd === lineStart) {
            if (firstLineEnd < 0) {
              // Empty lines before the request line are allowed (RFC 9112 2.2): drop them.
              c.start += scan + 1;
              scan = lineStart = 0;
              continue outer;
            }
            const text = _latin1(buf, base, base + lineStart).replace(/\r?\n$/, "");
            c.start = base + scan + 1;
            c.arm("none", 0);
            return _parseHead(text, l);
          }
          if (firstLineEnd < 0) firstLineEnd = lineEnd;
          lines++;
          if (lines > l.maxHeaderCount + 1) {
            return _reject(
              431,
              "too-many-headers",
              `Cannot read the request: more than ${l.maxHeaderCount} header fields; send fewer headers`,
            );
          }
          lineStart = scan + 1;
        }
        scan++;
      }
      if (firstLineEnd < 0 && live > l.maxRequestLineBytes) {
        return _reject(
          414,
          "uri-too-long",
          `Cannot read the request: its request line is longer than ${l.maxRequestLineBytes} bytes; send a shorter URL (put large inputs in a POST body)`,
        );
      }
      if (live > l.maxHeaderBytes) {
        return firstLineEnd > l.maxRequestLineBytes
          ? _reject(
            414,
            "uri-too-long",
            `Cannot read the request: its request line is longer than ${l.maxRequestLineBytes} bytes; send a shorter URL`,
          )
          : _reject(
            431,
            "headers-too-large",
            `Cannot read the request: its header fields are larger than ${l.maxHeaderBytes} bytes; send smaller headers`,
          );
      }
      if (!(await c.fill()) || c.finishing) return null;
      if (live === 0 && c.deadlineKind !== "header") c.arm("header", l.headersTimeoutMs);
    }
  }

  async #serve(c: _Connection): Promise<void> {
    let first = true;
    try {
      while (!c.closed) {
        const r = await this.#readHead(c, first);
        first = false;
        if (r === null) {
          if (c.finishing) return; // a timeout answers and closes it
          c.close(c.closeReason ?? (this.#stopping ? "shutdown" : "client"));
          break;
        }
        if (!r.ok) {
          this.#emit("reject", { status: r.status, reason: r.reason });
          await this.#finish(c, _problemBytes(r.status, r.detail), "rejected");
          return;
        }
        const keep = await this.#dispatch(c, r.head);
        if (!keep) return;
        if (this.#stopping) {
          c.close("shutdown");
          break;
        }
      }
    } catch (err) {
      this.#onError(err);
      c.close("error");
    }
    this.#forget(c);
  }

  /** Writes a fast-lane answer; true to keep the connection. */
  async #writeFast(c: _Connection, head: _Head, a: FastAnswer): Promise<boolean> {
    const body = typeof a.body === "string" ? _encoder.encode(a.body) : a.body;
    const keep = head.keepAlive && !this.#stopping && !c.closed;
    const h = _encoder.encode(
      `HTTP/1.1 ${a.status} ${_REASONS[a.status] ?? ""}\r\n${a.headers}date: ${_date()}\r\n` +
        `content-length: ${body.length}\r\nconnection: ${keep ? "keep-alive" : "close"}\r\n\r\n`,
    );
    const out = new Uint8Array(h.length + (head.method === "HEAD" ? 0 : body.length));
    out.set(h);
    if (head.method !== "HEAD") out.set(body, h.length);
    let written = false;
    if (!c.closed) {
      c.arm("write", this.limits.writeTimeoutMs);
      written = await c.write(out);
      if (c.deadlineKind === "write") c.arm("none", 0);
    }
    this.#emit("response", { method: head.method, status: a.status, written, bodyFailure: null });
    if (keep && written) return true;
    c.closeReason ??= !written ? "write-timeout" : this.#stopping ? "shutdown" : "close-requested";
    c.close(c.closeReason);
    this.#forget(c);
    return false;
  }

  /** Runs the handler for one request and writes its answer; true to keep the connection. */
  async #dispatch(c: _Connection, head: _Head): Promise<boolean> {
    this.#emit("request", { method: head.method, target: head.target });
    const n = head.contentLength;
    if (
      this.#fast !== null &&
      (n === 0 ||
        (n > 0 && n <= _FAST_BODY_BYTES && head.method === "POST" && !head.expectContinue &&
          c.buffered >= n))
    ) {
      // A small body that came with the head is handed over whole; it is consumed only when
      // the lane answers (else the handler reads it as usual).
      let answer: FastAnswer | null = null;
      c.busy = true;
      try {
        answer = this.#fast({
          method: head.method,
          target: head.target,
          headers: head.headers,
          body: n > 0 ? c.buf.subarray(c.start, c.start + n) : null,
          remoteAddr: c.remoteAddr,
        });
      } catch (err) {
        this.#onError(err); // the handler answers it
      }
      c.busy = false;
      if (answer !== null) {
        c.start += n;
        return await this.#writeFast(c, head, answer);
      }
    }
    const l = this.limits;
    let bodyDone = head.contentLength === 0;
    let bodyFailure: RequestBodyFailure | null = null;
    let stream: ReadableStream<Uint8Array> | null = null;
    const hasBody = head.contentLength !== 0;
    if (hasBody && !_NO_BODY_METHODS.has(head.method.toUpperCase())) {
      let remaining = head.contentLength; // -1: chunked
      let chunkLeft = 0; // chunked: bytes left in the current chunk (-1: read the size line)
      let chunkState: "size" | "data" | "crlf" | "trailer" = "size";
      let continued = !head.expectContinue;
      let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
      const fail = (failure: RequestBodyFailure) => {
        if (bodyDone || bodyFailure) return;
        bodyFailure = failure;
        c.failBody = null;
        controller?.error(new RequestBodyError(failure));
      };
      c.failBody = fail;
      const need = async (): Promise<boolean> => {
        c.arm("body", l.bodyIdleTimeoutMs);
        const ok = await c.fill();
        if (c.deadlineKind === "body") c.arm("none", 0);
        if (bodyFailure) return false;
        if (!ok) {
          fail(this.#stopping ? "shutdown" : "client-closed");
          return false;
        }
        return true;
      };
      stream = new ReadableStream<Uint8Array>({
        start: (ctrl) => {
          controller = ctrl;
        },
        pull: async (ctrl) => {
          if (bodyFailure || bodyDone) return;
          if (!continued) {
            continued = true;
            c.arm("write", l.writeTimeoutMs);
            await c.write(_encoder.encode("HTTP/1.1 100 Continue\r\n\r\n"));
            c.arm("none", 0);
          }
          if (remaining >= 0) {
            if (c.buffered === 0 && !(await need())) return;
            const n = Math.min(remaining, c.buffered);
            ctrl.enqueue(c.buf.slice(c.start, c.start + n));
            c.start += n;
            remaining -= n;
            if (remaining === 0) {
              bodyDone = true;
              c.failBody = null;
              ctrl.close();
            }
            return;
          }
          // chunked
          for (;;) {
            if (chunkState === "data") {
              if (c.buffered === 0 && !(await need())) return;
              const n = Math.min(chunkLeft, c.buffered);
              ctrl.enqueue(c.buf.slice(c.start, c.start + n));
              c.start += n;
              chunkLeft -= n;
              if (chunkLeft === 0) chunkState = "crlf";
              return;
            }
            // a line: size line, the CRLF after data, or a trailer line
            let nl = c.buf.indexOf(0x0a, c.start);
            while (nl < 0 || nl >= c.end) {
              if (c.buffered > 4096) return fail("invalid");
              if (!(await need())) return;
              nl = c.buf.indexOf(0x0a, c.start);
            }
            const line = _latin1(c.buf, c.start, nl).replace(/\r$/, "");
            c.start = nl + 1;
            if (chunkState === "crlf") {
              if (line !== "") return fail("invalid");
              chunkState = "size";
            } else if (chunkState === "size") {
              const m = /^([0-9A-Fa-f]{1,8})(?:[ \t]*;.*)?$/.exec(line);
              if (!m) return fail("invalid");
              chunkLeft = parseInt(m[1]!, 16);
              chunkState = chunkLeft === 0 ? "trailer" : "data";
            } else if (line === "") {
              bodyDone = true;
              c.failBody = null;
              ctrl.close();
              return;
            }
          }
        },
        cancel: () => {
          c.failBody = null;
        },
      }, { highWaterMark: 0 }); // read only when the app reads: an early answer leaves the body unread
    }
    const url = `http://${head.host || `${this.addr.hostname}:${this.addr.port}`}${
      head.target.startsWith("/") ? head.target : head.target === "*" ? "/*" : _pathOf(head.target)
    }`;
    let request: Request;
    try {
      const headers = new Headers();
      for (const [k, v] of head.headers) headers.append(k, v);
      request = new Request(url, {
        method: head.method,
        headers,
        ...(stream ? { body: stream, duplex: "half" } : {}),
      } as RequestInit);
    } catch (err) {
      const forbidden = /method/i.test(String((err as Error)?.message));
      const status = forbidden ? 501 : 400;
      this.#emit("reject", { status, reason: "bad-request" });
      await this.#finish(
        c,
        _problemBytes(
          status,
          forbidden
            ? `Cannot serve method ${head.method.slice(0, 32)}: use GET, HEAD or POST`
            : "Cannot read the request: its URL or a header is invalid",
        ),
        "rejected",
      );
      return false;
    }
    c.busy = true;
    this.#inFlight++;
    let res: Response;
    try {
      res = await this.#handler(request, { remoteAddr: c.remoteAddr });
    } catch (err) {
      this.#onError(err);
      res = new Response(
        JSON.stringify({
          type: "about:blank",
          title: problemTitle(500),
          status: 500,
          detail: "Internal error",
        }),
        { status: 500, headers: { "content-type": PROBLEM_CONTENT_TYPE } },
      );
    } finally {
      this.#inFlight--;
    }
    c.failBody = null;
    let body: Uint8Array;
    try {
      const noBody = head.method === "HEAD" || res.status === 204 || res.status === 304;
      body = noBody || !res.body ? new Uint8Array(0) : new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      this.#onError(err);
      body = new Uint8Array(0);
    }
    const failure = bodyFailure as RequestBodyFailure | null;
    const keep = head.keepAlive && bodyDone && failure === null && !this.#stopping &&
      !c.closed && (res.headers.get("connection") ?? "").toLowerCase() !== "close";
    let text = `HTTP/1.1 ${res.status} ${_REASONS[res.status] ?? res.statusText ?? ""}\r\n`;
    let hasDate = false;
    for (const [k, v] of res.headers) {
      if (k === "content-length" || k === "connection" || k === "transfer-encoding") continue;
      if (k === "date") hasDate = true;
      text += `${k}: ${v}\r\n`;
    }
    if (!hasDate) text += `date: ${_date()}\r\n`;
    const declared = head.method === "HEAD" ? res.headers.get("content-length") : null;
    text += `content-length: ${declared ?? body.length}\r\nconnection: ${
      keep ? "keep-alive" : "close"
    }\r\n\r\n`;
    const h = _ascii(text);
    const out = new Uint8Array(h.length + body.length);
    out.set(h);
    out.set(body, h.length);
    let written = false;
    if (!c.closed && failure !== "client-closed") {
      c.arm("write", l.writeTimeoutMs);
      written = await c.write(out);
      if (c.deadlineKind === "write") c.arm("none", 0);
    }
    c.busy = false;
    this.#emit("response", {
      method: head.method,
      status: res.status,
      written,
      bodyFailure: failure,
    });
    if (keep && written) return true;
    if (!written || failure === "client-closed") {
      c.close(failure === "client-closed" ? "client" : c.closeReason ?? "write-timeout");
      this.#forget(c);
      return false;
    }
    c.closeReason ??= this.#stopping ? "shutdown" : !bodyDone ? "early-answer" : "close-requested";
    if (bodyDone) {
      c.close(c.closeReason);
      this.#forget(c);
    } else {
      await this.#linger(c);
      this.#forget(c);
    }
    return false;
  }
}

function _pathOf(absolute: string): string {
  try {
    const u = new URL(absolute);
    return u.pathname + u.search;
  } catch {
    return "/";
  }
}
