/**
 * Every route of the API, declared once with `@hono/zod-openapi`'s
 * `createRoute`: method, path, the zod schemas of its path, query and body,
 * and of each response. `app.ts` registers a typed handler per route (the
 * validation is the route's own), the OpenAPI document is generated from
 * these declarations, and the tests check every answer against them, so the
 * document cannot drift from the code.
 *
 * @module
 */
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import {
  ExplainQuery,
  ExplainResponse,
  FoldInBody,
  FoldInQuery,
  FoldInResponse,
  HealthResponse,
  Movie,
  MoviePath,
  MoviesQuery,
  MoviesResponse,
  NoQuery,
  PairPath,
  PopularQuery,
  PopularResponse,
  PredictResponse,
  ProblemSchema,
  ReadyResponse,
  RecommendationsResponse,
  RecommendPath,
  RecommendQuery,
  ReloadResponse,
  SimilarQuery,
  SimilarResponse,
} from "./schemas.ts";
import { z } from "zod";

const _ERROR_TEXT: Record<number, string> = {
  400: "Invalid parameter or body",
  401: "Missing or wrong API key",
  403: "Admin endpoints disabled (no keys configured)",
  404: "Unknown movie or user",
  408: "The request body paused too long",
  413: "Body too large",
  415: "Body is not JSON",
  422: "The new model was rejected; the old one keeps serving",
  429: "Rate limited; see Retry-After",
  503: "No model loaded yet, or the server is shutting down",
};

function _errors(statuses: readonly number[]) {
  const out: Record<
    number,
    { description: string; content: Record<string, { schema: z.ZodType }> }
  > = {};
  for (const s of statuses) {
    out[s] = {
      description: _ERROR_TEXT[s] ?? "Error",
      content: { "application/problem+json": { schema: ProblemSchema } },
    };
  }
  return out;
}

function _json<S extends z.ZodType>(schema: S) {
  return { description: "Success", content: { "application/json": { schema } } } as const;
}

const _API_KEY = [{ apiKey: [] }];

/** The routes by operation id, in documentation order. */
export const ROUTES = {
  recommendForUser: createRoute({
    operationId: "recommendForUser",
    method: "get",
    path: "/recommend/{userId}",
    tags: ["recommendations"],
    summary: "Top-K movies for a user",
    description:
      "The ranking champion (else the one served model) ranks every movie it knows for the user that has at least `min_ratings` training ratings; `answeredBy` names it. An unknown user gets the popular list by weighted rating, flagged with `fallback: true`.",
    security: _API_KEY,
    request: { params: RecommendPath, query: RecommendQuery },
    responses: { 200: _json(RecommendationsResponse), ..._errors([400, 401, 429, 503]) },
  }),
  recommendFromRatings: createRoute({
    operationId: "recommendFromRatings",
    method: "post",
    path: "/recommend",
    tags: ["recommendations"],
    summary: "Top-K movies for an anonymous user from a few ratings",
    description:
      "The ranking champion scores the given ratings as it scores its training users (ease and item-knn directly, ials with one fold-in solve); a rating model folds the user into its factor space by least squares against the fixed item factors (cold start without retraining). Ratings must lie within the served model's rating scale (`ratingScale` of /health) and name each movie once. Rated movies are left out unless `exclude_rated` is false; only movies with at least `min_ratings` training ratings are ranked.",
    security: _API_KEY,
    request: {
      query: FoldInQuery,
      body: { required: true, content: { "application/json": { schema: FoldInBody } } },
    },
    responses: {
      200: _json(FoldInResponse),
      ..._errors([400, 401, 408, 413, 415, 429, 503]),
    },
  }),
  similarMovies: createRoute({
    operationId: "similarMovies",
    method: "get",
    path: "/similar/{movieId}",
    tags: ["recommendations"],
    summary: "Most similar movies",
    description:
      "From the ranking champion (else the one served model): item-knn's neighbours, ease's weights, the cosine of item factors for the factor models.",
    security: _API_KEY,
    request: { params: MoviePath, query: SimilarQuery },
    responses: { 200: _json(SimilarResponse), ..._errors([400, 401, 404, 429, 503]) },
  }),
  predictRating: createRoute({
    operationId: "predictRating",
    method: "get",
    path: "/predict/{userId}/{movieId}",
    tags: ["recommendations"],
    summary: "Predicted rating of a movie by a user",
    description:
      "From the rating champion (else the one served model), clipped to the rating scale; `scorer` says whether the model or a fallback answered.",
    security: _API_KEY,
    request: { params: PairPath, query: NoQuery },
    responses: { 200: _json(PredictResponse), ..._errors([400, 401, 404, 429, 503]) },
  }),
  explainPrediction: createRoute({
    operationId: "explainPrediction",
    method: "get",
    path: "/explain/{userId}/{movieId}",
    tags: ["recommendations"],
    summary: "Why the model ranks or rates that movie",
    description:
      "When the ranking champion is an item model (ease, item-knn, ials): the user's rated movies that contributed most to its score, with their weights. Otherwise the rating model's bias terms and the rated movies that weigh most in a refit of the user from those ratings (see `method` and `foldInInteraction`).",
    security: _API_KEY,
    request: { params: PairPath, query: ExplainQuery },
    responses: { 200: _json(ExplainResponse), ..._errors([400, 401, 404, 429, 503]) },
  }),
  getMovie: createRoute({
    operationId: "getMovie",
    method: "get",
    path: "/movies/{movieId}",
    tags: ["catalog"],
    summary: "One movie of the catalog",
    security: _API_KEY,
    request: { params: MoviePath, query: NoQuery },
    responses: { 200: _json(Movie), ..._errors([400, 401, 404, 429, 503]) },
  }),
  searchMovies: createRoute({
    operationId: "searchMovies",
    method: "get",
    path: "/movies",
    tags: ["catalog"],
    summary: "Search movies by title",
    security: _API_KEY,
    request: { query: MoviesQuery },
    responses: { 200: _json(MoviesResponse), ..._errors([400, 401, 429, 503]) },
  }),
  popularMovies: createRoute({
    operationId: "popularMovies",
    method: "get",
    path: "/popular",
    tags: ["catalog"],
    summary: "Popular movies by weighted rating",
    security: _API_KEY,
    request: { query: PopularQuery },
    responses: { 200: _json(PopularResponse), ..._errors([400, 401, 429, 503]) },
  }),
  health: createRoute({
    operationId: "health",
    method: "get",
    path: "/health",
    tags: ["operations"],
    summary: "Liveness and the served model (its name and version, never its path)",
    security: [],
    request: { query: NoQuery },
    responses: { 200: _json(HealthResponse), ..._errors([400]) },
  }),
  ready: createRoute({
    operationId: "ready",
    method: "get",
    path: "/ready",
    tags: ["operations"],
    summary:
      "Readiness: 200 with the served version once a model is loaded (also during a reload, where the old model keeps answering); 503 before it and while shutting down",
    security: [],
    request: { query: NoQuery },
    responses: { 200: _json(ReadyResponse), ..._errors([400, 503]) },
  }),
  metrics: createRoute({
    operationId: "metrics",
    method: "get",
    path: "/metrics",
    tags: ["operations"],
    summary: "Prometheus metrics (every label from a bounded set)",
    security: [],
    request: { query: NoQuery },
    responses: {
      200: {
        description: "Success (text exposition format 0.0.4)",
        content: { "text/plain": { schema: z.string() } },
      },
      ..._errors([400]),
    },
  }),
  reload: createRoute({
    operationId: "reload",
    method: "post",
    path: "/admin/reload",
    tags: ["operations"],
    summary: "Reload the model from its source",
    description:
      "Loads the model beside the served one and swaps atomically. A broken model is rejected (422) and the old one keeps serving.",
    security: _API_KEY,
    request: { query: NoQuery },
    responses: { 200: _json(ReloadResponse), ..._errors([400, 401, 403, 422, 429]) },
  }),
  openapi: createRoute({
    operationId: "openapi",
    method: "get",
    path: "/openapi.json",
    tags: ["operations"],
    summary: "This document",
    security: [],
    request: { query: NoQuery },
    responses: {
      200: _json(z.looseObject({ openapi: z.literal("3.1.0") })),
      ..._errors([400]),
    },
  }),
  docs: createRoute({
    operationId: "docs",
    method: "get",
    path: "/docs",
    tags: ["operations"],
    summary: "Interactive documentation",
    security: [],
    request: { query: NoQuery },
    responses: {
      200: { description: "Success", content: { "text/html": { schema: z.string() } } },
      ..._errors([400]),
    },
  }),
} as const satisfies Record<string, RouteConfig>;

/** The id of a route. */
export type RouteId = keyof typeof ROUTES;
