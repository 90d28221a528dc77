/**
 * The table of the API's operations: method, path, summary and the zod
 * schemas of their parameters, body and responses. `app.ts` registers one
 * handler per entry and validates with these schemas; `openapi.ts` builds the
 * OpenAPI document from the same entries, so the docs cannot drift from the code.
 *
 * @module
 */
import { z } from "zod";
import {
  ExplainQuery,
  ExplainResponse,
  FoldInBody,
  FoldInQuery,
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
  RecommendationsResponse,
  RecommendPath,
  RecommendQuery,
  ReloadResponse,
  SimilarQuery,
  SimilarResponse,
} from "./schemas.ts";

/** One operation of the API. */
export interface Operation {
  readonly id: string;
  readonly method: "get" | "post";
  /** OpenAPI path template, e.g. `/recommend/{userId}`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly pathParams?: z.ZodObject;
  readonly query: z.ZodObject;
  readonly body?: z.ZodType;
  /** Success status and schema (JSON), or a media type for non-JSON bodies. */
  readonly response: { status: number; schema?: z.ZodType; mediaType?: string };
  /** Error statuses this operation can answer with. */
  readonly errors: readonly number[];
  /** `none`: open; `api`: X-API-Key when keys are configured; `admin`: a key always. */
  readonly auth: "none" | "api" | "admin";
}

/** Every operation, in documentation order. */
export const OPERATIONS = [
  {
    id: "recommendForUser",
    method: "get",
    path: "/recommend/{userId}",
    summary: "Top-K movies for a user",
    description:
      "Ranks every movie the model knows for the user that has at least `min_ratings` training ratings. An unknown user gets the popular list by weighted rating, flagged with `fallback: true`.",
    tag: "recommendations",
    pathParams: RecommendPath,
    query: RecommendQuery,
    response: { status: 200, schema: RecommendationsResponse },
    errors: [400, 401, 429],
    auth: "api",
  },
  {
    id: "recommendFromRatings",
    method: "post",
    path: "/recommend",
    summary: "Top-K movies for an anonymous user from a few ratings",
    description:
      "Folds the user into the model's factor space by least squares against the fixed item factors (cold start without retraining). Rated movies are left out unless `exclude_rated` is false; only movies with at least `min_ratings` training ratings are ranked.",
    tag: "recommendations",
    query: FoldInQuery,
    body: FoldInBody,
    response: {
      status: 200,
      schema: RecommendationsResponse.extend({ unknownMovieIds: z.array(z.number().int()) }),
    },
    errors: [400, 401, 413, 415, 429],
    auth: "api",
  },
  {
    id: "similarMovies",
    method: "get",
    path: "/similar/{movieId}",
    summary: "Most similar movies",
    description: "Cosine similarity of item factors.",
    tag: "recommendations",
    pathParams: MoviePath,
    query: SimilarQuery,
    response: { status: 200, schema: SimilarResponse },
    errors: [400, 401, 404, 429],
    auth: "api",
  },
  {
    id: "predictRating",
    method: "get",
    path: "/predict/{userId}/{movieId}",
    summary: "Predicted rating of a movie by a user",
    description:
      "Clipped to the rating scale; `scorer` says whether the model or a fallback answered.",
    tag: "recommendations",
    pathParams: PairPath,
    query: NoQuery,
    response: { status: 200, schema: PredictResponse },
    errors: [400, 401, 404, 429],
    auth: "api",
  },
  {
    id: "explainPrediction",
    method: "get",
    path: "/explain/{userId}/{movieId}",
    summary: "Why the model predicts that rating",
    description:
      "The bias terms of the prediction and the user's rated movies that contribute most to its interaction term.",
    tag: "recommendations",
    pathParams: PairPath,
    query: ExplainQuery,
    response: { status: 200, schema: ExplainResponse },
    errors: [400, 401, 404, 429],
    auth: "api",
  },
  {
    id: "getMovie",
    method: "get",
    path: "/movies/{movieId}",
    summary: "One movie of the catalog",
    tag: "catalog",
    pathParams: MoviePath,
    query: NoQuery,
    response: { status: 200, schema: Movie },
    errors: [400, 401, 404, 429],
    auth: "api",
  },
  {
    id: "searchMovies",
    method: "get",
    path: "/movies",
    summary: "Search movies by title",
    tag: "catalog",
    query: MoviesQuery,
    response: { status: 200, schema: MoviesResponse },
    errors: [400, 401, 429],
    auth: "api",
  },
  {
    id: "popularMovies",
    method: "get",
    path: "/popular",
    summary: "Popular movies by weighted rating",
    tag: "catalog",
    query: PopularQuery,
    response: { status: 200, schema: PopularResponse },
    errors: [400, 401, 429],
    auth: "api",
  },
  {
    id: "health",
    method: "get",
    path: "/health",
    summary: "Liveness and the served model",
    tag: "operations",
    query: NoQuery,
    response: { status: 200, schema: HealthResponse },
    errors: [],
    auth: "none",
  },
  {
    id: "ready",
    method: "get",
    path: "/ready",
    summary: "Readiness: 200 once a model is loaded",
    tag: "operations",
    query: NoQuery,
    response: { status: 200, schema: z.object({ ready: z.literal(true) }) },
    errors: [503],
    auth: "none",
  },
  {
    id: "metrics",
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics",
    tag: "operations",
    query: NoQuery,
    response: { status: 200, mediaType: "text/plain; version=0.0.4" },
    errors: [],
    auth: "none",
  },
  {
    id: "reload",
    method: "post",
    path: "/admin/reload",
    summary: "Reload the model from its source",
    description:
      "Loads the model beside the served one and swaps atomically. A broken model is rejected (422) and the old one keeps serving.",
    tag: "operations",
    query: NoQuery,
    response: { status: 200, schema: ReloadResponse },
    errors: [401, 403, 422, 429],
    auth: "admin",
  },
  {
    id: "openapi",
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    tag: "operations",
    query: NoQuery,
    response: { status: 200, mediaType: "application/json" },
    errors: [],
    auth: "none",
  },
  {
    id: "docs",
    method: "get",
    path: "/docs",
    summary: "Interactive documentation",
    tag: "operations",
    query: NoQuery,
    response: { status: 200, mediaType: "text/html" },
    errors: [],
    auth: "none",
  },
] as const satisfies readonly Operation[];

/** The id of an operation. */
export type OperationId = (typeof OPERATIONS)[number]["id"];
