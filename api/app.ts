/**
 * The Hono app of the movie recommender API (no `serve()` call here: see
 * `main.ts`). Every request gets a request id, a JSON log line and metrics;
 * every path, query and body is parsed with the zod schemas of
 * `operations.ts`; every error is `application/problem+json` without a stack
 * trace. Auth (X-API-Key), per-client rate limiting and CORS are optional.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { createHash, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import { ApiError, problemResponse } from "./problem.ts";
import { ApiMetrics } from "./metrics.ts";
import { JsonLogger } from "./json_logger.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { type Operation, type OperationId, OPERATIONS } from "./operations.ts";
import { buildOpenApi } from "./openapi.ts";
import { DOCS_HTML } from "./docs_page.ts";
import type { ModelHolder } from "./model_holder.ts";
import type { LoadedModel } from "./loaded_model.ts";
import type { ScoredMovie } from "../recommender/model.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/min_ratings.ts";

/** Settings of {@linkcode createApp}. */
export interface AppOptions {
  /** The served model and its reload. */
  readonly holder: ModelHolder;
  /** Accepted API keys; empty or absent: the API is open (admin disabled). */
  readonly apiKeys?: readonly string[];
  /** Keys for `/admin/*`; default: `apiKeys`. */
  readonly adminKeys?: readonly string[];
  /** Per-client token bucket; absent or null: no rate limit. */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number } | null;
  /** Allowed CORS origins (`*` for any); empty: no CORS headers (closed). */
  readonly corsOrigins?: readonly string[];
  /** Log sink; default: JSON lines on standard output. */
  readonly logger?: JsonLogger;
  /** Metrics registry; default: a new one. */
  readonly metrics?: ApiMetrics;
  /** Use the first `X-Forwarded-For` address as the client (behind a proxy only). */
  readonly trustProxy?: boolean;
  /** Largest accepted request body in bytes. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** Default `min_ratings` of `/recommend` when a request gives none. Default {@linkcode DEFAULT_MIN_RATINGS}. */
  readonly minRatings?: number;
  /** Clock for the rate limiter (tests). */
  readonly now?: () => number;
}

type _Vars = { requestId: string; route: string };
type _Env = { Variables: _Vars; Bindings: { remoteAddr?: { hostname?: string } } | undefined };
type _Ctx = Context<_Env>;

const _REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const _OPEN_PATHS = new Set(["/health", "/ready", "/metrics", "/docs", "/openapi.json"]);

function _hashKey(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

function _matchesAny(candidate: string | undefined, hashes: readonly Buffer[]): number {
  if (!candidate) return -1;
  const h = _hashKey(candidate);
  let found = -1;
  for (let i = 0; i < hashes.length; i++) if (timingSafeEqual(h, hashes[i]!)) found = i;
  return found;
}

function _pathRegex(template: string): RegExp {
  return new RegExp(
    "^" + template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+") + "/?$",
  );
}

function _parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({
    where,
    name: i.path.map(String).join(".") || null,
    message: i.code === "unrecognized_keys"
      ? `unknown ${where === "query" ? "parameter" : "field"}: ${
        (i as { keys: string[] }).keys.join(", ")
      }`
      : i.message,
  }));
  const first = errors[0]!;
  throw new ApiError(
    400,
    `Invalid ${where}${first.name ? ` "${first.name}"` : ""}: ${first.message}`,
    { extensions: { errors } },
  );
}

function _model(holder: ModelHolder): LoadedModel {
  const m = holder.current;
  if (!m) {
    throw new ApiError(503, "No model is loaded yet: retry shortly", {
      headers: { "Retry-After": "1" },
    });
  }
  return m;
}

function _genre(m: LoadedModel, genre: string | undefined): string | null {
  if (genre === undefined) return null;
  const g = m.catalog.genre(genre);
  if (g === null) {
    throw new ApiError(
      400,
      `Invalid query "genre": unknown genre "${genre.slice(0, 40)}": use one of ${
        m.catalog.genreNames.join(", ")
      }`,
      {
        extensions: { allowed: m.catalog.genreNames },
      },
    );
  }
  return g;
}

function _items(m: LoadedModel, items: readonly ScoredMovie[]) {
  const out = new Array(items.length);
  for (let j = 0; j < items.length; j++) {
    const s = items[j]!;
    const movie = m.catalog.get(s.movieId);
    out[j] = {
      movieId: s.movieId,
      title: movie?.title ?? null,
      year: movie?.year ?? null,
      genres: movie?.genres ?? [],
      score: Math.round(s.score * 1e6) / 1e6,
    };
  }
  return out;
}

/** Builds the app. */
export function createApp(options: AppOptions): Hono<_Env> {
  const holder = options.holder;
  const metrics = options.metrics ?? new ApiMetrics();
  const logger = options.logger ?? new JsonLogger();
  const keyHashes = (options.apiKeys ?? []).filter((k) => k !== "").map(_hashKey);
  const adminHashes = (options.adminKeys ?? options.apiKeys ?? []).filter((k) => k !== "").map(
    _hashKey,
  );
  const limiter = options.rateLimit
    ? new RateLimiter({ ...options.rateLimit, ...(options.now ? { now: options.now } : {}) })
    : null;
  const maxBody = options.maxBodyBytes ?? 65_536;
  // The request's min_ratings, else the server's setting, else what the evaluate stage used for
  // the served model, else the project default.
  const minRatingsDefault = (model: { info: { evaluatedMinRatings?: number } }) =>
    options.minRatings ?? model.info.evaluatedMinRatings ?? DEFAULT_MIN_RATINGS;
  const startedAt = Date.now();
  let openApiJson: string | null = null;
  const routeMatchers = (OPERATIONS as readonly Operation[]).map((op) => ({
    re: _pathRegex(op.path),
    method: op.method.toUpperCase(),
  }));

  const app = new Hono<_Env>();

  // Request id, timing, JSON log line, metrics. Runs first and always.
  app.use("*", async (c, next) => {
    const t0 = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && _REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("route", "unmatched");
    await next();
    c.res.headers.set("x-request-id", requestId);
    const seconds = (performance.now() - t0) / 1000;
    const route = c.get("route");
    metrics.observeRequest(c.req.method, route, c.res.status, seconds);
    logger.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path.length > 200 ? c.req.path.slice(0, 200) + "…" : c.req.path,
      route,
      status: c.res.status,
      ms: Math.round(seconds * 1e5) / 100,
      client: _client(c),
    });
  });

  if (options.corsOrigins && options.corsOrigins.length > 0) {
    const origins = [...options.corsOrigins];
    app.use(
      "*",
      cors({
        origin: origins.includes("*") ? "*" : origins,
        allowMethods: ["GET", "POST", "OPTIONS"],
        allowHeaders: ["Content-Type", "X-API-Key", "X-Request-Id"],
        exposeHeaders: ["X-Request-Id", "Retry-After"],
        maxAge: 600,
      }),
    );
  }

  function _client(c: _Ctx): string {
    if (options.trustProxy) {
      const fwd = c.req.header("x-forwarded-for");
      if (fwd) return fwd.split(",")[0]!.trim().slice(0, 64);
    }
    return c.env?.remoteAddr?.hostname ?? "unknown";
  }

  // Auth and rate limit (health, readiness, metrics and docs stay open).
  app.use("*", (c, next) => {
    const path = c.req.path;
    if (_OPEN_PATHS.has(path) || c.req.method === "OPTIONS") return next();
    const admin = path.startsWith("/admin/");
    const key = c.req.header("x-api-key");
    let clientId: string;
    if (admin) {
      if (adminHashes.length === 0) {
        throw new ApiError(
          403,
          "Admin endpoints are disabled: start the server with API_KEYS (or ADMIN_KEYS) set",
        );
      }
      const i = _matchesAny(key, adminHashes);
      if (i < 0) {
        throw new ApiError(
          401,
          key
            ? "Invalid API key: check the X-API-Key header"
            : "Missing API key: send an admin key in the X-API-Key header",
          {
            headers: { "WWW-Authenticate": 'ApiKey header="X-API-Key"' },
          },
        );
      }
      clientId = `admin:${i}`;
    } else if (keyHashes.length > 0) {
      const i = _matchesAny(key, keyHashes);
      if (i < 0) {
        throw new ApiError(
          401,
          key
            ? "Invalid API key: check the X-API-Key header"
            : "Missing API key: send it in the X-API-Key header",
          {
            headers: { "WWW-Authenticate": 'ApiKey header="X-API-Key"' },
          },
        );
      }
      clientId = `key:${i}`;
    } else {
      clientId = `ip:${_client(c)}`;
    }
    if (limiter) {
      const d = limiter.take(clientId);
      if (!d.allowed) {
        throw new ApiError(429, `Rate limit exceeded: retry after ${d.retryAfterSeconds} s`, {
          headers: { "Retry-After": String(d.retryAfterSeconds), "RateLimit-Remaining": "0" },
        });
      }
    }
    return next();
  });

  const handlers: Record<OperationId, (c: _Ctx, op: Operation) => Response | Promise<Response>> = {
    recommendForUser(c, op) {
      const p = _parse(op.pathParams!, c.req.param(), "path") as { userId: number };
      const q = _parse(op.query, c.req.query(), "query") as {
        k: number;
        exclude_seen: boolean;
        genre?: string;
        min_ratings?: number;
      };
      const m = _model(holder);
      const genre = _genre(m, q.genre);
      const r = m.recommend(p.userId, q.k, {
        excludeSeen: q.exclude_seen,
        genre,
        minRatings: q.min_ratings ?? minRatingsDefault(m),
      });
      metrics.observeAnswer("recommend", r.fallback);
      return c.json({
        userId: p.userId,
        model: m.info.name,
        scorer: r.scorer,
        fallback: r.fallback,
        items: _items(m, r.items),
      });
    },
    async recommendFromRatings(c, op) {
      const q = _parse(op.query, c.req.query(), "query") as { min_ratings?: number };
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/(.+\+)?json\b/i.test(type)) {
        throw new ApiError(
          415,
          `Unsupported content type: send the ratings as application/json, got "${
            type.slice(0, 80)
          }"`,
        );
      }
      const text = await _readBody(c.req.raw, maxBody);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new ApiError(400, `Invalid body: not JSON: ${(err as Error).message.slice(0, 200)}`);
      }
      const body = _parse(op.body!, json, "body") as {
        ratings: { movieId: number; rating: number }[];
        k: number;
        genre?: string;
        exclude_rated: boolean;
      };
      const m = _model(holder);
      const genre = _genre(m, body.genre);
      const r = m.recommendFromRatings(
        {
          movieIds: body.ratings.map((x) => x.movieId),
          ratings: body.ratings.map((x) => x.rating),
        },
        body.k,
        {
          genre,
          excludeRated: body.exclude_rated,
          minRatings: q.min_ratings ?? minRatingsDefault(m),
        },
      );
      metrics.observeAnswer("recommend-fold-in", r.fallback);
      return c.json({
        userId: null,
        model: m.info.name,
        scorer: r.scorer,
        fallback: r.fallback,
        unknownMovieIds: r.unknownMovieIds,
        items: _items(m, r.items),
      });
    },
    similarMovies(c, op) {
      const p = _parse(op.pathParams!, c.req.param(), "path") as { movieId: number };
      const q = _parse(op.query, c.req.query(), "query") as { k: number };
      const m = _model(holder);
      const items = m.similar(p.movieId, q.k);
      if (items === null) {
        throw new ApiError(
          404,
          m.catalog.get(p.movieId)
            ? `Movie has no factors: movie ${p.movieId} had no ratings in the training data`
            : `Unknown movie: ${p.movieId} is not in the catalog`,
        );
      }
      return c.json({ movieId: p.movieId, model: m.info.name, items: _items(m, items) });
    },
    predictRating(c, op) {
      const p = _parse(op.pathParams!, c.req.param(), "path") as {
        userId: number;
        movieId: number;
      };
      _parse(op.query, c.req.query(), "query");
      const m = _model(holder);
      if (!m.knowsMovie(p.movieId)) {
        throw new ApiError(404, `Unknown movie: ${p.movieId} is not in the catalog`);
      }
      const r = m.predict(p.userId, p.movieId);
      metrics.observeAnswer("predict", r.scorer !== "model");
      return c.json({
        userId: p.userId,
        movieId: p.movieId,
        rating: Math.round(r.rating * 1e6) / 1e6,
        scorer: r.scorer,
        model: m.info.name,
        ratingScale: m.manifest.ratingScale,
      });
    },
    explainPrediction(c, op) {
      const p = _parse(op.pathParams!, c.req.param(), "path") as {
        userId: number;
        movieId: number;
      };
      const q = _parse(op.query, c.req.query(), "query") as { k: number };
      const m = _model(holder);
      if (!m.knowsMovie(p.movieId)) {
        throw new ApiError(404, `Unknown movie: ${p.movieId} is not in the catalog`);
      }
      if (!m.knowsUser(p.userId)) {
        throw new ApiError(
          404,
          `Unknown user: ${p.userId} is not in the training data, so there is nothing to explain`,
        );
      }
      const e = m.explain(p.userId, p.movieId, q.k);
      if (e === null) {
        throw new ApiError(
          404,
          `Movie has no factors: movie ${p.movieId} had no ratings in the training data`,
        );
      }
      const contributions = e.contributions.map((x) => {
        const movie = m.catalog.get(x.movieId);
        return {
          movieId: x.movieId,
          title: movie?.title ?? null,
          year: movie?.year ?? null,
          genres: movie?.genres ?? [],
          rating: x.rating,
          contribution: Math.round(x.contribution * 1e6) / 1e6,
        };
      });
      return c.json({
        userId: e.userId,
        movieId: e.movieId,
        model: m.info.name,
        prediction: e.prediction,
        scorer: e.scorer,
        terms: e.terms,
        foldInInteraction: e.foldInInteraction,
        contributions,
        method:
          "Shares of the interaction term from the fold-in of the user's training ratings (Hu, Koren & Volinsky 2008); they sum to foldInInteraction, which approximates terms.interaction",
      });
    },
    getMovie(c, op) {
      const p = _parse(op.pathParams!, c.req.param(), "path") as { movieId: number };
      _parse(op.query, c.req.query(), "query");
      const movie = _model(holder).catalog.get(p.movieId);
      if (!movie) throw new ApiError(404, `Unknown movie: ${p.movieId} is not in the catalog`);
      return c.json(movie);
    },
    searchMovies(c, op) {
      const q = _parse(op.query, c.req.query(), "query") as { search?: string; limit: number };
      const r = _model(holder).catalog.search(q.search ?? "", q.limit);
      return c.json(r);
    },
    popularMovies(c, op) {
      const q = _parse(op.query, c.req.query(), "query") as { k: number; genre?: string };
      const m = _model(holder);
      const genre = _genre(m, q.genre);
      const pop = m.popularity;
      const items = m.popularPositions(q.k, genre).map((p) => {
        const movieId = pop.movieIds[p]!;
        const movie = m.catalog.get(movieId);
        return {
          movieId,
          title: movie?.title ?? null,
          year: movie?.year ?? null,
          genres: movie?.genres ?? [],
          score: Math.round(pop.scores[p]! * 1e6) / 1e6,
          count: pop.votes[p]!,
          mean: Math.round(pop.means[p]! * 1e6) / 1e6,
        };
      });
      return c.json({ genre, items });
    },
    health(c) {
      const m = holder.current;
      return c.json({
        status: m ? "ok" : "loading",
        model: m?.info.name ?? null,
        version: m?.info.version ?? null,
        source: m?.info.source ?? null,
        dataHash: m?.manifest.trainDataHash ?? null,
        trainedAt: m?.manifest.trainedAt ?? null,
        loadedAt: m?.info.loadedAt ?? null,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
      });
    },
    ready(c) {
      _model(holder);
      return c.json({ ready: true });
    },
    metrics(c) {
      return c.body(metrics.render(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      });
    },
    async reload(c, op) {
      _parse(op.query, c.req.query(), "query");
      const r = await holder.reload();
      metrics.observeReload(r.ok ? "ok" : "failed");
      if (!r.ok) {
        logger.error("reload rejected", { requestId: c.get("requestId"), error: r.error });
        const current = holder.current;
        throw new ApiError(
          422,
          `Reload rejected: ${r.error}; still serving ${
            current ? `${current.info.name} ${current.info.version}` : "no model"
          }`,
        );
      }
      logger.info("model reloaded", {
        model: r.model.info.name,
        version: r.model.info.version,
        ms: r.ms,
      });
      return c.json({
        reloaded: true,
        model: r.model.info.name,
        version: r.model.info.version,
        ms: Math.round(r.ms),
      });
    },
    openapi(c) {
      openApiJson ??= JSON.stringify(buildOpenApi({ version: "1.0.0" }));
      return c.body(openApiJson, 200, { "content-type": "application/json; charset=utf-8" });
    },
    docs(c) {
      return c.html(DOCS_HTML);
    },
  };

  for (const op of OPERATIONS as readonly Operation[]) {
    const honoPath = op.path.replace(/\{([^}]+)\}/g, ":$1");
    const handler = handlers[op.id as OperationId];
    app.on(op.method.toUpperCase(), honoPath, (c) => {
      c.set("route", op.path);
      return handler(c, op);
    });
  }

  app.notFound((c) => {
    const path = c.req.path;
    const allowed = routeMatchers.filter((r) => r.re.test(path)).map((r) => r.method);
    if (allowed.length > 0) {
      if (allowed.includes("GET")) allowed.push("HEAD");
      return _problem(
        c,
        new ApiError(
          405,
          `Method not allowed: ${c.req.method.slice(0, 16)} ${path.slice(0, 100)}: use ${
            allowed.join(", ")
          }`,
          {
            headers: { Allow: allowed.join(", ") },
          },
        ),
      );
    }
    return _problem(
      c,
      new ApiError(404, `No such endpoint: ${path.slice(0, 100)}: see /docs for the list`),
    );
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return _problem(c, err);
    if (err instanceof HTTPException) {
      return _problem(c, new ApiError(err.status, err.message || "Request rejected"));
    }
    logger.error("unhandled error", {
      requestId: c.get("requestId"),
      path: c.req.path.slice(0, 200),
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    return _problem(
      c,
      new ApiError(500, `Internal error: quote request id ${c.get("requestId")} when reporting it`),
    );
  });

  function _problem(c: _Ctx, err: ApiError): Response {
    return problemResponse(err.status, err.message, {
      instance: c.req.path.slice(0, 200),
      requestId: c.get("requestId"),
      extensions: err.extensions,
      headers: err.headers,
    });
  }

  return app;
}

/** Reads a request body as text, refusing more than `limit` bytes (413). */
async function _readBody(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > limit) {
    throw new ApiError(413, `Body too large: ${declared} bytes, at most ${limit}`);
  }
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw new ApiError(
        503,
        "Cannot read the request body: the connection closed or the server is shutting down: retry",
        {
          headers: { "Retry-After": "1" },
        },
      );
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new ApiError(413, `Body too large: more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    all.set(ch, at);
    at += ch.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch {
    throw new ApiError(400, "Invalid body: not valid UTF-8");
  }
}
