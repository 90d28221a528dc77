/**
 * The server's fast lane for the hot routes, `GET /recommend/{userId}`,
 * `GET /similar/{movieId}` and `POST /recommend` (a small JSON body that
 * came with the head): when a request is plainly valid (digits in the path,
 * only the route's own query parameters with plain values, a body of exactly
 * the documented fields and types within the model's rating scale, each movie
 * once, a valid API key when keys are set), it is answered straight from the request head,
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
import { MAX_FOLD_IN_RATINGS, MAX_ID, MAX_K } from "./schemas.ts";
import { foldInJson } from "./fold_in_json.ts";
import { ApiMetrics } from "./metrics.ts";
import { JsonLogger } from "./json_logger.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/evaluation/min_ratings.ts";

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
const _FOLD_IN_KEYS = new Set(["min_ratings"]);
const _JSON_TYPE = /^application\/(.+\+)?json\b/i;
const _BODY_KEYS = new Set(["ratings", "k", "genre", "exclude_rated"]);
const _utf8 = new TextDecoder("utf-8", { fatal: true });

/** A plainly valid `POST /recommend` body, or null (the app validates and answers anything else). */
function _foldInBody(
  bytes: Uint8Array,
  scale: readonly [number, number],
): {
  movieIds: number[];
  ratings: number[];
  k: number;
  genre?: string;
  excludeRated: boolean;
} | null {
  let body: unknown;
  try {
    body = JSON.parse(_utf8.decode(bytes));
  } catch {
    return null;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  for (const key in b) if (!_BODY_KEYS.has(key)) return null;
  const list = b.ratings;
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_FOLD_IN_RATINGS) return null;
  const k = b.k === undefined ? 10 : b.k;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > MAX_K) return null;
  const excludeRated = b.exclude_rated === undefined ? true : b.exclude_rated;
  if (typeof excludeRated !== "boolean") return null;
  const genre = b.genre;
  if (genre !== undefined && (typeof genre !== "string" || !_GENRE.test(genre))) return null;
  const movieIds: number[] = new Array(list.length), ratings: number[] = new Array(list.length);
  const seen = new Set<number>();
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== "object" || x === null || Array.isArray(x)) return null;
    const r = x as Record<string, unknown>;
    let keys = 0;
    for (const key in r) {
      if (key !== "movieId" && key !== "rating") return null;
      keys++;
    }
    const id = r.movieId, rating = r.rating;
    if (keys !== 2 || typeof id !== "number" || typeof rating !== "number") return null;
    if (!Number.isInteger(id) || id < 1 || id > MAX_ID || seen.has(id)) return null;
    if (!(rating >= scale[0] && rating <= scale[1])) return null;
    seen.add(id);
    movieIds[i] = id;
    ratings[i] = rating;
  }
  return { movieIds, ratings, k, ...(genre !== undefined ? { genre } : {}), excludeRated };
}
const _SIMILAR_KEYS = new Set(["k"]);

/**
 * The fast lane of an app made with the same `options` as `createApp`, or
 * null when it cannot be used (a rate limit or CORS is set).
 *
 * @example
 * ```ts ignore
 * const server = new HttpServer((req, info) => app.fetch(req, info), { fast: fastLane(options) });
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
  return (request) => {
    const { method, target, headers } = request;
    const post = method === "POST";
    if (post ? !target.startsWith("/recommend") : method !== "GET") return null;
    const recommend = !post && target.startsWith("/recommend/");
    if (!post && !recommend && !target.startsWith("/similar/")) return null;
    const t0 = performance.now();
    const current = holder.current;
    if (current === null) return null;
    let contentType = "";
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
      } else if (name.length === 12 && name.toLowerCase() === "content-type") {
        contentType = headers[i]![1];
      }
    }
    if (keyHashes.length > 0 && _matchesAny(key, keyHashes) < 0) return null;
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    if (post) {
      if (path !== "/recommend" || !_JSON_TYPE.test(contentType) || request.body === null) {
        return null;
      }
      const query = _query(q < 0 ? "" : target.slice(q + 1), _FOLD_IN_KEYS);
      if (query === null) return null;
      const m = current.ranker;
      const minText = query.get("min_ratings");
      const minRatings = minText === undefined
        ? minRatingsDefault(m)
        : _int(minText, _SMALL, 0, 1_000_000);
      if (minRatings < 0) return null;
      const body = _foldInBody(request.body, m.manifest.ratingScale);
      if (body === null) return null;
      let genre: string | null = null;
      if (body.genre !== undefined) {
        genre = m.catalog.genre(body.genre);
        if (genre === null) return null;
      }
      const a = foldInJson(m, body, body.k, { genre, excludeRated: body.excludeRated, minRatings });
      metrics.observeAnswer("recommend-fold-in", a.fallback);
      return _answer(a.json, "/recommend", path);
    }
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
    return _answer(json, route, path);

    function _answer(json: string, route: string, path: string): FastAnswer {
      const rid = requestId ?? crypto.randomUUID();
      const seconds = (performance.now() - t0) / 1000;
      metrics.observeRequest(method, route, 200, seconds);
      logger.info("request", {
        requestId: rid,
        method,
        path: path.length > 200 ? path.slice(0, 200) + "…" : path,
        route,
        status: 200,
        ms: Math.round(seconds * 1e5) / 100,
        client: options.trustProxy && forwarded
          ? forwarded.split(",")[0]!.trim().slice(0, 64)
          : request.remoteAddr.hostname,
      });
      const answer: FastAnswer = {
        status: 200,
        headers: `content-type: application/json\r\nx-request-id: ${rid}\r\n`,
        body: json,
      };
      return answer;
    }
  };
}
