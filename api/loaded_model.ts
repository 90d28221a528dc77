/**
 * Everything one served model answers with, precomputed at load so that a
 * request does no more than a scan over the item factors: the model and its
 * factor view, the catalog, the popular list, per-user seen items (sorted
 * Int32Array rows of a CSR), per-genre item bitmaps, id -> row tables, and a
 * reusable top-k heap. A `LoadedModel` is immutable once built; hot reload
 * builds a new one and swaps the reference.
 *
 * @module
 */
import type { FactorView } from "../recommender/factor_view.ts";
import type {
  ModelManifest,
  Prediction,
  Recommender,
  ScoredMovie,
  Scorer,
} from "../recommender/model.ts";
import type { Ratings } from "../recommender/ratings.ts";
import { TopK } from "../recommender/top_k.ts";
import { foldIn, type UserRatings } from "../recommender/fold_in.ts";
import { explain, type Explanation } from "../recommender/explain.ts";
import type { Catalog } from "./catalog.ts";
import type { PopularityTable } from "./popularity.ts";
import { _WasmScores } from "./_wasm_scores.ts";

/** Where the served model came from, for /health and /metrics. */
export interface ModelInfo {
  /** Model name (`svd`, `biased-mf`, ...). */
  readonly name: string;
  /** Version label: the MLflow version, or the first 12 hex digits of the data sha256. */
  readonly version: string;
  /** Human-readable source: a folder or a `models:/` URI. */
  readonly source: string;
  /** ISO time the model finished loading. */
  readonly loadedAt: string;
}

/** What a {@linkcode LoadedModel} is built from. */
export interface LoadedModelInputs {
  readonly model: Recommender;
  readonly manifest: ModelManifest;
  readonly catalog: Catalog;
  readonly popularity: PopularityTable;
  /** The model's training ratings: seen items and explanations. */
  readonly train: Ratings | null;
  readonly info: ModelInfo;
}

/** A ranked answer: which scorer gave it and the movies with scores. */
export interface RankedAnswer {
  readonly scorer: Scorer;
  readonly fallback: boolean;
  readonly items: ScoredMovie[];
}

/** A fold-in answer, with what was ignored. */
export interface FoldInAnswer extends RankedAnswer {
  /** Movie ids the model does not know (they were ignored). */
  readonly unknownMovieIds: number[];
}

const _DENSE_LIMIT = 16_000_000;

function _denseRows(ids: Int32Array): Int32Array | Map<number, number> {
  let max = 0;
  for (let r = 0; r < ids.length; r++) if (ids[r]! > max) max = ids[r]!;
  if (max > _DENSE_LIMIT) return new Map(Array.from(ids, (id, r) => [id, r]));
  const t = new Int32Array(max + 1).fill(-1);
  for (let r = 0; r < ids.length; r++) if (ids[r]! >= 0) t[ids[r]!] = r;
  return t;
}

function _rowOf(table: Int32Array | Map<number, number>, id: number): number {
  if (table instanceof Int32Array) return id >= 0 && id < table.length ? table[id]! : -1;
  return table.get(id) ?? -1;
}

/** A loaded model with its precomputed serving structures. */
export class LoadedModel {
  readonly info: ModelInfo;
  readonly manifest: ModelManifest;
  readonly model: Recommender;
  readonly catalog: Catalog;
  readonly popularity: PopularityTable;
  /** The factor view, or null for models without factors (baselines). */
  readonly view: FactorView | null;
  readonly #userRow: Int32Array | Map<number, number>;
  readonly #itemRow: Int32Array | Map<number, number>;
  readonly #base: Float32Array; // per user row: userMean or globalMean + userBias
  readonly #itemBias: Float32Array;
  readonly #seenPtr: Int32Array | null; // per user row (CSR over item rows, sorted)
  readonly #seenItems: Int32Array | null;
  readonly #seenRatings: Float32Array | null;
  readonly #genreItems: Map<string, Uint8Array>; // genre -> 1 per item row of that genre
  readonly #genreCatalog: Map<string, Uint8Array>; // genre -> 1 per catalog row
  readonly #top = new TopK();
  readonly #wasm: _WasmScores | null;

  /** Validates the pieces against each other and precomputes (O(ratings + items)). */
  constructor(inputs: LoadedModelInputs) {
    this.info = inputs.info;
    this.manifest = inputs.manifest;
    this.model = inputs.model;
    this.catalog = inputs.catalog;
    this.popularity = inputs.popularity;
    const factorsFn = (inputs.model as { factors?: () => FactorView | null }).factors;
    const view = typeof factorsFn === "function" ? factorsFn.call(inputs.model) : null;
    this.view = view && view.itemIds.length > 0 ? view : null;

    const userIds = this.view?.userIds ?? new Int32Array(0);
    const itemIds = this.view?.itemIds ?? new Int32Array(0);
    const nU = userIds.length, nI = itemIds.length;
    this.#userRow = _denseRows(userIds);
    this.#itemRow = _denseRows(itemIds);
    this.#base = new Float32Array(nU);
    if (this.view) {
      const v = this.view;
      for (let u = 0; u < nU; u++) {
        this.#base[u] = v.userMean ? v.userMean[u]! : v.globalMean + (v.userBias?.[u] ?? 0);
      }
    }
    this.#itemBias = this.view?.itemBias ?? new Float32Array(nI);
    this.#wasm = this.view
      ? _WasmScores.create(
        this.view.itemFactors,
        this.view.k,
        this.view.itemBias,
        this.view.itemNorms,
      )
      : null;

    // Seen items per user row, sorted by item row, with the ratings.
    if (this.view && inputs.train) {
      const t = inputs.train;
      const n = t.rating.length;
      // Bucket the ratings by item row first, then walk the items in order and
      // append to each user's row: the rows come out sorted by item, in O(n).
      const byItemPtr = new Int32Array(nI + 1);
      const uRow = new Int32Array(n), iRow = new Int32Array(n);
      const count = new Int32Array(nU + 1);
      for (let e = 0; e < n; e++) {
        const u = _rowOf(this.#userRow, t.userId[e]!);
        const i = _rowOf(this.#itemRow, t.movieId[e]!);
        uRow[e] = u;
        iRow[e] = i;
        if (u >= 0 && i >= 0) {
          count[u + 1]!++;
          byItemPtr[i + 1]!++;
        }
      }
      for (let u = 0; u < nU; u++) count[u + 1]! += count[u]!;
      for (let i = 0; i < nI; i++) byItemPtr[i + 1]! += byItemPtr[i]!;
      const byItem = new Int32Array(byItemPtr[nI]!);
      const itemFill = byItemPtr.slice(0, nI);
      for (let e = 0; e < n; e++) {
        if (uRow[e]! >= 0 && iRow[e]! >= 0) byItem[itemFill[iRow[e]!]!++] = e;
      }
      const ptr = count;
      const items = new Int32Array(ptr[nU]!);
      const ratings = new Float32Array(ptr[nU]!);
      const fill = ptr.slice(0, nU);
      for (let i = 0; i < nI; i++) {
        for (let x = byItemPtr[i]!; x < byItemPtr[i + 1]!; x++) {
          const e = byItem[x]!;
          const at = fill[uRow[e]!]!++;
          items[at] = i;
          ratings[at] = t.rating[e]!;
        }
      }
      this.#seenPtr = ptr;
      this.#seenItems = items;
      this.#seenRatings = ratings;
    } else {
      this.#seenPtr = this.#seenItems = null;
      this.#seenRatings = null;
    }

    // Genre bitmaps over item rows and catalog rows.
    this.#genreItems = new Map();
    this.#genreCatalog = new Map();
    for (const g of this.catalog.genreNames) {
      this.#genreItems.set(g, new Uint8Array(nI));
      this.#genreCatalog.set(g, new Uint8Array(this.catalog.size));
    }
    for (let r = 0; r < this.catalog.size; r++) {
      for (const g of this.catalog.movies[r]!.genres) this.#genreCatalog.get(g)![r] = 1;
    }
    for (let i = 0; i < nI; i++) {
      const movie = this.catalog.get(itemIds[i]!);
      if (movie) { for (const g of movie.genres) this.#genreItems.get(g)![i] = 1; }
    }
  }

  /** True when the user is in the model. */
  knowsUser(userId: number): boolean {
    return this.view ? _rowOf(this.#userRow, userId) >= 0 : false;
  }

  /** True when the movie is in the model or the catalog. */
  knowsMovie(movieId: number): boolean {
    return (this.view !== null && _rowOf(this.#itemRow, movieId) >= 0) ||
      this.catalog.rowOf(movieId) >= 0;
  }

  /**
   * Top-`k` for a user: the model for a known user, the popular list
   * (flagged as fallback) for an unknown one. `genre` is a catalog genre name.
   */
  recommend(
    userId: number,
    k: number,
    options: { excludeSeen: boolean; genre: string | null },
  ): RankedAnswer {
    const v = this.view;
    const u = v ? _rowOf(this.#userRow, userId) : -1;
    if (v && u >= 0 && (this.#seenPtr || !options.excludeSeen)) {
      const from = options.excludeSeen ? this.#seenPtr![u]! : 0;
      const to = options.excludeSeen ? this.#seenPtr![u + 1]! : 0;
      const items = this.#rank(v.userFactors, u * v.k, this.#base[u]!, k, {
        seen: this.#seenItems,
        from,
        to,
        genre: options.genre === null ? null : this.#genreItems.get(options.genre) ?? null,
      });
      return { scorer: "model", fallback: false, items };
    }
    // Models without a factor view (or without training ratings) rank themselves.
    const keep = options.genre === null ? undefined : this.#catalogGenreFilter(options.genre);
    const r = this.model.recommend(userId, k, {
      excludeSeen: options.excludeSeen,
      ...(keep ? { filter: keep } : {}),
    });
    if (r.ok) return { scorer: r.scorer, fallback: false, items: r.items };
    return this.#popular(k, keep);
  }

  /**
   * Top-`k` for an anonymous user from a few ratings, by folding the user into
   * the factor space; movies the user rated are left out unless `excludeRated`
   * is false. Falls back to the popular list when the model has no factors or
   * knows none of the rated movies.
   */
  recommendFromRatings(
    ratings: UserRatings,
    k: number,
    options: { genre: string | null; excludeRated: boolean },
  ): FoldInAnswer {
    const keep = options.genre === null ? undefined : this.#catalogGenreFilter(options.genre);
    const v = this.view;
    if (!v) {
      return {
        ...this.#popular(k, keep, options.excludeRated ? ratings.movieIds : undefined),
        unknownMovieIds: [],
      };
    }
    const folded = foldIn(v, ratings);
    if (folded.itemIndices.length === 0) {
      return {
        ...this.#popular(k, keep, options.excludeRated ? ratings.movieIds : undefined),
        unknownMovieIds: folded.unknownMovieIds,
      };
    }
    const rated = options.excludeRated ? Int32Array.from(folded.itemIndices).sort() : null;
    const items = this.#rank(folded.factors, 0, folded.base, k, {
      seen: rated,
      from: 0,
      to: rated ? rated.length : 0,
      genre: options.genre === null ? null : this.#genreItems.get(options.genre) ?? null,
    });
    return { scorer: "model", fallback: false, items, unknownMovieIds: folded.unknownMovieIds };
  }

  /** The `k` most similar movies by cosine of item factors; null for a movie the model lacks. */
  similar(movieId: number, k: number): ScoredMovie[] | null {
    const v = this.view;
    if (!v) return this.model.similar(movieId, k);
    const i = _rowOf(this.#itemRow, movieId);
    if (i < 0) return null;
    const kf = v.k, q = v.itemFactors, norms = v.itemNorms, nI = v.itemIds.length;
    const top = this.#top;
    top.reset(Math.max(0, Math.min(k, nI - 1)));
    if (this.#wasm) {
      const cos = this.#wasm.cosines(i);
      for (let j = 0; j < nI; j++) {
        if (j !== i && cos[j]! > top.threshold) top.push(j, cos[j]!);
      }
      return this.#drain(v.itemIds, false);
    }
    const ni = norms[i]!;
    const qi = i * kf;
    for (let j = 0; j < nI; j++) {
      if (j === i) continue;
      const d = ni * norms[j]!;
      const s = d > 0 ? _dot(q, qi, q, j * kf, kf) / d : 0;
      if (s > top.threshold) top.push(j, s);
    }
    return this.#drain(v.itemIds, false);
  }

  /** The model's prediction, clipped to the scale, with its scorer. */
  predict(userId: number, movieId: number): Prediction {
    return this.model.predict(userId, movieId);
  }

  /**
   * Why the model predicts what it does for a known user and movie; null when
   * the model has no factors or lacks the user or the movie.
   */
  explain(userId: number, movieId: number, k: number): Explanation | null {
    const v = this.view;
    if (!v) return null;
    const u = _rowOf(this.#userRow, userId);
    if (u < 0) return null;
    let movieIds: Int32Array = new Int32Array(0);
    let ratings: Float32Array = new Float32Array(0);
    if (this.#seenPtr) {
      const from = this.#seenPtr[u]!, to = this.#seenPtr[u + 1]!;
      movieIds = new Int32Array(to - from);
      for (let j = from; j < to; j++) movieIds[j - from] = v.itemIds[this.#seenItems![j]!]!;
      ratings = this.#seenRatings!.subarray(from, to);
    }
    return explain(v, userId, movieId, { movieIds, ratings }, { k });
  }

  /** The first `k` movies by weighted rating, optionally of one genre. */
  popular(k: number, genre: string | null): RankedAnswer {
    return this.#popular(k, genre === null ? undefined : this.#catalogGenreFilter(genre));
  }

  /** Weighted-rating position data of the popular list (for /popular). */
  popularRows(k: number, genre: string | null): number[] {
    return this.popularity.top(k, genre === null ? undefined : this.#catalogGenreFilter(genre));
  }

  #catalogGenreFilter(genre: string): (movieId: number) => boolean {
    const bits = this.#genreCatalog.get(genre);
    const catalog = this.catalog;
    if (!bits) return () => false;
    return (movieId) => {
      const r = catalog.rowOf(movieId);
      return r >= 0 && bits[r] === 1;
    };
  }

  #popular(
    k: number,
    keep?: (movieId: number) => boolean,
    exclude?: ArrayLike<number>,
  ): RankedAnswer {
    const skip = exclude && exclude.length > 0 ? new Set(Array.from(exclude)) : null;
    const test = skip ? (id: number) => !skip.has(id) && (keep ? keep(id) : true) : keep;
    const rows = this.popularity.top(k, test);
    return {
      scorer: "popularity",
      fallback: true,
      items: rows.map((p) => ({
        movieId: this.popularity.movieIds[p]!,
        score: this.popularity.weighted[p]!,
      })),
    };
  }

  /** Scans all items for one user vector; `seen[from..to)` are sorted item rows to skip. */
  #rank(
    p: Float32Array,
    po: number,
    base: number,
    k: number,
    o: { seen: Int32Array | null; from: number; to: number; genre: Uint8Array | null },
  ): ScoredMovie[] {
    const v = this.view!;
    const kf = v.k, q = v.itemFactors, bias = this.#itemBias, nI = v.itemIds.length;
    const seen = o.seen, genre = o.genre;
    let sp = o.from;
    const end = o.to;
    const top = this.#top;
    top.reset(Math.max(0, Math.min(k, nI)));
    let next = sp < end ? seen![sp]! : nI; // next item row to skip
    const scores = this.#wasm ? this.#wasm.scores(p, po) : null;
    for (let i = 0; i < nI; i++) {
      if (i === next) {
        while (sp < end && seen![sp]! <= i) sp++; // duplicates are skipped together
        next = sp < end ? seen![sp]! : nI;
        continue;
      }
      if (genre !== null && genre[i] === 0) continue;
      const s = scores !== null ? scores[i]! : bias[i]! + _dot(p, po, q, i * kf, kf);
      if (s > top.threshold) top.push(i, s);
    }
    return this.#drain(v.itemIds, true, base);
  }

  #drain(itemIds: Int32Array, clip: boolean, base = 0): ScoredMovie[] {
    const { indices, scores } = this.#top.drain();
    const [lo, hi] = this.view!.ratingScale;
    const out: ScoredMovie[] = new Array(indices.length);
    for (let j = 0; j < indices.length; j++) {
      let s = scores[j]! + base;
      if (clip) s = s < lo ? lo : s > hi ? hi : s;
      out[j] = { movieId: itemIds[indices[j]!]!, score: s };
    }
    return out;
  }
}

/** Dot product of `k` floats at `a[ao..]` and `b[bo..]`, unrolled by 4. */
function _dot(a: Float32Array, ao: number, b: Float32Array, bo: number, k: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let f = 0;
  for (; f + 4 <= k; f += 4) {
    s0 += a[ao + f]! * b[bo + f]!;
    s1 += a[ao + f + 1]! * b[bo + f + 1]!;
    s2 += a[ao + f + 2]! * b[bo + f + 2]!;
    s3 += a[ao + f + 3]! * b[bo + f + 3]!;
  }
  for (; f < k; f++) s0 += a[ao + f]! * b[bo + f]!;
  return s0 + s1 + s2 + s3;
}
