/**
 * The server's fast lane for the two hot reads, `GET /recommend/{userId}`
 * and `GET /similar/{movieId}`: when a request is plainly valid (digits in
 * the path, only the route's own query parameters with plain values, a valid
 * API key when keys are set), it is answered straight from the request head,
 * without building a `Request`, running the Hono app or a `Response`: the
 * same JSON text ({@linkcode recommendJson}, {@linkcode similarJson}), the
 * same request id, log line and metrics. Anything else (an odd value, an
 * unknown parameter, a missing key, an unknown movie) returns null and the
 * Hono app answers it, with its validation and its error messages. With a
 * rate limit or CORS set the lane is off (the app does those).
 *
 * @module
 */
import type { AppOptions } from "./app.ts";
import { _hashKey, _matchesAny } from "./_api_keys.ts";
import type { FastAnswer, FastLane } from "./http_server.ts";
import { recommendJson } from "./recommend_json.ts";
import { similarJson } from "./similar_json.ts";
import { MAX_ID, MAX_K } from "./schemas.ts";
import { ApiMetrics } from "./metrics.ts";
import { JsonLogger } from "./json_logger.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/min_ratings.ts";

const _ID = /^[1-9][0-9]{0,9}$/;
const _SMALL = /^[0-9]{1,7}$/;
const _REQUEST_ID = /^[\w\-=]{1,64}$/;
const _GENRE = /^[A-Za-z-]{1,40}$/;

function _int(text: string | undefined, re: RegExp, min: number, max: number): number {
  if (text === undefined || !re.test(text)) return -1;
  const n = Number(text);
  return n >= min && n <= max ? n : -1;
}

/** The route's query as plain key/values, or null when anything is unusual (the app decides). */
function _query(text: string, allowed: ReadonlySet<string>): Map<string, string> | null {
  const out = new Map<string, string>();
  if (text === "") return out;
  for (const part of text.split("&")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return null;
    const key = part.slice(0, eq), value = part.slice(eq + 1);
    if (!allowed.has(key) || out.has(key) || value.includes("%") || value.includes("+")) {
      return null;
    }
    out.set(key, value);
  }
  return out;
}

const _RECOMMEND_KEYS = new Set(["k", "exclude_seen", "genre", "min_ratings"]);
const _SIMILAR_KEYS = new Set(["k"]);

/**
 * The fast lane of an app made with the same `options` as `createApp`, or
 * null when it cannot be used (a rate limit or CORS is set).
 *
 * @example
 * ```ts ignore
 * const server = new HttpServer((req, info) => app.fetch(req, info), { fast: fastLane(options) ?? undefined });
 * ```
 */
export function fastLane(options: AppOptions): FastLane | null {
  if (options.rateLimit || (options.corsOrigins && options.corsOrigins.length > 0)) return null;
  const holder = options.holder;
  const metrics = options.metrics ?? new ApiMetrics();
  const logger = options.logger ?? new JsonLogger();
  const keyHashes = (options.apiKeys ?? []).filter((k) => k !== "").map(_hashKey);
  const minRatingsDefault = (m: { info: { evaluatedMinRatings?: number } }) =>
    options.minRatings ?? m.info.evaluatedMinRatings ?? DEFAULT_MIN_RATINGS;
  return (method, target, headers, info) => {
    if (method !== "GET") return null;
    const recommend = target.startsWith("/recommend/");
    if (!recommend && !target.startsWith("/similar/")) return null;
    const t0 = performance.now();
    const current = holder.current;
    if (current === null) return null;
    let requestId: string | null = null;
    let key: string | undefined;
    let forwarded: string | undefined;
    for (let i = 0; i < headers.length; i++) {
      const name = headers[i]![0];
      if (name.length === 12 && name.toLowerCase() === "x-request-id") {
        const v = headers[i]![1];
        if (_REQUEST_ID.test(v)) requestId = v;
      } else if (name.length === 9 && name.toLowerCase() === "x-api-key") key = headers[i]![1];
      else if (name.length === 15 && name.toLowerCase() === "x-forwarded-for") {
        forwarded = headers[i]![1];
      }
    }
    if (keyHashes.length > 0 && _matchesAny(key, keyHashes) < 0) return null;
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    const id = _int(path.slice(recommend ? 11 : 9), _ID, 1, MAX_ID);
    if (id < 0) return null;
    const query = _query(
      q < 0 ? "" : target.slice(q + 1),
      recommend ? _RECOMMEND_KEYS : _SIMILAR_KEYS,
    );
    if (query === null) return null;
    const kText = query.get("k");
    const k = kText === undefined ? 10 : _int(kText, _SMALL, 1, MAX_K);
    if (k < 0) return null;
    const m = current.ranker;
    let json: string | null;
    let route: string;
    if (recommend) {
      const flag = query.get("exclude_seen");
      if (
        flag !== undefined && flag !== "true" && flag !== "false" && flag !== "1" && flag !== "0"
      ) {
        return null;
      }
      const minText = query.get("min_ratings");
      const minRatings = minText === undefined
        ? minRatingsDefault(m)
        : _int(minText, _SMALL, 0, 1_000_000);
      if (minRatings < 0) return null;
      const genreText = query.get("genre");
      let genre: string | null = null;
      if (genreText !== undefined) {
        if (!_GENRE.test(genreText)) return null;
        genre = m.catalog.genre(genreText);
        if (genre === null) return null;
      }
      const a = recommendJson(m, id, k, {
        excludeSeen: flag === undefined || flag === "true" || flag === "1",
        genre,
        minRatings,
      });
      metrics.observeAnswer("recommend", a.fallback);
      json = a.json;
      route = "/recommend/{userId}";
    } else {
      json = similarJson(m, id, k);
      if (json === null) return null; // the app's 404 says why
      route = "/similar/{movieId}";
    }
    const rid = requestId ?? crypto.randomUUID();
    const seconds = (performance.now() - t0) / 1000;
    metrics.observeRequest("GET", route, 200, seconds);
    logger.info("request", {
      requestId: rid,
      method: "GET",
      path: path.length > 200 ? path.slice(0, 200) + "…" : path,
      route,
      status: 200,
      ms: Math.round(seconds * 1e5) / 100,
      client: options.trustProxy && forwarded
        ? forwarded.split(",")[0]!.trim().slice(0, 64)
        : info.remoteAddr.hostname,
    });
    const answer: FastAnswer = {
      status: 200,
      headers: `content-type: application/json\r\nx-request-id: ${rid}\r\n`,
      body: json,
    };
    return answer;
  };
}
