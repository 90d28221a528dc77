/**
 * RFC 9457 problem details (`application/problem+json`): the one shape every
 * error response of the API has. Handlers throw {@linkcode ApiError}; the app's
 * error handler turns it (and anything unexpected) into a problem response,
 * never with a stack trace.
 *
 * @module
 */

/** The media type of every error response. */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Standard titles per status code. */
const _TITLES: Readonly<Record<number, string>> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  408: "Request timeout",
  413: "Payload too large",
  414: "URI too long",
  415: "Unsupported media type",
  422: "Unprocessable content",
  429: "Too many requests",
  431: "Request header fields too large",
  499: "Client closed request",
  500: "Internal server error",
  501: "Not implemented",
  503: "Service unavailable",
  505: "HTTP version not supported",
};

/** The standard title of a status code (`Error` for one without). */
export function problemTitle(status: number): string {
  return _TITLES[status] ?? "Error";
}

/** The JSON body of a problem response. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly [extension: string]: unknown;
}

/** An error a handler throws on purpose: becomes a problem response with `status`. */
export class ApiError extends Error {
  /** HTTP status of the response. */
  readonly status: number;
  /** Extra members of the problem body (e.g. `errors`, `allowed`). */
  readonly extensions: Record<string, unknown>;
  /** Extra response headers (e.g. `Retry-After`, `Allow`). */
  readonly headers: Record<string, string>;

  /** Makes an error with a status and a message written for the caller. */
  constructor(
    status: number,
    detail: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/**
 * Builds a problem+json response.
 *
 * @example
 * ```ts
 * import { problemResponse } from "./problem.ts";
 * const res = problemResponse(404, "Unknown movie: 123", { instance: "/movies/123" });
 * if (res.status !== 404) throw new Error("wrong status");
 * ```
 */
export function problemResponse(
  status: number,
  detail: string,
  options: {
    instance?: string;
    requestId?: string;
    extensions?: Record<string, unknown>;
    headers?: Record<string, string>;
  } = {},
): Response {
  const body: ProblemBody = {
    ...options.extensions,
    type: "about:blank",
    title: problemTitle(status),
    status,
    detail,
    ...(options.instance === undefined ? {} : { instance: options.instance }),
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...options.headers },
  });
}
