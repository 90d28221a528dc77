/**
 * The body of `GET /similar/{movieId}` as JSON text, from the served model's
 * (cached) list and the catalog's pre-serialized movies: the Hono route and
 * the server's fast lane answer the same text.
 *
 * @module
 */
import type { LoadedModel } from "./loaded_model.ts";
import { rankedJson } from "./ranked_json.ts";

/**
 * The `/similar/{movieId}` answer of model `m` (the ranking champion when
 * one is served), or null when the model lacks the movie.
 *
 * @example
 * ```ts ignore
 * const json = similarJson(holder.current!.ranker, 1, 10);
 * ```
 */
export function similarJson(m: LoadedModel, movieId: number, k: number): string | null {
  const l = m.similarList(movieId, k);
  if (l === null) return null;
  return rankedJson(m.catalog, `{"movieId":${movieId},${m.answeredByJson},`, l);
}
