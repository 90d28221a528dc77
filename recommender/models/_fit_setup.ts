/**
 * The data setup that every fit on the same training ratings repeats, made
 * once per ratings table and shared by the models fitted on it (the models
 * of a train-stage lane fit one after another on the fold's training ratings
 * and, for the holdout pass, on those ratings minus the same seeded holdout):
 *
 * - {@linkcode _holdoutSplit}: the seeded holdout of {@linkcode fitStandalone}
 *   (`randomSplit` + two `selectRows`), per (fraction, seed);
 * - {@linkcode _sharedEncoding}: `_encodeTrain` (vocabularies, dense indices,
 *   mean, scale, content hash), the first step of every model's fit;
 * - {@linkcode _sharedSeen}: the seen-items CSR of those dense indices (the
 *   ranking models' seen matrix, the factor models' `seenIndptr` and
 *   `seenIndices`);
 * - {@linkcode _sharedBiases}: the ranking models' bias baseline
 *   (`fitBiases` with 10 epochs, regularization 15 / 10).
 *
 * Why this is safe: each value is a pure function of the ratings table's
 * contents (and the key's numbers), computed by the same code as before, so
 * a model fitted through it is the same bits as one fitted alone (tested in
 * `_fit_setup_test.ts`). A `Ratings` table is never written once built, the
 * memo is keyed by the table's identity, and no model writes into the arrays
 * it is given here (they are read, copied into kernel memory, or stored and
 * saved as they are): treat them as read-only.
 *
 * Memory: the memo is a `WeakMap` keyed by the table, so what it keeps lives
 * only as long as the table does: in a train lane (a worker), the fold's
 * training ratings, its holdout split, and the encoding, seen CSR and biases
 * of those two tables, all dropped when the lane ends; one holdout split per
 * table (a new fraction or seed replaces it). {@linkcode _releaseFitSetup}
 * drops a table's entries earlier.
 *
 * @module
 */
import { type Ratings, selectRows } from "../core/ratings.ts";
import { buildCsr, type CsrMatrix } from "../core/csr.ts";
import { randomSplit } from "../splits/random_split.ts";
import { type _EncodedTrain, _encodeTrain } from "./_factor_model.ts";
import { fitBiases } from "./baseline_only.ts";

/** A training table split into the ratings fitted on and the seeded holdout. */
export interface _Holdout {
  readonly train: Ratings;
  readonly test: Ratings;
}

/** User and item biases of the ranking models' baseline. */
export interface _Biases {
  readonly userBias: Float32Array;
  readonly itemBias: Float32Array;
}

interface Setup {
  encoded?: _EncodedTrain;
  seen?: CsrMatrix;
  biases?: _Biases;
  holdout?: { readonly fraction: number; readonly seed: number; readonly split: _Holdout };
}

const memo = new WeakMap<Ratings, Setup>();

function setupOf(train: Ratings): Setup {
  let s = memo.get(train);
  if (!s) memo.set(train, s = {});
  return s;
}

/**
 * `train` minus a seeded holdout of `fraction` of its rows, and the holdout
 * (the validation split of `fitStandalone`); the same tables for the same
 * arguments.
 *
 * @example
 * ```ts
 * import { _holdoutSplit } from "./_fit_setup.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const r = ratingsFromColumns({ userId: [1, 1, 2, 2], movieId: [1, 2, 1, 2], rating: [5, 4, 3, 2] });
 * const a = _holdoutSplit(r, { fraction: 0.25, seed: 1 });
 * if (a.test.rating.length !== 1 || _holdoutSplit(r, { fraction: 0.25, seed: 1 }) !== a) {
 *   throw new Error();
 * }
 * ```
 */
export function _holdoutSplit(
  train: Ratings,
  options: { readonly fraction: number; readonly seed: number },
): _Holdout {
  const { fraction, seed } = options;
  const s = setupOf(train);
  if (s.holdout?.fraction === fraction && s.holdout.seed === seed) return s.holdout.split;
  const split = _makeHoldoutSplit(train, options);
  s.holdout = { fraction, seed, split };
  return split;
}

/** The split of {@linkcode _holdoutSplit}, made anew (nothing kept). */
export function _makeHoldoutSplit(
  train: Ratings,
  options: { readonly fraction: number; readonly seed: number },
): _Holdout {
  const fold = randomSplit(train, { testFraction: options.fraction, seed: options.seed }).folds[0]!;
  return { train: selectRows(train, fold.train), test: selectRows(train, fold.test) };
}

/**
 * Records `split` as {@linkcode _holdoutSplit}'s answer for `train` with
 * these options: the train pool makes the split once, over shared memory,
 * for both lanes. `split` must be what `_holdoutSplit` would make (the same
 * rows in the same order), or the models fitted on it are not the ones
 * fitted alone.
 */
export function _useHoldoutSplit(
  train: Ratings,
  options: { readonly fraction: number; readonly seed: number },
  split: _Holdout,
): void {
  setupOf(train).holdout = { fraction: options.fraction, seed: options.seed, split };
}

/** `_encodeTrain(train, model)`, made once per table (`model` names it in errors). */
export function _sharedEncoding(train: Ratings, model: string): _EncodedTrain {
  const s = setupOf(train);
  return s.encoded ??= _encodeTrain(train, model);
}

/** The seen-items CSR (users x items, every rating) of {@linkcode _sharedEncoding}. */
export function _sharedSeen(train: Ratings, model: string): CsrMatrix {
  const s = setupOf(train);
  if (s.seen) return s.seen;
  const d = _sharedEncoding(train, model);
  return s.seen = buildCsr(d.u, d.i, d.r, { nRows: d.users.size, nCols: d.items.size });
}

/** The ranking models' bias baseline: `fitBiases`, 10 epochs, regularization 15 (users) and 10. */
export function _sharedBiases(train: Ratings, model: string): _Biases {
  const s = setupOf(train);
  if (s.biases) return s.biases;
  const d = _sharedEncoding(train, model);
  return s.biases = fitBiases(
    { u: d.u, i: d.i, r: d.r, nUsers: d.users.size, nItems: d.items.size, mu: d.globalMean },
    { epochs: 10, regUser: 15, regItem: 10 },
  );
}

/** Drops what is kept for `train` and for its holdout split's tables. */
export function _releaseFitSetup(train: Ratings): void {
  const split = memo.get(train)?.holdout?.split;
  if (split) {
    memo.delete(split.train);
    memo.delete(split.test);
  }
  memo.delete(train);
}

/** The row pointers and column indices of {@linkcode _sharedSeen}, as `_FactorScorer` takes them. */
export function _sharedSeenArrays(
  train: Ratings,
  model: string,
): { seenIndptr: Int32Array; seenIndices: Int32Array } {
  const seen = _sharedSeen(train, model);
  return { seenIndptr: seen.indptr, seenIndices: seen.indices };
}
