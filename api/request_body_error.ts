/**
 * The error a request body stream of {@linkcode HttpServer} fails with, so that
 * the app can answer each cause with its own status instead of one 503.
 *
 * @module
 */

/** Why a request body could not be read to its end. */
export type RequestBodyFailure = "client-closed" | "timeout" | "shutdown" | "invalid";

/**
 * A request body stream failed: the client closed the connection before its
 * end (`client-closed`, nginx's 499), sent nothing for too long (`timeout`,
 * 408), the server is shutting down (`shutdown`, 503) or the chunked framing
 * is broken (`invalid`, 400).
 *
 * @example
 * ```ts
 * import { RequestBodyError } from "./request_body_error.ts";
 * const e = new RequestBodyError("timeout");
 * if (e.status !== 408) throw new Error("a body timeout answers 408");
 * ```
 */
export class RequestBodyError extends Error {
  /** The cause. */
  readonly failure: RequestBodyFailure;

  /** Makes the error of one failure. */
  constructor(failure: RequestBodyFailure, detail?: string) {
    super(detail ?? RequestBodyError.describe(failure));
    this.name = "RequestBodyError";
    this.failure = failure;
  }

  /** The HTTP status that answers this failure (499: the client is gone, nobody reads it). */
  get status(): number {
    return { "client-closed": 499, timeout: 408, shutdown: 503, invalid: 400 }[this.failure];
  }

  /** A message for the client, in the project's "Cannot X: detail; fix" form. */
  static describe(failure: RequestBodyFailure): string {
    switch (failure) {
      case "client-closed":
        return "Cannot read the request body: the client closed the connection before its end";
      case "timeout":
        return "Cannot read the request body: no bytes arrived for too long; send the body without pauses";
      case "shutdown":
        return "Cannot read the request body: the server is shutting down; retry";
      case "invalid":
        return "Cannot read the request body: its chunked encoding is broken; send a valid body";
    }
  }
}
