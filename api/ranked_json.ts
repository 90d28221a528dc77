/**
 * The JSON text of a ranked answer, joined from the catalog's pre-serialized
 * movie fragments ({@linkcode Catalog.fragment}) instead of building and
 * stringifying objects per request: the hot answers (`/recommend`, `/similar`)
 * cost one string join.
 *
 * @module
 */
import type { Catalog } from "./catalog.ts";

/** A ranked list as columns: the first `count` movie ids and scores. */
export interface RankedColumns {
  readonly movieIds: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
  readonly count: number;
}

/** A score as the API writes it: rounded to 6 decimals; not finite: null (as `JSON.stringify`). */
function _score(s: number): string {
  const r = Math.round(s * 1e6) / 1e6;
  return Number.isFinite(r) ? String(r) : "null";
}

/**
 * `head` (the answer's other fields as JSON text: an object opened, fields
 * separated by commas, ending with a comma) followed by
 * `"items":[{movie..., "score": s}, ...]}`.
 *
 * @example
 * ```ts
 * import { Catalog } from "./catalog.ts";
 * import { rankedJson } from "./ranked_json.ts";
 * const c = Catalog.fromColumns({ movieId: [1, 2], title: ["A", "B"], year: [2001, null], genres: [[], ["Drama"]] });
 * const text = rankedJson(c, '{"userId":7,', { movieIds: [2, 1], scores: [4.1234567, 3], count: 2 });
 * const body = JSON.parse(text);
 * if (body.items[0].score !== 4.123457 || body.items[1].title !== "A") throw new Error(text);
 * ```
 */
export function rankedJson(catalog: Catalog, head: string, list: RankedColumns): string {
  let out = head + '"items":[';
  for (let j = 0; j < list.count; j++) {
    if (j > 0) out += ",";
    out += catalog.fragment(list.movieIds[j]!) + ',"score":' + _score(list.scores[j]!) + "}";
  }
  return out + "]}";
}
