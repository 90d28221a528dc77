/**
 * The Hono app of the movie recommender API (no `serve()` call here: see
 * `main.ts`). Routes are declared once in `routes.ts` with
 * `@hono/zod-openapi`; this file registers one typed handler per route, and
 * the route's zod schemas validate its path, query and body. Every request
 * gets a request id (`hono/request-id`), a JSON log line and metrics (labels
 * from bounded sets only); every error is `application/problem+json` without
 * a stack trace. Auth (X-API-Key), per-client rate limiting and CORS are
 * optional. Bodies are limited with `hono/body-limit`.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { _hashKey, _matchesAny } from "./_api_keys.ts";
import type { z } from "zod";
import { ApiError, problemResponse } from "./problem.ts";
import { ApiMetrics } from "./metrics.ts";
import { JsonLogger } from "./json_logger.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { ROUTES } from "./routes.ts";
import { ProblemSchema } from "./schemas.ts";
import { docsPage } from "./docs_page.ts";
import { redactPaths } from "./redact_paths.ts";
import { RequestBodyError } from "./request_body_error.ts";
import type { ModelHolder, ReloadResult } from "./model_holder.ts";
import { recommendJson } from "./recommend_json.ts";
import { similarJson } from "./similar_json.ts";
import { foldInJson } from "./fold_in_json.ts";
import type { LoadedModel } from "./loaded_model.ts";
import type { ScoredMovie } from "../recommender/core/model.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/evaluation/min_ratings.ts";

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
  /**
   * What `POST /admin/reload` runs; default `holder.reload()`. A server of
   * several workers reloads every worker with it.
   */
  readonly reload?: () => Promise<ReloadResult>;
}

type _Vars = { requestId: string; route: string };
type _Env = { Variables: _Vars; Bindings: { remoteAddr?: { hostname?: string } } | undefined };
type _Ctx = Context<_Env>;

const _OPEN_PATHS = new Set(["/health", "/ready", "/metrics", "/docs", "/openapi.json"]);
const _WHERE: Record<string, string> = { param: "path", query: "query", json: "body" };

function _pathRegex(template: string): RegExp {
  return new RegExp(
    "^" + template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+") + "$",
  );
}

/** The 400 of a failed zod validation of `target` (param, query or json). */
function _invalid(error: z.ZodError, target: string): ApiError {
  const where = _WHERE[target] ?? target;
  const errors = error.issues.map((i) => ({
    where,
    name: i.path.map(String).join(".") || null,
    message: i.code === "unrecognized_keys"
      ? `unknown ${where === "query" ? "parameter" : "field"}: ${
        (i as { keys: string[] }).keys.map((k) => k.slice(0, 40)).join(", ").slice(0, 200)
      }`
      : i.message,
  }));
  const first = errors[0]!;
  return new ApiError(
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
  const out: {
    movieId: number;
    title: string | null;
    year: number | null;
    genres: string[];
    score: number;
  }[] = new Array(items.length);
  for (let j = 0; j < items.length; j++) {
    const s = items[j]!;
    const movie = m.catalog.get(s.movieId);
    out[j] = {
      movieId: s.movieId,
      title: movie?.title ?? null,
      year: movie?.year ?? null,
      genres: [...(movie?.genres ?? [])],
      score: Math.round(s.score * 1e6) / 1e6,
    };
  }
  return out;
}

/** The explanation method, as the response's `method` says it. */
export const EXPLAIN_METHOD =
  "The user is refitted from their training ratings by ridge least squares against the model's fixed item factors (the fold-in of POST /recommend); that refit is linear in the ratings, so its interaction term for this movie, foldInInteraction, splits exactly into one share per rated movie (Hu, Koren & Volinsky 2008, section 5), and the contributions are the largest shares. The prediction itself uses the trained factors (terms.interaction), which SGD or ALS reached with their own regularization and early stopping: the refit does not reproduce them, and foldInInteraction can differ from terms.interaction by far more than its size. Read the contributions as which rated movies pull a refitted profile towards or away from this movie, not as a decomposition of prediction.";

/** The item explanation's method, as the response's `method` says it. */
export const ITEM_EXPLAIN_METHOD =
  "The ranking champion is an item model: its score of this movie for the user is a sum over the movies the user rated (positives), each adding its weight (item-knn: the cosine similarity with shrinkage of the two movies, when it is a kept neighbour; ease: the EASE weight B_ij; ials: the user's folded-in factor solve split per rated movie). The contributions are the largest weights by absolute value; negative weights pull the score down. The score ranks movies; it is not a rating.";

/** Builds the app. */
export function createApp(options: AppOptions): OpenAPIHono<_Env> {
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
  let openApi: OpenApiDocument | null = null;
  const routeMatchers = Object.values(ROUTES).map((r) => ({
    re: _pathRegex(r.path),
    method: r.method.toUpperCase(),
    path: r.path,
  }));

  const app = new OpenAPIHono<_Env>({
    defaultHook: (result) => {
      if (!result.success) throw _invalid(result.error, result.target);
    },
  });
  app.openAPIRegistry.register("Problem", ProblemSchema);

  // Request id (a valid incoming X-Request-Id is kept), then timing, log line and metrics.
  app.use("*", requestId({ limitLength: 64, headerName: "X-Request-Id" }));
  app.use("*", async (c, next) => {
    const t0 = performance.now();
    // The route label: a declared route pattern the path matches (whatever the method), else one label.
    const path = c.req.path;
    c.set("route", routeMatchers.find((m) => m.re.test(path))?.path ?? "unmatched");
    await next();
    const id = c.get("requestId");
    c.res.headers.set("x-request-id", id);
    const seconds = (performance.now() - t0) / 1000;
    const route = c.get("route");
    metrics.observeRequest(c.req.method, route, c.res.status, seconds);
    logger.info("request", {
      requestId: id,
      method: c.req.method.slice(0, 32),
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
    const canonical = path.length > 1 ? path.replace(/\/+$/, "") : path;
    if (_OPEN_PATHS.has(canonical) || c.req.method === "OPTIONS") return next();
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
          { headers: { "WWW-Authenticate": 'ApiKey header="X-API-Key"' } },
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
          { headers: { "WWW-Authenticate": 'ApiKey header="X-API-Key"' } },
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

  /** POST bodies: JSON only (415), at most `maxBody` bytes (413), valid UTF-8 and JSON (400). */
  const jsonBody: MiddlewareHandler<_Env>[] = [
    async (c, next) => {
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/(.+\+)?json\b/i.test(type)) {
        throw new ApiError(
          415,
          `Unsupported content type: send the ratings as application/json, got "${
            type.slice(0, 80)
          }"`,
        );
      }
      await next();
    },
    bodyLimit({
      maxSize: maxBody,
      onError: (c) => {
        const declared = c.req.header("content-length");
        throw new ApiError(
          413,
          declared && !c.req.header("transfer-encoding")
            ? `Body too large: ${declared.slice(0, 20)} bytes, at most ${maxBody}`
            : `Body too large: more than ${maxBody} bytes`,
        );
      },
    }),
    async (c, next) => {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        throw new ApiError(400, "Invalid body: not valid UTF-8");
      }
      try {
        JSON.parse(text);
      } catch (err) {
        throw new ApiError(400, `Invalid body: not JSON: ${(err as Error).message.slice(0, 200)}`);
      }
      // Hono caches bodies as promises; the route's JSON validator parses this text once more.
      (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
      await next();
    },
  ];

  const r = ROUTES;

  app.openapi(r.recommendForUser, (c) => {
    const p = c.req.valid("param");
    const q = c.req.valid("query");
    const m = _model(holder).ranker;
    const genre = _genre(m, q.genre);
    const a = recommendJson(m, p.userId, q.k, {
      excludeSeen: q.exclude_seen,
      genre,
      minRatings: q.min_ratings ?? minRatingsDefault(m),
    });
    metrics.observeAnswer("recommend", a.fallback);
    return c.body(a.json, 200, { "content-type": "application/json" }) as never;
  });

  app.openapi({ ...r.recommendFromRatings, middleware: jsonBody }, (c) => {
    const q = c.req.valid("query");
    const body = c.req.valid("json");
    const m = _model(holder).ranker;
    _checkRatings(m, body.ratings);
    const genre = _genre(m, body.genre);
    const a = foldInJson(
      m,
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
    metrics.observeAnswer("recommend-fold-in", a.fallback);
    return c.body(a.json, 200, { "content-type": "application/json" }) as never;
  });

  app.openapi(r.similarMovies, (c) => {
    const p = c.req.valid("param");
    const q = c.req.valid("query");
    const m = _model(holder).ranker;
    const text = similarJson(m, p.movieId, q.k);
    if (text === null) {
      throw new ApiError(
        404,
        m.catalog.get(p.movieId)
          ? `Movie has no factors: movie ${p.movieId} had no ratings in the training data`
          : `Unknown movie: ${p.movieId} is not in the catalog`,
      );
    }
    return c.body(text, 200, { "content-type": "application/json" }) as never;
  });

  app.openapi(r.predictRating, (c) => {
    const p = c.req.valid("param");
    const m = _model(holder);
    if (!m.knowsMovie(p.movieId)) {
      throw new ApiError(404, `Unknown movie: ${p.movieId} is not in the catalog`);
    }
    const pr = m.predict(p.userId, p.movieId);
    metrics.observeAnswer("predict", pr.scorer !== "model");
    const [lo, hi] = m.manifest.ratingScale;
    return c.json({
      userId: p.userId,
      movieId: p.movieId,
      rating: Math.round(pr.rating * 1e6) / 1e6,
      scorer: pr.scorer,
      model: m.info.name,
      answeredBy: m.answeredBy,
      ratingScale: [lo, hi] as [number, number],
    }, 200);
  });

  app.openapi(r.explainPrediction, (c) => {
    const p = c.req.valid("param");
    const q = c.req.valid("query");
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
    const ranker = m.ranker;
    if (ranker.explainsItems) {
      // The ranking champion is an item model: the rated movies behind its score, with weights.
      const x = ranker.explainItems(p.userId, p.movieId, q.k);
      if (x === null) {
        throw new ApiError(
          404,
          `Movie is not ranked: ${ranker.info.name} has no score for movie ${p.movieId} (it had no ratings in the training data)`,
        );
      }
      return c.json({
        userId: p.userId,
        movieId: p.movieId,
        model: ranker.info.name,
        answeredBy: ranker.answeredBy,
        score: Math.round(x.score * 1e6) / 1e6,
        contributions: x.contributions.map((w) => {
          const movie = ranker.catalog.get(w.movieId);
          return {
            movieId: w.movieId,
            title: movie?.title ?? null,
            year: movie?.year ?? null,
            genres: [...(movie?.genres ?? [])],
            rating: w.rating,
            weight: Math.round(w.weight * 1e6) / 1e6,
          };
        }),
        method: ITEM_EXPLAIN_METHOD,
      }, 200);
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
        genres: [...(movie?.genres ?? [])],
        rating: x.rating,
        contribution: Math.round(x.contribution * 1e6) / 1e6,
      };
    });
    return c.json({
      userId: e.userId,
      movieId: e.movieId,
      model: m.info.name,
      answeredBy: m.answeredBy,
      prediction: e.prediction,
      scorer: e.scorer,
      terms: e.terms,
      foldInInteraction: e.foldInInteraction,
      contributions,
      method: EXPLAIN_METHOD,
    }, 200);
  });

  app.openapi(r.getMovie, (c) => {
    const p = c.req.valid("param");
    const movie = _model(holder).catalog.get(p.movieId);
    if (!movie) throw new ApiError(404, `Unknown movie: ${p.movieId} is not in the catalog`);
    return c.json({ ...movie, genres: [...movie.genres] }, 200);
  });

  app.openapi(r.searchMovies, (c) => {
    const q = c.req.valid("query");
    const found = _model(holder).catalog.search(q.search ?? "", q.limit);
    return c.json({
      items: found.items.map((x) => ({ ...x, genres: [...x.genres] })),
      total: found.total,
    }, 200);
  });

  app.openapi(r.popularMovies, (c) => {
    const q = c.req.valid("query");
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
        genres: [...(movie?.genres ?? [])],
        score: Math.round(pop.scores[p]! * 1e6) / 1e6,
        count: pop.votes[p]!,
        mean: Math.round(pop.means[p]! * 1e6) / 1e6,
      };
    });
    return c.json({ genre, items }, 200);
  });

  app.openapi(r.health, (c) => {
    const m = holder.current;
    const scale = m?.manifest.ratingScale;
    return c.json({
      status: m ? "ok" as const : "loading" as const,
      model: m?.info.name ?? null,
      version: m?.info.version ?? null,
      source: m?.info.source ?? null,
      ratingScale: scale ? [scale[0], scale[1]] as [number, number] : null,
      dataHash: m?.manifest.trainDataHash ?? null,
      trainedAt: m?.manifest.trainedAt ?? null,
      loadedAt: m?.info.loadedAt ?? null,
      champions: {
        rating: m ? m.answeredBy : null,
        ranking: m && m.ranker !== m ? m.ranker.answeredBy : null,
      },
      uptimeSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
    }, 200);
  });

  app.openapi(r.ready, (c) => {
    if (holder.draining) {
      throw new ApiError(
        503,
        "Shutting down: finishing the requests in flight; send new requests to another replica",
        { headers: { "Retry-After": "1" } },
      );
    }
    const m = _model(holder);
    return c.json({
      ready: true as const,
      model: m.info.name,
      version: m.info.version,
      reloading: holder.loading,
    }, 200);
  });

  app.openapi(r.metrics, (c) => {
    return c.text(metrics.render(), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });

  app.openapi(r.reload, async (c) => {
    const res = await (options.reload ?? (() => holder.reload()))();
    metrics.observeReload(res.ok ? "ok" : "failed");
    if (!res.ok) {
      logger.error("reload rejected", { requestId: c.get("requestId"), error: res.error });
      const current = holder.current;
      throw new ApiError(
        422,
        `Reload rejected: ${redactPaths(res.error)}; still serving ${
          current ? `${current.info.name} ${current.info.version}` : "no model"
        }`,
      );
    }
    logger.info("model reloaded", {
      model: res.model.info.name,
      version: res.model.info.version,
      ms: res.ms,
    });
    return c.json({
      reloaded: true,
      model: res.model.info.name,
      version: res.model.info.version,
      ranking: res.model.ranker !== res.model ? res.model.ranker.answeredBy : null,
      ms: Math.round(res.ms),
    }, 200);
  });

  app.openapi(r.openapi, (c) => {
    openApi ??= openApiDocument(app);
    return c.json(openApi, 200);
  });

  app.openapi(r.docs, (c) => {
    return c.html(docsPage({ title: "Movie recommender API", specUrl: "/openapi.json" }));
  });

  app.notFound((c) => {
    const path = c.req.path;
    const allowed = routeMatchers.filter((m) => m.re.test(path)).map((m) => m.method);
    if (allowed.length > 0) {
      if (allowed.includes("GET")) allowed.push("HEAD");
      return _problem(
        c,
        new ApiError(
          405,
          `Method not allowed: ${c.req.method.slice(0, 16)} ${path.slice(0, 100)}: use ${
            allowed.join(", ")
          }`,
          { headers: { Allow: allowed.join(", ") } },
        ),
      );
    }
    // A trailing slash: GET and HEAD are redirected to the route, anything else is a 404 that names it.
    const canonical = path.length > 1 ? path.replace(/\/+$/, "") : path;
    if (canonical !== path && canonical !== "" && routeMatchers.some((m) => m.re.test(canonical))) {
      const method = c.req.method;
      if (method === "GET" || method === "HEAD") {
        const search = new URL(c.req.url).search;
        return new Response(null, { status: 308, headers: { Location: canonical + search } });
      }
      return _problem(
        c,
        new ApiError(
          404,
          `No such endpoint: ${path.slice(0, 100)}: did you mean ${
            canonical.slice(0, 100)
          }, without the trailing slash?`,
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
    if (err instanceof RequestBodyError) {
      return _problem(
        c,
        new ApiError(err.status, err.message, {
          ...(err.status === 503 ? { headers: { "Retry-After": "1" } } : {}),
        }),
      );
    }
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

/** The OpenAPI 3.1 document of an app made by {@linkcode createApp}, generated from its routes. */
export function openApiDocument(app: OpenAPIHono<_Env>): OpenApiDocument {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Movie recommender API",
      version: "1.0.0",
      description:
        "Recommendations, similar movies, rating predictions and explanations from a matrix-factorization model trained on MovieLens. Errors are application/problem+json (RFC 9457).",
    },
    tags: [{ name: "recommendations" }, { name: "catalog" }, { name: "operations" }],
  });
  return { ...doc, openapi: "3.1.0" };
}

/** The generated OpenAPI document. */
export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]> & {
  openapi: "3.1.0";
};

/** Rejects ratings outside the served model's scale and movies given twice (400). */
function _checkRatings(
  m: LoadedModel,
  ratings: readonly { readonly movieId: number; readonly rating: number }[],
): void {
  const [lo, hi] = m.manifest.ratingScale;
  const seen = new Map<number, number>();
  for (let i = 0; i < ratings.length; i++) {
    const { movieId, rating } = ratings[i]!;
    if (!(rating >= lo && rating <= hi)) {
      const name = `ratings.${i}.rating`;
      const message = `${
        String(rating).slice(0, 24)
      } is outside the served model's rating scale: send a number from ${lo} to ${hi}`;
      throw new ApiError(400, `Invalid body "${name}": ${message}`, {
        extensions: { errors: [{ where: "body", name, message }], ratingScale: [lo, hi] },
      });
    }
    const before = seen.get(movieId);
    if (before !== undefined) {
      const name = `ratings.${i}.movieId`;
      const message =
        `movie ${movieId} is rated twice (ratings.${before} and ratings.${i}): send each movie once`;
      throw new ApiError(400, `Invalid body "${name}": ${message}`, {
        extensions: { errors: [{ where: "body", name, message }] },
      });
    }
    seen.set(movieId, i);
  }
}
