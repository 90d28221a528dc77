/**
 * The body of `POST /recommend` (a new user given by ratings) as JSON text:
 * the served model's answer joined with the catalog's pre-serialized movies.
 * The Hono route and the server's fast lane both answer with it.
 *
 * @module
 */
import type { LoadedModel } from "./loaded_model.ts";
import type { UserRatings } from "../recommender/scoring/fold_in.ts";
import { rankedJson } from "./ranked_json.ts";

/** The body and whether the popularity fallback answered (for the metrics). */
export interface FoldInJson {
  readonly json: string;
  readonly fallback: boolean;
}

/**
 * The `POST /recommend` answer of model `m` (the ranking champion when one
 * is served) for validated ratings (in the model's scale, each movie once).
 *
 * @example
 * ```ts ignore
 * const { json } = foldInJson(holder.current!.ranker, { movieIds: [1, 2], ratings: [5, 4] }, 10, {
 *   genre: null, excludeRated: true, minRatings: 0,
 * });
 * ```
 */
export function foldInJson(
  m: LoadedModel,
  ratings: UserRatings,
  k: number,
  options: { genre: string | null; excludeRated: boolean; minRatings: number },
): FoldInJson {
  const a = m.recommendFromRatings(ratings, k, options);
  const n = a.items.length;
  const movieIds = new Int32Array(n), scores = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    movieIds[j] = a.items[j]!.movieId;
    scores[j] = a.items[j]!.score;
  }
  const head =
    `{"userId":null,${m.answeredByJson},"scorer":"${a.scorer}","fallback":${a.fallback},` +
    `"unknownMovieIds":${JSON.stringify(a.unknownMovieIds)},`;
  return {
    json: rankedJson(m.catalog, head, { movieIds, scores, count: n }),
    fallback: a.fallback,
  };
}
