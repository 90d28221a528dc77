/**
 * The common half of the ranking models (`ease`, `ials`, `item-knn`, `bpr`,
 * `popular-count`): the training ratings as a seen-items CSR (every rating,
 * for `excludeSeen` and `minRatings`) and a positives CSR (ratings at or
 * above `positiveThreshold`, one entry per movie, what the models learn
 * from), the bias baseline that answers `predict()`, ranking through
 * {@linkcode rankScores}, fold-in of given ratings, and save / restore of
 * the shared arrays. A subclass fits its own state and scores one user row.
 *
 * @module
 */
import { z } from "zod";
import type {
  EpochRecord,
  FitOptions,
  ModelArtifact,
  Prediction,
  Recommendations,
  RecommendOptions,
  ScoredMovie,
  Scorer,
} from "../core/model.ts";
import type {
  RankingRecommender,
  RankingScore,
  RatingsRecommendations,
  RecommendForRatingsOptions,
  UserRatings,
} from "../core/ranking_recommender.ts";
import type { Ratings } from "../core/ratings.ts";
import type { CsrMatrix } from "../core/csr.ts";
import type { FactorView } from "../core/factor_view.ts";
import type { _BatchScores, _RawBatch, _RawFactors } from "../scoring/_raw_scoring.ts";
import { Vocabulary } from "../core/vocabulary.ts";
import { TopK } from "../scoring/top_k.ts";
import { rankScores } from "../scoring/rank_scores.ts";
import { _sharedBiases, _sharedEncoding, _sharedSeen } from "./_fit_setup.ts";
import {
  _ArtifactReader,
  _checkIndices,
  _packArtifact,
  type _StoredArray,
} from "../core/_artifact.ts";

/** The zod field every ranking model's config has. */
export const _positiveThresholdField = z.number().min(0).max(10).default(0).meta({
  description: "Training ratings at or above this count as positives (0: every rating)",
  tune: { values: [0, 3, 3.5, 4] },
});

/** A named typed array of a model file. */
export type _NamedArray = { name: string; array: _StoredArray; shape?: number[] };

/** What a subclass fits from. */
export interface _RankingData {
  readonly nUsers: number;
  readonly nItems: number;
  /** Positives, users x items (dense indices, ascending per row); values are the ratings. */
  readonly pos: CsrMatrix;
  /** Training ratings (all, positive or not) per item. */
  readonly counts: Int32Array;
}

/** Positives of one row: dense item indices (ascending) and their ratings. */
export interface _RowPositives {
  readonly items: Int32Array;
  readonly ratings: Float32Array;
}

/** Base class; see the module doc. */
export abstract class _RankingModel<C extends { positiveThreshold: number }>
  implements RankingRecommender {
  abstract readonly name: string;
  readonly task = "ranking" as const;
  readonly config: C;
  history: EpochRecord[] = [];
  protected _extra: Record<string, unknown> = {};
  #users: Vocabulary | null = null;
  #items: Vocabulary | null = null;
  #seen: CsrMatrix | null = null;
  #pos: CsrMatrix | null = null;
  #counts: Int32Array = new Int32Array(0);
  #userBias: Float32Array = new Float32Array(0);
  #itemBias: Float32Array = new Float32Array(0);
  #globalMean = 0;
  #scale: readonly [number, number] = [0.5, 5];
  #hash: string | undefined;
  readonly #top = new TopK();
  #buf: Float32Array | null = null;

  constructor(config: C) {
    this.config = config;
  }

  /** Fits the model's own state (called by `fit` after the shared arrays are built). */
  protected abstract _fitModel(data: _RankingData, options: FitOptions): void;
  /** Writes the score of training user row `u` (who has positives) for every item into `out`. */
  protected abstract _scoreUser(u: number, out: Float32Array): void;
  /** Writes the scores of a user given by positives (dense items, ascending) into `out`. */
  protected abstract _scorePositives(row: _RowPositives, out: Float32Array): void;
  /** The model's own arrays for the file. */
  protected abstract _modelArrays(): _NamedArray[];
  /** Restores the model's own state from a validated file (shared state is already set). */
  protected abstract _restoreModel(r: _ArtifactReader, data: _RankingData): void;

  /** Extra facts recorded by fit (solver, fit seconds, ...), saved in the manifest. */
  get extra(): Readonly<Record<string, unknown>> {
    return this._extra;
  }

  fit(train: Ratings, options: FitOptions = {}): void {
    const t0 = performance.now();
    // made once per training table for all the models fitted on it (see _fit_setup.ts)
    const d = _sharedEncoding(train, this.name);
    const seen = _sharedSeen(train, this.name);
    const { userBias, itemBias } = _sharedBiases(train, this.name);
    this.#users = d.users;
    this.#items = d.items;
    this.#seen = seen;
    this.#userBias = userBias;
    this.#itemBias = itemBias;
    this.#globalMean = d.globalMean;
    this.#scale = d.ratingScale;
    this.#hash = d.hash;
    this.#index();
    this.history = [];
    this._extra = {};
    this._fitModel(this._data, options);
    this._extra = { ...this._extra, fitSeconds: (performance.now() - t0) / 1000 };
  }

  /** Builds the positives CSR and the item counts from the seen CSR (fit and load). */
  #index(): void {
    const seen = this.#seen!;
    const t = this.config.positiveThreshold;
    const nU = seen.nRows;
    const indptr = new Int32Array(nU + 1);
    // Typed buffers as large as the seen CSR, trimmed at the end (no per-entry array growth).
    const idx = new Int32Array(seen.indices.length);
    const val = new Float32Array(seen.indices.length);
    let n = 0;
    for (let u = 0; u < nU; u++) {
      for (let p = seen.indptr[u]!; p < seen.indptr[u + 1]!; p++) {
        const i = seen.indices[p]!, r = seen.values[p]!;
        // duplicates of a (user, movie) pair are adjacent: keep one, with the highest rating
        if (n > indptr[u]! && idx[n - 1] === i) {
          if (r > val[n - 1]!) val[n - 1] = r;
          continue;
        }
        if (r >= t) {
          idx[n] = i;
          val[n++] = r;
        }
      }
      indptr[u + 1] = n;
    }
    this.#pos = {
      nRows: nU,
      nCols: seen.nCols,
      indptr,
      indices: idx.slice(0, n),
      values: val.slice(0, n),
    };
    this.#counts = new Int32Array(seen.nCols);
    for (let x = 0; x < seen.indices.length; x++) this.#counts[seen.indices[x]!]!++;
  }

  /** The fitted shared state, or a clear error. */
  protected get _data(): _RankingData {
    if (!this.#pos || !this.#items) {
      throw new Error(`Model "${this.name}" is not fitted: call fit() or load() first`);
    }
    return {
      nUsers: this.#users!.size,
      nItems: this.#items.size,
      pos: this.#pos,
      counts: this.#counts,
    };
  }

  /** The item vocabulary (after fit or load). */
  protected get _items(): Vocabulary {
    this._data;
    return this.#items!;
  }

  /** The user vocabulary (after fit or load). */
  protected get _users(): Vocabulary {
    this._data;
    return this.#users!;
  }

  /** Positives of training user row `u`. */
  protected _userPositives(u: number): _RowPositives {
    const pos = this.#pos!;
    const a = pos.indptr[u]!, b = pos.indptr[u + 1]!;
    return { items: pos.indices.subarray(a, b), ratings: pos.values.subarray(a, b) };
  }

  /** The fitted score buffer (one per model, reused). */
  #buffer(): Float32Array {
    const n = this._data.nItems;
    if (!this.#buf || this.#buf.length !== n) this.#buf = new Float32Array(n);
    return this.#buf;
  }

  /** The scores of a user without positives: most-rated first (training rating counts). */
  protected _fallbackScores(out: Float32Array): void {
    const c = this.#counts;
    for (let i = 0; i < c.length; i++) out[i] = c[i]!;
  }

  /** The scorer of the answers to users without positives (`popular-count`: the model). */
  protected get _emptyScorer(): Scorer {
    return "popularity";
  }

  /**
   * The bias baseline `mu + b_u + b_i`, clipped to the rating scale: these
   * models rank, they do not predict ratings (see {@linkcode score}).
   */
  predict(userId: number, movieId: number): Prediction {
    this._data;
    const u = this.#users!.indexOf(userId), i = this.#items!.indexOf(movieId);
    const [lo, hi] = this.#scale;
    if (u < 0 && i < 0) {
      const r = this.#globalMean;
      return { userId, movieId, rating: r < lo ? lo : r > hi ? hi : r, scorer: "global-mean" };
    }
    const r = this.#globalMean + (u >= 0 ? this.#userBias[u]! : 0) +
      (i >= 0 ? this.#itemBias[i]! : 0);
    return { userId, movieId, rating: r < lo ? lo : r > hi ? hi : r, scorer: "baseline" };
  }

  /** The model's ranking score of a pair (not a rating); null for an unknown user or movie. */
  score(userId: number, movieId: number): RankingScore {
    const i = this._items.indexOf(movieId);
    const buf = this.#buffer();
    if (i < 0 || !this.rawScores(userId, buf)) {
      return { userId, movieId, score: null, scorer: "global-mean" };
    }
    const s = buf[i]!;
    return {
      userId,
      movieId,
      score: Number.isFinite(s) ? s : null,
      scorer: this.#hasPositives(this.#users!.indexOf(userId)) ? "model" : this._emptyScorer,
    };
  }

  #hasPositives(u: number): boolean {
    const pos = this.#pos!;
    return pos.indptr[u + 1]! > pos.indptr[u]!;
  }

  /** Top-`k` for a training user; `{ ok: false }` for an unknown one. Scores are not ratings. */
  recommend(userId: number, k: number, options: RecommendOptions = {}): Recommendations {
    const u = this._users.indexOf(userId);
    if (u < 0) return this._unknownUser(k, options);
    const buf = this.#buffer();
    const own = this.#hasPositives(u);
    if (own) this._scoreUser(u, buf);
    else this._fallbackScores(buf);
    const items = this._rank(
      buf,
      k,
      options,
      (options.excludeSeen ?? true) ? this.seenItems(userId) : undefined,
    );
    return { ok: true, items, scorer: own ? "model" : this._emptyScorer };
  }

  /** The answer for an unknown user: none (the serving fallback answers). */
  protected _unknownUser(_k: number, _options: RecommendOptions): Recommendations {
    return { ok: false, reason: "unknown-user" };
  }

  /** Ranks a score buffer with the options of `recommend` (seen items in `skip`). */
  protected _rank(
    scores: Float32Array,
    k: number,
    options: RecommendOptions,
    skip?: Int32Array,
  ): ScoredMovie[] {
    return rankScores(scores, this.#top, {
      k,
      itemIds: this.#items!.ids,
      ...(skip ? { skip } : {}),
      ...(options.filter ? { filter: options.filter } : {}),
      counts: this.#counts,
      minCount: options.minRatings ?? 0,
    });
  }

  /**
   * Top-`k` for a user given by ratings (see
   * {@linkcode RankingRecommender.recommendForRatings}). A movie given twice
   * counts once, with its last rating; unknown movies are listed and ignored.
   *
   * @example
   * ```ts
   * import { EASE } from "./ease.ts";
   * import { ratingsFromColumns } from "../core/ratings.ts";
   * const m = new EASE({ lambda: 1 });
   * m.fit(ratingsFromColumns({
   *   userId: [1, 1, 2, 2, 3, 3], movieId: [10, 20, 10, 20, 30, 40], rating: [5, 5, 4, 4, 5, 5],
   * }));
   * const r = m.recommendForRatings({ movieIds: [10, 99], ratings: [5, 4] }, 1);
   * if (r.items[0]!.movieId !== 20 || r.unknownMovieIds[0] !== 99) throw new Error();
   * ```
   */
  recommendForRatings(
    ratings: UserRatings,
    k: number,
    options: RecommendForRatingsOptions = {},
  ): RatingsRecommendations {
    const row = this._positivesOf(ratings);
    const buf = this.#buffer();
    const own = row.positives.items.length > 0;
    if (own) this._scorePositives(row.positives, buf);
    else this._fallbackScores(buf);
    const items = this._rank(
      buf,
      k,
      options,
      (options.excludeSeen ?? true) ? row.known : undefined,
    );
    return {
      ok: true,
      items,
      scorer: own ? "model" : this._emptyScorer,
      positives: row.positives.items.length,
      unknownMovieIds: row.unknownMovieIds,
    };
  }

  /** Encodes given ratings: known items (ascending), positives and unknown ids. */
  protected _positivesOf(
    ratings: UserRatings,
  ): { known: Int32Array; positives: _RowPositives; unknownMovieIds: number[] } {
    const n = ratings.movieIds.length;
    if (ratings.ratings.length !== n) {
      throw new RangeError(
        `Cannot score ratings: ${n} movie ids but ${ratings.ratings.length} ratings; pass one rating per movie`,
      );
    }
    const items = this._items;
    const byItem = new Map<number, number>();
    const unknownMovieIds: number[] = [];
    for (let j = 0; j < n; j++) {
      const r = ratings.ratings[j]!;
      if (!Number.isFinite(r)) {
        throw new RangeError(`Cannot score ratings: rating ${j} is ${r}, expected a number`);
      }
      const i = items.indexOf(ratings.movieIds[j]!);
      if (i < 0) unknownMovieIds.push(ratings.movieIds[j]!);
      else byItem.set(i, r);
    }
    const known = Int32Array.from(byItem.keys()).sort();
    const t = this.config.positiveThreshold;
    const keep = known.filter((i) => byItem.get(i)! >= t);
    return {
      known,
      positives: { items: keep, ratings: Float32Array.from(keep, (i) => byItem.get(i)!) },
      unknownMovieIds,
    };
  }

  /** The item ids {@linkcode rawScores} scores, ascending. */
  rawItemIds(): Int32Array {
    return this._items.ids;
  }

  /**
   * Writes the ranking score (not a rating) of `userId` for every item into
   * `out`; a user without positives, or an unknown one, gets the movies'
   * training rating counts. Returns whether the user is known.
   */
  rawScores(userId: number, out: Float32Array): boolean {
    const nI = this._data.nItems;
    if (out.length < nI) {
      throw new RangeError(
        `Cannot score items: the output buffer holds ${out.length} values, need ${nI}`,
      );
    }
    const u = this.#users!.indexOf(userId);
    if (u >= 0 && this.#hasPositives(u)) this._scoreUser(u, out);
    else this._fallbackScores(out);
    return u >= 0;
  }

  /**
   * The factors `_scoreUser` scores with, when it writes
   * `ItemScorer.of(view).scores` of the user's row (ials, bpr); null (the
   * default): the model scores otherwise.
   */
  protected _scoreView(): FactorView | null {
    return null;
  }

  /**
   * The factors behind {@linkcode rawScores} for the users with positives
   * (the others get the rating counts), when the model scores with a
   * {@linkcode FactorView}; else null.
   */
  rawFactors(): _RawFactors | null {
    const view = this._scoreView();
    if (view === null) return null;
    const users = this._users;
    return {
      view,
      scoresUser: (userId) => {
        const u = users.indexOf(userId);
        return u >= 0 && this.#hasPositives(u);
      },
    };
  }

  /**
   * A scorer of many training users per pass whose scores are the bits
   * `_scoreUser` writes, its rows the dense users (ease's primal kernel);
   * null (the default): none.
   */
  protected _batchScores(): _BatchScores | null {
    return null;
  }

  /**
   * The batch scorer behind {@linkcode rawScores} for the users with
   * positives (the others get the rating counts), when the model has one
   * (see `_batchScores`); else null.
   */
  rawBatch(): _RawBatch | null {
    const scorer = this._batchScores();
    if (scorer === null) return null;
    const users = this._users;
    return {
      scorer,
      rowOf: (userId) => {
        const u = users.indexOf(userId);
        return u >= 0 && this.#hasPositives(u) ? u : -1;
      },
    };
  }

  /** True when `userId` is a user of the training ratings. */
  protected _knows(userId: number): boolean {
    return (this.#users?.indexOf(userId) ?? -1) >= 0;
  }

  /** Dense indices, ascending, of the items the user rated in training (empty when unknown). */
  seenItems(userId: number): Int32Array {
    const seen = this.#seen;
    const u = this.#users?.indexOf(userId) ?? -1;
    if (!seen || u < 0) return new Int32Array(0);
    return seen.indices.subarray(seen.indptr[u]!, seen.indptr[u + 1]!);
  }

  /** The user's training ratings (dense items ascending, ratings); empty when unknown. */
  protected _userRatings(u: number): { items: Int32Array; ratings: Float32Array } {
    const seen = this.#seen!;
    const a = seen.indptr[u]!, b = seen.indptr[u + 1]!;
    return { items: seen.indices.subarray(a, b), ratings: seen.values.subarray(a, b) };
  }

  /** Training ratings per item of {@linkcode rawItemIds} (shared, do not write to it). */
  itemCounts(): Int32Array {
    this._data;
    return this.#counts;
  }

  abstract similar(movieId: number, k: number): ScoredMovie[] | null;

  save(): Promise<ModelArtifact> {
    this._data;
    const seen = this.#seen!;
    return Promise.resolve(_packArtifact({
      model: this.name,
      config: { ...this.config },
      ratingScale: [this.#scale[0], this.#scale[1]],
      globalMean: this.#globalMean,
      ...(this.#hash ? { trainDataHash: this.#hash } : {}),
      extra: { ...this._extra, history: this.history },
    }, [
      { name: "userIds", array: this.#users!.ids },
      { name: "itemIds", array: this.#items!.ids },
      { name: "seenIndptr", array: seen.indptr },
      { name: "seenIndices", array: seen.indices },
      { name: "seenRatings", array: seen.values },
      { name: "userBias", array: this.#userBias },
      { name: "itemBias", array: this.#itemBias },
      ...this._modelArrays(),
    ]));
  }

  /** Restores shared then model state from a validated file. */
  protected _restore(r: _ArtifactReader): this {
    const users = Vocabulary.fromSortedIds(r.int32("userIds"));
    const items = Vocabulary.fromSortedIds(r.int32("itemIds"));
    const nU = users.size, nI = items.size;
    const indptr = r.int32("seenIndptr", nU + 1);
    const indices = r.int32("seenIndices");
    const values = r.float32("seenRatings", indices.length);
    if (indptr[0] !== 0 || indptr[nU] !== indices.length) {
      throw new RangeError(
        `Cannot load model: array "seenIndptr" does not describe the ${indices.length} seen entries`,
      );
    }
    for (let u = 0; u < nU; u++) {
      if (indptr[u + 1]! < indptr[u]!) {
        throw new RangeError(`Cannot load model: array "seenIndptr" decreases at row ${u}`);
      }
      for (let p = indptr[u]! + 1; p < indptr[u + 1]!; p++) {
        if (indices[p]! < indices[p - 1]!) {
          throw new RangeError(`Cannot load model: array "seenIndices" is not sorted in row ${u}`);
        }
      }
    }
    _checkIndices("seenIndices", indices, nI);
    this.#users = users;
    this.#items = items;
    this.#seen = { nRows: nU, nCols: nI, indptr, indices, values };
    this.#userBias = r.float32("userBias", nU);
    this.#itemBias = r.float32("itemBias", nI);
    this.#globalMean = r.manifest.globalMean;
    this.#scale = [r.manifest.ratingScale[0], r.manifest.ratingScale[1]];
    this.#hash = r.manifest.trainDataHash;
    const { history, ...extra } = r.manifest.extra;
    this.history = Array.isArray(history) ? (history as EpochRecord[]) : [];
    this._extra = extra;
    this.#index();
    this._restoreModel(r, this._data);
    return this;
  }
}

/** Top-`k` (index, value) of a slice, best first, for explanations. */
export function _topByAbs(values: Float64Array, k: number): Int32Array {
  const order = Int32Array.from({ length: values.length }, (_, j) => j);
  order.sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!) || a - b);
  return order.subarray(0, Math.max(0, Math.min(k, values.length)));
}
