/**
 * A small Prometheus registry for the API: request counts and latency
 * histograms per route and status, the cold-start (fallback) rate, reloads and
 * the served model, rendered in the text exposition format 0.0.4.
 *
 * Every label comes from a bounded set, so the number of series stays bounded
 * whatever the callers send: the method is one of {@linkcode KNOWN_METHODS} or
 * `other`, the route a route pattern (`/recommend/{userId}`) or `unmatched`,
 * the status a number from 100 to 599 (499: the client closed the request
 * before its end, counted apart from the server's own 5xx), the reasons of
 * the server's rejections and of closed connections one of a fixed list.
 *
 * @module
 */

/** Latency histogram bucket bounds in seconds. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
];

/** HTTP methods counted by name; any other is counted as `other`. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
]);

// Longest label value of the open sets (route patterns, reasons): a guard, never reached by our own.
const _MAX_LABEL = 64;

function _label(value: string): string {
  return value.length > _MAX_LABEL ? "other" : value;
}

interface _Histogram {
  readonly counts: Float64Array; // one per bucket, not cumulative
  sum: number;
  count: number;
}

function _escape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Request, fallback and model metrics of one server process. */
export class ApiMetrics {
  readonly #requests = new Map<string, number>();
  readonly #latency = new Map<string, _Histogram>();
  readonly #fallback = new Map<string, number>(); // endpoint -> fallback answers
  readonly #answers = new Map<string, number>(); // endpoint -> all answers
  readonly #reloads = new Map<string, number>(); // result -> count
  readonly #rejected = new Map<string, number>(); // reason\0status -> count
  readonly #closed = new Map<string, number>(); // reason -> count
  #openConnections: (() => number) | null = null;
  #model: { name: string; version: string } | null = null;
  #modelLoadedAt = 0;

  /**
   * Records one finished request. An unknown method is counted as `other`; the
   * route must be a route pattern or `unmatched` (the app never passes a raw path).
   */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const m = KNOWN_METHODS.has(method) ? method : "other";
    const r = _label(route);
    const st = Number.isInteger(status) && status >= 100 && status <= 599 ? status : 0;
    const key = `${m}\u0000${r}\u0000${st}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    const hkey = `${m}\u0000${r}`;
    let h = this.#latency.get(hkey);
    if (h === undefined) {
      h = { counts: new Float64Array(LATENCY_BUCKETS.length), sum: 0, count: 0 };
      this.#latency.set(hkey, h);
    }
    h.sum += seconds;
    h.count++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]!) {
        h.counts[i]!++;
        break;
      }
    }
  }

  /** Records a ranked answer of `endpoint`, and whether the fallback gave it. */
  observeAnswer(endpoint: string, fallback: boolean): void {
    this.#answers.set(endpoint, (this.#answers.get(endpoint) ?? 0) + 1);
    if (fallback) this.#fallback.set(endpoint, (this.#fallback.get(endpoint) ?? 0) + 1);
  }

  /** Records a reload attempt: `ok` or `failed`. */
  observeReload(result: "ok" | "failed"): void {
    this.#reloads.set(result, (this.#reloads.get(result) ?? 0) + 1);
  }

  /** Records a request the HTTP server answered itself (414, 431, 408, ...), by reason. */
  observeRejected(reason: string, status: number): void {
    const key = `${_label(reason)}\u0000${status >= 100 && status <= 599 ? status : 0}`;
    this.#rejected.set(key, (this.#rejected.get(key) ?? 0) + 1);
  }

  /** Records a closed connection, by reason (`idle-timeout`, `early-answer`, ...). */
  observeConnectionClosed(reason: string): void {
    const key = _label(reason);
    this.#closed.set(key, (this.#closed.get(key) ?? 0) + 1);
  }

  /** Where the `http_open_connections` gauge reads from (the HTTP server's count). */
  setOpenConnections(read: () => number): void {
    this.#openConnections = read;
  }

  /** Sets the served model (name and version label). */
  setModel(name: string, version: string): void {
    this.#model = { name, version };
    this.#modelLoadedAt = Date.now() / 1000;
  }

  /** The registry in Prometheus text format. */
  render(): string {
    const out: string[] = [];
    out.push("# HELP http_requests_total HTTP requests by method, route and status.");
    out.push("# TYPE http_requests_total counter");
    for (const [key, n] of this.#requests) {
      const [method, route, status] = key.split("\u0000") as [string, string, string];
      out.push(
        `http_requests_total{method="${method}",route="${_escape(route)}",status="${status}"} ${n}`,
      );
    }
    out.push("# HELP http_request_duration_seconds Request latency by method and route.");
    out.push("# TYPE http_request_duration_seconds histogram");
    for (const [key, h] of this.#latency) {
      const [method, route] = key.split("\u0000") as [string, string];
      const labels = `method="${method}",route="${_escape(route)}"`;
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        cumulative += h.counts[i]!;
        out.push(
          `http_request_duration_seconds_bucket{${labels},le="${
            LATENCY_BUCKETS[i]
          }"} ${cumulative}`,
        );
      }
      out.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    out.push("# HELP recommender_answers_total Ranked answers by endpoint.");
    out.push("# TYPE recommender_answers_total counter");
    for (const [endpoint, n] of this.#answers) {
      out.push(`recommender_answers_total{endpoint="${_escape(endpoint)}"} ${n}`);
    }
    out.push(
      "# HELP recommender_fallback_total Answers given by the popularity fallback (cold start).",
    );
    out.push("# TYPE recommender_fallback_total counter");
    for (const [endpoint] of this.#answers) {
      const n = this.#fallback.get(endpoint) ?? 0;
      out.push(`recommender_fallback_total{endpoint="${_escape(endpoint)}"} ${n}`);
    }
    out.push("# HELP recommender_fallback_ratio Share of answers given by the fallback.");
    out.push("# TYPE recommender_fallback_ratio gauge");
    for (const [endpoint, n] of this.#answers) {
      const f = this.#fallback.get(endpoint) ?? 0;
      out.push(`recommender_fallback_ratio{endpoint="${_escape(endpoint)}"} ${n ? f / n : 0}`);
    }
    out.push("# HELP recommender_model_reloads_total Model reload attempts by result.");
    out.push("# TYPE recommender_model_reloads_total counter");
    for (const result of ["ok", "failed"]) {
      out.push(
        `recommender_model_reloads_total{result="${result}"} ${this.#reloads.get(result) ?? 0}`,
      );
    }
    out.push(
      "# HELP http_rejected_requests_total Requests the HTTP server answered itself (limits, timeouts, malformed), by reason.",
    );
    out.push("# TYPE http_rejected_requests_total counter");
    for (const [key, n] of this.#rejected) {
      const [reason, status] = key.split("\u0000") as [string, string];
      out.push(`http_rejected_requests_total{reason="${_escape(reason)}",status="${status}"} ${n}`);
    }
    out.push("# HELP http_connections_closed_total Closed connections by reason.");
    out.push("# TYPE http_connections_closed_total counter");
    for (const [reason, n] of this.#closed) {
      out.push(`http_connections_closed_total{reason="${_escape(reason)}"} ${n}`);
    }
    if (this.#openConnections) {
      out.push("# HELP http_open_connections Connections open now.");
      out.push("# TYPE http_open_connections gauge");
      out.push(`http_open_connections ${this.#openConnections()}`);
    }
    if (this.#model) {
      out.push("# HELP recommender_model_info The served model (value is always 1).");
      out.push("# TYPE recommender_model_info gauge");
      out.push(
        `recommender_model_info{model="${_escape(this.#model.name)}",version="${
          _escape(this.#model.version)
        }"} 1`,
      );
      out.push("# HELP recommender_model_loaded_timestamp_seconds When the served model loaded.");
      out.push("# TYPE recommender_model_loaded_timestamp_seconds gauge");
      out.push(`recommender_model_loaded_timestamp_seconds ${this.#modelLoadedAt}`);
    }
    return out.join("\n") + "\n";
  }
}
