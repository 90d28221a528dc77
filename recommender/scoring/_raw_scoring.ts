/**
 * The raw (unclipped) scoring path a model offers for ranking: all of its
 * items scored for one user into a caller's buffer. `predict()` clips to the
 * rating scale, so good movies tie at the top of the scale; ranking on the
 * raw scores keeps their order. Used by the `blend` model to rank on the
 * blend of its members' raw scores.
 *
 * @module
 */
import type { FactorView } from "../core/factor_view.ts";

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
  /**
   * Optional: when the model scores every user it knows the same (a
   * popularity list), up to a per-user shift (a baseline's user bias), those
   * scores, which `rawScores` writes for each user `knows` (and returns true
   * for). The evaluation then sorts the items once
   * and ranks each user by walking that order past its seen items, instead
   * of scoring and selecting over every item per user. Null: no such scores.
   */
  sharedRawScores?(): _SharedRawScores | null;
  /**
   * Optional: when `rawScores` writes, for the users {@linkcode _RawFactors.scoresUser}
   * accepts, what `ItemScorer.of(view).scores` gives for the user's row of
   * the view (with the base of the factor models' scorer), that view: the
   * evaluation then scores those users sixteen at a time
   * (`kernels/_batch_scorer.ts`). Null: no such view.
   */
  rawFactors?(): _RawFactors | null;
  /**
   * Optional: a scorer of many users per pass whose scores are, for the
   * users it serves, the bits `rawScores` writes (ease's column-blocked
   * kernel). The evaluation then scores those users
   * {@linkcode _BatchScores.maxUsers} at a time. Not asked when
   * {@linkcode rawFactors} answers. Null: no such scorer.
   */
  rawBatch?(): _RawBatch | null;
}

/** A model's batch scorer ({@linkcode _RawScoring.rawBatch}). */
export interface _RawBatch {
  /** The scorer; its positions are `rawItemIds()`. */
  readonly scorer: _BatchScores;
  /**
   * The scorer's row of `userId` when `rawScores(userId)` writes the
   * scorer's scores of that row (and returns true); -1 otherwise.
   */
  rowOf(userId: number): number;
}

/**
 * Raw scores of up to {@linkcode maxUsers} users per pass, kept in
 * WebAssembly memory, with a kernel that finds the positions reaching a bar
 * (the evaluation's top-k selection touches only those). Implemented by the
 * factor models' `kernels/_batch_scorer.ts` and ease's `kernels/_wasm_ease.ts`.
 */
export interface _BatchScores {
  /** Number of positions scored. */
  readonly size: number;
  /** Users per {@linkcode score} call, at most. */
  readonly maxUsers: number;
  /** Scores the scorer's rows `rows` (1 to {@linkcode maxUsers} of them). */
  score(rows: readonly number[]): void;
  /** The scores of the `b`-th row of the last {@linkcode score} call ({@linkcode size} long; the next call overwrites it). */
  userScores(b: number): Float32Array;
  /**
   * The positions `i >= from` (ascending) where user `b`'s score is at
   * least `bar` (a float32 value or -Infinity; NaN never): written to
   * {@linkcode hits}`[1 .. count]`, the count returned, stopping after a few;
   * `hits[0]` is then the position to go on from ({@linkcode size} or more
   * when done). `from` is 0 or a previous `hits[0]`.
   */
  above(b: number, from: number, bar: number): number;
  /** The positions {@linkcode above} found (from index 1) and where to go on (index 0). */
  readonly hits: Int32Array;
}

/** The factors behind a model's raw scores ({@linkcode _RawScoring.rawFactors}). */
export interface _RawFactors {
  /** The factors; `view.itemIds` are `rawItemIds()`. */
  readonly view: FactorView;
  /** True when `rawScores(userId)` writes the view's scores of the user's row (and returns true). */
  scoresUser(userId: number): boolean;
}

/** Scores a model gives every user it knows ({@linkcode _RawScoring.sharedRawScores}). */
export interface _SharedRawScores {
  /** One score per position of `rawItemIds()`. */
  readonly scores: Float32Array;
  /**
   * True when `rawScores(userId)` writes {@linkcode scores} (each shifted by
   * {@linkcode userOffset}) and returns true.
   */
  knows(userId: number): boolean;
  /**
   * A known user's shift: `rawScores` writes `Math.fround(userOffset(u) +
   * scores[i])` (a baseline's `mu + b_u`). Absent: no shift.
   */
  userOffset?(userId: number): number;
}

/** True when the model offers {@linkcode _RawScoring}. */
export function _hasRawScoring<T extends object>(m: T): m is T & _RawScoring {
  const r = m as Partial<_RawScoring>;
  return typeof r.rawItemIds === "function" && typeof r.rawScores === "function" &&
    typeof r.seenItems === "function" && typeof r.itemCounts === "function";
}
