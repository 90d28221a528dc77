/**
 * The raw (unclipped) scoring path a model offers for ranking: all of its
 * items scored for one user into a caller's buffer. `predict()` clips to the
 * rating scale, so good movies tie at the top of the scale; ranking on the
 * raw scores keeps their order. Used by the `blend` model to rank on the
 * blend of its members' raw scores.
 *
 * @module
 */

/** A model that can score every item for one user without clipping. */
export interface _RawScoring {
  /** The item ids it scores, ascending; a position is the dense index the other methods use. */
  rawItemIds(): Int32Array;
  /**
   * Writes the raw (unclipped) score of `userId` for every item of
   * `rawItemIds()` into `out` (at least that long), with the same fallbacks
   * as `predict()` for an unknown user. Returns false when `recommend()`
   * answers this user with `unknown-user` (`out` is filled all the same).
   */
  rawScores(userId: number, out: Float32Array): boolean;
  /** Dense indices, ascending, of the items the user rated in training (empty when unknown). */
  seenItems(userId: number): Int32Array;
  /** Training ratings per item of `rawItemIds()`, for `minRatings`. */
  itemCounts(): Int32Array;
}

/** True when the model offers {@linkcode _RawScoring}. */
export function _hasRawScoring<T extends object>(m: T): m is T & _RawScoring {
  const r = m as Partial<_RawScoring>;
  return typeof r.rawItemIds === "function" && typeof r.rawScores === "function" &&
    typeof r.seenItems === "function" && typeof r.itemCounts === "function";
}
