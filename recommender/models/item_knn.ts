/**
 * `item-knn`: item-item nearest neighbours on the binary matrix of
 * positives. The similarity of movies i and j is the cosine of their user
 * columns with a shrinkage term in the denominator,
 * `sim(i, j) = |U_i & U_j| / (sqrt(|U_i| |U_j|) + shrinkage)`, which damps
 * pairs with little support. Each movie keeps its `neighbors` most similar
 * movies; a user's score of movie j is the sum of the similarities of the
 * neighbours of j the user rated positively, so every score is explained by
 * rated movies and their weights, and `similar` answers from the same lists.
 *
 * @module
 */
import { z } from "zod";
import type { FitOptions, ModelArtifact, ScoredMovie } from "../core/model.ts";
import type {
  ExplainItemOptions,
  ItemContribution,
  ItemExplanation,
  UserRatings,
} from "../core/ranking_recommender.ts";
import { _parseConfig } from "../core/_config.ts";
import {
  type _NamedArray,
  _positiveThresholdField,
  type _RankingData,
  _RankingModel,
  type _RowPositives,
  _topByAbs,
} from "./_ranking_model.ts";
import { _ArtifactReader, _checkIndices } from "../core/_artifact.ts";
import { TopK } from "../scoring/top_k.ts";
import { transposeCsr } from "../core/csr.ts";

/**
 * Config of {@linkcode ItemKNN}; defaults chosen on a validation split of the
 * training ratings (`bench/ranking_tune.ts`).
 */
export const itemKnnConfigSchema = z.object({
  /** Neighbours kept per movie. */
  neighbors: z.number().int().positive().max(5000).default(140).meta({
    tune: { min: 10, max: 1000, log: true },
  }),
  /** Added to the cosine's denominator (in co-raters). */
  shrinkage: z.number().nonnegative().max(10000).default(45).meta({
    tune: { min: 0, max: 200 },
  }),
  /** Ratings at or above this count as positives (validation: 4). */
  positiveThreshold: _positiveThresholdField.default(4),
}).strict();

/** Parsed config of {@linkcode ItemKNN}. */
export type ItemKnnConfig = z.output<typeof itemKnnConfigSchema>;

/**
 * The `item-knn` model (see the module doc).
 *
 * @example
 * ```ts
 * import { ItemKNN } from "./item_knn.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new ItemKNN({ neighbors: 5, shrinkage: 0 });
 * m.fit(ratingsFromColumns({
 *   userId: [1, 1, 2, 2, 3, 3], movieId: [10, 20, 10, 20, 30, 40], rating: [5, 5, 4, 4, 5, 5],
 * }));
 * if (m.similar(10, 1)![0]!.movieId !== 20) throw new Error("10 and 20 share their raters");
 * ```
 */
export class ItemKNN extends _RankingModel<ItemKnnConfig> {
  readonly name = "item-knn";
  /** Neighbours of each movie (row = target movie), best first. */
  #nIndptr: Int32Array = new Int32Array(1);
  #nIndices: Int32Array = new Int32Array(0);
  #nWeights: Float32Array = new Float32Array(0);
  /** The transpose: for each source movie, the targets it is a neighbour of. */
  #sIndptr: Int32Array = new Int32Array(1);
  #sIndices: Int32Array = new Int32Array(0);
  #sWeights: Float32Array = new Float32Array(0);

  constructor(config: z.input<typeof itemKnnConfigSchema> = {}) {
    super(_parseConfig(itemKnnConfigSchema, config, "item-knn"));
  }

  protected _fitModel(data: _RankingData, options: FitOptions): void {
    const { nItems: nI } = data;
    const pos = data.pos;
    const byItem = transposeCsr(pos);
    const n = new Float64Array(nI);
    for (let i = 0; i < nI; i++) n[i] = byItem.indptr[i + 1]! - byItem.indptr[i]!;
    const shrink = this.config.shrinkage, k = this.config.neighbors;
    const acc = new Float64Array(nI);
    const touched = new Int32Array(nI);
    const top = new TopK();
    const indptr = new Int32Array(nI + 1);
    const idx: number[] = [], wts: number[] = [];
    let pairs = 0;
    for (let i = 0; i < nI; i++) {
      let nt = 0;
      for (let p = byItem.indptr[i]!; p < byItem.indptr[i + 1]!; p++) {
        const u = byItem.indices[p]!;
        for (let q = pos.indptr[u]!, e = pos.indptr[u + 1]!; q < e; q++) {
          const j = pos.indices[q]!;
          if (acc[j] === 0) touched[nt++] = j;
          acc[j]! += 1;
        }
      }
      pairs += nt;
      top.reset(Math.min(k, nI));
      const ni = n[i]!;
      for (let t = 0; t < nt; t++) {
        const j = touched[t]!;
        const co = acc[j]!;
        acc[j] = 0;
        if (j === i) continue;
        top.push(j, co / (Math.sqrt(ni * n[j]!) + shrink));
      }
      const { indices, scores } = top.drain();
      for (let x = 0; x < indices.length; x++) {
        idx.push(indices[x]!);
        wts.push(scores[x]!);
      }
      indptr[i + 1] = idx.length;
      if ((i & 1023) === 1023) {
        options.onProgress?.({ model: this.name, message: `neighbours of ${i + 1}/${nI} movies` });
      }
    }
    this.#nIndptr = indptr;
    this.#nIndices = Int32Array.from(idx);
    this.#nWeights = Float32Array.from(wts);
    this.#index(nI);
    this._extra = { coRatedPairs: pairs, storedNeighbors: idx.length };
  }

  /** Builds the source-major transpose used for scoring (fit and load). */
  #index(nI: number): void {
    const t = transposeCsr({
      nRows: nI,
      nCols: nI,
      indptr: this.#nIndptr,
      indices: this.#nIndices,
      values: this.#nWeights,
    });
    this.#sIndptr = t.indptr;
    this.#sIndices = t.indices;
    this.#sWeights = t.values;
  }

  protected _scoreUser(u: number, out: Float32Array): void {
    this._scorePositives(this._userPositives(u), out);
  }

  protected _scorePositives(row: _RowPositives, out: Float32Array): void {
    out.fill(0, 0, this._data.nItems);
    const ip = this.#sIndptr, ii = this.#sIndices, w = this.#sWeights;
    for (let x = 0; x < row.items.length; x++) {
      const l = row.items[x]!;
      for (let p = ip[l]!, e = ip[l + 1]!; p < e; p++) out[ii[p]!]! += w[p]!;
    }
  }

  /** The movie's kept neighbours, most similar first (cosine with shrinkage). */
  similar(movieId: number, k: number): ScoredMovie[] | null {
    const i = this._items.indexOf(movieId);
    if (i < 0) return null;
    const a = this.#nIndptr[i]!, b = Math.min(this.#nIndptr[i + 1]!, this.#nIndptr[i]! + k);
    const out: ScoredMovie[] = [];
    for (let p = a; p < b; p++) {
      out.push({ movieId: this._items.idAt(this.#nIndices[p]!), score: this.#nWeights[p]! });
    }
    return out;
  }

  /**
   * The rated movies behind a training user's score of a movie: its
   * neighbours the user rated positively, with their similarities. Null for
   * an unknown user or movie.
   *
   * @example
   * ```ts
   * import { ItemKNN } from "./item_knn.ts";
   * import { ratingsFromColumns } from "../core/ratings.ts";
   * const m = new ItemKNN({ shrinkage: 0 });
   * m.fit(ratingsFromColumns({
   *   userId: [1, 1, 2, 2, 2, 3], movieId: [10, 20, 10, 20, 30, 30], rating: [5, 5, 4, 4, 4, 5],
   * }));
   * const e = m.explain(3, 20)!;
   * if (e.contributions[0]!.movieId !== 30) throw new Error("user 3 rated only movie 30");
   * ```
   */
  explain(
    userId: number,
    movieId: number,
    options: ExplainItemOptions = {},
  ): ItemExplanation | null {
    const u = this._users.indexOf(userId);
    if (u < 0) return null;
    const p = this._userPositives(u);
    const all = this._userRatings(u);
    return this.#explain(userId, movieId, p, all, options);
  }

  /** {@linkcode explain} for a user given by ratings (see `recommendForRatings`). */
  explainRatings(
    ratings: UserRatings,
    movieId: number,
    options: ExplainItemOptions = {},
  ): ItemExplanation | null {
    const { positives } = this._positivesOf(ratings);
    return this.#explain(null, movieId, positives, positives, options);
  }

  #explain(
    userId: number | null,
    movieId: number,
    positives: _RowPositives,
    rated: { items: Int32Array; ratings: Float32Array },
    options: ExplainItemOptions,
  ): ItemExplanation | null {
    const j = this._items.indexOf(movieId);
    if (j < 0) return null;
    const mine = new Set(positives.items);
    const rating = new Map<number, number>();
    for (let x = 0; x < rated.items.length; x++) rating.set(rated.items[x]!, rated.ratings[x]!);
    const rows: number[] = [], ws: number[] = [];
    for (let p = this.#nIndptr[j]!; p < this.#nIndptr[j + 1]!; p++) {
      const l = this.#nIndices[p]!;
      if (mine.has(l)) {
        rows.push(l);
        ws.push(this.#nWeights[p]!);
      }
    }
    const w = Float64Array.from(ws);
    let score = 0;
    for (const v of w) score += v;
    const contributions: ItemContribution[] = Array.from(_topByAbs(w, options.k ?? 5), (x) => ({
      movieId: this._items.idAt(rows[x]!),
      rating: rating.get(rows[x]!)!,
      weight: w[x]!,
    }));
    return { userId, movieId, score, contributions };
  }

  protected _modelArrays(): _NamedArray[] {
    return [
      { name: "neighborIndptr", array: this.#nIndptr },
      { name: "neighborIndices", array: this.#nIndices },
      { name: "neighborWeights", array: this.#nWeights },
    ];
  }

  protected _restoreModel(r: _ArtifactReader, data: _RankingData): void {
    const nI = data.nItems;
    const indptr = r.int32("neighborIndptr", nI + 1);
    const indices = r.int32("neighborIndices");
    if (indptr[0] !== 0 || indptr[nI] !== indices.length) {
      throw new RangeError(
        'Cannot load model: array "neighborIndptr" does not describe "neighborIndices"',
      );
    }
    for (let i = 0; i < nI; i++) {
      if (indptr[i + 1]! < indptr[i]!) {
        throw new RangeError(`Cannot load model: array "neighborIndptr" decreases at row ${i}`);
      }
    }
    _checkIndices("neighborIndices", indices, nI);
    this.#nIndptr = indptr;
    this.#nIndices = indices;
    this.#nWeights = r.float32("neighborWeights", indices.length);
    this.#index(nI);
  }

  /** Loads a saved `item-knn` model, validating the file. */
  static load(artifact: ModelArtifact): ItemKNN {
    const r = new _ArtifactReader(artifact, "item-knn");
    return new ItemKNN(r.manifest.config as z.input<typeof itemKnnConfigSchema>)._restore(r);
  }
}
