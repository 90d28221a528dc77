/**
 * The body of `GET /recommend/{userId}` as JSON text, from the served
 * model's (cached) ranked list and the catalog's pre-serialized movies: what
 * the Hono route and the server's fast lane both answer, so they cannot differ.
 *
 * @module
 */
import type { LoadedModel } from "./loaded_model.ts";
import { rankedJson } from "./ranked_json.ts";

/** The body and whether the popularity fallback answered (for the metrics). */
export interface RecommendJson {
  readonly json: string;
  readonly fallback: boolean;
}

/**
 * The `/recommend/{userId}` answer of model `m` (the ranking champion when
 * one is served) for `k` movies; the options are the route's validated query.
 *
 * @example
 * ```ts ignore
 * const { json } = recommendJson(holder.current!.ranker, 1, 10, { excludeSeen: true, genre: null, minRatings: 50 });
 * ```
 */
export function recommendJson(
  m: LoadedModel,
  userId: number,
  k: number,
  options: { excludeSeen: boolean; genre: string | null; minRatings: number },
): RecommendJson {
  const l = m.recommendList(userId, k, options);
  const head =
    `{"userId":${userId},${m.answeredByJson},"scorer":"${l.scorer}","fallback":${l.fallback},`;
  return { json: rankedJson(m.catalog, head, l), fallback: l.fallback };
}
