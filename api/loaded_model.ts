/**
 * Everything one served model answers with, precomputed at load so that a
 * request does no more than a scan over the item factors: the model and its
 * factor view, the catalog, the popular list, per-user seen items (sorted
 * Int32Array rows of a CSR), per-item training rating counts (for
 * `minRatings`), per-genre item bitmaps, id -> row tables, a
 * reusable score buffer and top-k heap. Scoring and ranking are the
 * recommender core's (the model's `rawScores`, {@linkcode ItemScorer},
 * {@linkcode rankScores}, the model's `similar`): what is served is what is
 * evaluated. A `LoadedModel` is immutable once built; hot reload builds a new
 * one and swaps the reference.
 *
 * @module
 */
import type { FactorView } from "../recommender/core/factor_view.ts";
import type {
  ModelManifest,
  Prediction,
  Recommender,
  ScoredMovie,
  Scorer,
} from "../recommender/core/model.ts";
import type { Ratings } from "../recommender/core/ratings.ts";
import { TopK } from "../recommender/scoring/top_k.ts";
import { ItemScorer } from "../recommender/scoring/item_scorer.ts";
import { rankScores } from "../recommender/scoring/rank_scores.ts";
import type { PopularList } from "../recommender/scoring/popular_list.ts";
import { popularFallback } from "../recommender/scoring/fallback.ts";
import { buildCsr, type CsrMatrix } from "../recommender/core/csr.ts";
import { foldIn, type UserRatings } from "../recommender/scoring/fold_in.ts";
import { explain, type Explanation } from "../recommender/scoring/explain.ts";
import type {
  ItemExplanation,
  RankingRecommender,
} from "../recommender/core/ranking_recommender.ts";
import type { Catalog } from "./catalog.ts";

/** What a served model was chosen for: `/predict` (rating) or the ranked lists (ranking). */
export type ModelTask = "rating" | "ranking";

/** Which model answered, as every answer says it. */
export interface AnsweredBy {
  readonly name: string;
  readonly version: string;
  readonly task: ModelTask;
}

/** Where the served model came from, for /health and /metrics. */
export interface ModelInfo {
  /** Model name (`svd`, `biased-mf`, ...). */
  readonly name: string;
  /** Version label: the MLflow version, or the first 12 hex digits of the data sha256. */
  readonly version: string;
  /**
   * The kind of source, safe to show to clients: `pipeline champion`,
   * `model folder` or the `models:/NAME@ALIAS` URI (never a path).
   */
  readonly source: string;
  /** Where the files were read (a folder or a `models:/` URI): for the server's logs only. */
  readonly location?: string;
  /** ISO time the model finished loading. */
  readonly loadedAt: string;
  /** The task the model was trained for; default: `ranking` for the ranking models, else `rating`. */
  readonly task?: ModelTask;
  /**
   * The `minRatings` floor the evaluate stage ranked this model with
   * (`data/metrics/<model>/metrics.json`), when known: the server's default
   * for `/recommend`, so what is served is what was measured.
   */
  readonly evaluatedMinRatings?: number;
}

/** What a {@linkcode LoadedModel} is built from. */
export interface LoadedModelInputs {
  readonly model: Recommender;
  readonly manifest: ModelManifest;
  readonly catalog: Catalog;
  readonly popularity: PopularList;
  /** The model's training ratings: seen items and explanations. */
  readonly train: Ratings | null;
  readonly info: ModelInfo;
  /**
   * The ranking champion served beside this (rating) model: it answers the
   * ranked lists, `/similar` and item explanations. Absent: this model answers everything.
   */
  readonly ranking?: LoadedModel | null;
  /** How many ranked lists to keep per model (a bounded LRU). Default 50,000; 0: none. */
  readonly cacheLists?: number;
}

/** Longest list kept per user in the answer cache (answers for k up to it come from it). */
export const CACHED_LIST_LENGTH = 100;

/** A ranked answer: which scorer gave it and the movies with scores. */
export interface RankedAnswer {
  readonly scorer: Scorer;
  readonly fallback: boolean;
  readonly items: ScoredMovie[];
}

/** A ranked answer as columns (the first `count` entries), for answers built without objects. */
export interface RankedList {
  readonly scorer: Scorer;
  readonly fallback: boolean;
  readonly movieIds: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
  readonly count: number;
}

function _columns(a: RankedAnswer, k: number): RankedList {
  const n = Math.min(k, a.items.length);
  const movieIds = new Int32Array(n), scores = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    movieIds[j] = a.items[j]!.movieId;
    scores[j] = a.items[j]!.score;
  }
  return { scorer: a.scorer, fallback: a.fallback, movieIds, scores, count: n };
}

/**
 * The candidates of one `minRatings` floor, packed: the item rows with at
 * least that many training ratings, their factors copied contiguously with an
 * {@linkcode ItemScorer} of their own, so a request scores only the movies it
 * may show (about 450 of 9,700 at the default floor of 50 on ml-latest-small).
 */
interface _Packed {
  readonly scorer: ItemScorer;
  readonly itemIds: Int32Array;
  /** Packed position of each item row, or -1. */
  readonly pos: Int32Array;
  readonly buf: Float32Array;
  readonly genres: Map<string, Uint8Array>;
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

/**
 * The training ratings as a users x items CSR over the view's rows (the
 * recommender core's {@linkcode buildCsr}): each user's rated item rows
 * ascending, with the ratings; ratings of users or movies outside the view
 * are left out.
 */
function _seenTable(
  train: Ratings,
  userRow: Int32Array | Map<number, number>,
  itemRow: Int32Array | Map<number, number>,
  shape: { nRows: number; nCols: number },
): CsrMatrix {
  const n = train.rating.length;
  const rows = new Int32Array(n), cols = new Int32Array(n), values = new Float32Array(n);
  let kept = 0;
  for (let e = 0; e < n; e++) {
    const u = _rowOf(userRow, train.userId[e]!);
    const i = _rowOf(itemRow, train.movieId[e]!);
    if (u < 0 || i < 0) continue;
    rows[kept] = u;
    cols[kept] = i;
    values[kept++] = train.rating[e]!;
  }
  return buildCsr(rows.subarray(0, kept), cols.subarray(0, kept), values.subarray(0, kept), shape);
}

/**
 * The seen table of `train` over a view's users and items, shared by every
 * model loaded from the same ratings with the same vocabularies (the rating
 * and the ranking champion of one pipeline usually are): at 25M ratings each
 * table is 200 MB. Entries go with the ratings (a WeakMap).
 */
const _seenTables = new WeakMap<
  Ratings,
  Array<{ userIds: Int32Array; itemIds: Int32Array; table: CsrMatrix }>
>();

function _sameIds(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function _sharedSeenTable(
  train: Ratings,
  ids: { userIds: Int32Array; itemIds: Int32Array },
  userRow: Int32Array | Map<number, number>,
  itemRow: Int32Array | Map<number, number>,
): CsrMatrix {
  const tables = _seenTables.get(train) ?? [];
  const hit = tables.find((t) =>
    _sameIds(t.userIds, ids.userIds) && _sameIds(t.itemIds, ids.itemIds)
  );
  if (hit) return hit.table;
  const table = _seenTable(train, userRow, itemRow, {
    nRows: ids.userIds.length,
    nCols: ids.itemIds.length,
  });
  tables.push({ ...ids, table });
  _seenTables.set(train, tables);
  return table;
}

/** The model's raw (unclipped) all-items scoring, which its own `recommend` ranks on. */
interface _RawScores {
  rawItemIds(): Int32Array;
  rawScores(userId: number, out: Float32Array): boolean;
  /** Training ratings per item of `rawItemIds()`, when the model offers them. */
  itemCounts?(): Int32Array;
}

/**
 * The model's raw scoring when it ranks exactly the rows of `view` (the
 * factor models); null otherwise (e.g. a blend, whose view is one member's).
 */
function _rawScoring(model: Recommender, view: FactorView | null): _RawScores | null {
  const m = model as Partial<_RawScores>;
  if (!view || typeof m.rawScores !== "function" || typeof m.rawItemIds !== "function") {
    return null;
  }
  const ids = m.rawItemIds.call(model);
  if (ids.length !== view.itemIds.length) return null;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== view.itemIds[i]) return null;
  return m as _RawScores;
}

/** A loaded model with its precomputed serving structures. */
export class LoadedModel {
  readonly info: ModelInfo;
  readonly manifest: ModelManifest;
  readonly model: Recommender;
  readonly catalog: Catalog;
  readonly popularity: PopularList;
  /** The factor view, or null for models without factors (baselines). */
  readonly view: FactorView | null;
  readonly #userRow: Int32Array | Map<number, number>;
  readonly #itemRow: Int32Array | Map<number, number>;
  readonly #raw: _RawScores | null; // the model's own scoring of the view's item rows
  readonly #items: ItemScorer | null; // the core's scorer of the view (fold-in)
  readonly #scores: Float32Array; // one score per item row, reused by every request
  readonly #seenPtr: Int32Array | null; // per user row (CSR over item rows, sorted)
  readonly #seenItems: Int32Array | null;
  readonly #seenRatings: Float32Array | null;
  readonly #itemCounts: Int32Array | null; // training ratings per item row (null: unknown)
  readonly #genreItems: Map<string, Uint8Array>; // genre -> 1 per item row of that genre
  readonly #genreCatalog: Map<string, Uint8Array>; // genre -> 1 per catalog row
  readonly #top = new TopK();
  /** What the model was trained for. */
  readonly task: ModelTask;
  /** The model that answers the ranked lists: the ranking champion beside this one, else this. */
  readonly ranker: LoadedModel;
  readonly #knownUsers: Set<number> | null; // users of the training ratings (models without a view)
  readonly #lists = new Map<string, { ids: Int32Array; scores: Float64Array; scorer: Scorer }>();
  readonly #cacheLists: number;
  #answeredByJson: string | null = null;
  readonly #packed = new Map<number, _Packed | null>(); // minRatings floor -> candidate index
  #rawIsView = false; // the model's raw scores are the view's base + bias + p.q (checked at load)

  /** Validates the pieces against each other and precomputes (O(ratings + items)). */
  constructor(inputs: LoadedModelInputs) {
    this.info = inputs.info;
    this.manifest = inputs.manifest;
    this.model = inputs.model;
    this.catalog = inputs.catalog;
    this.popularity = inputs.popularity;
    this.task = inputs.info.task ??
      ((inputs.model as Partial<RankingRecommender>).task === "ranking" ? "ranking" : "rating");
    this.ranker = inputs.ranking ?? this;
    this.#cacheLists = inputs.cacheLists ?? 50_000;
    this.#knownUsers = null;
    const factorsFn = (inputs.model as { factors?: () => FactorView | null }).factors;
    const view = typeof factorsFn === "function" ? factorsFn.call(inputs.model) : null;
    this.view = view && view.itemIds.length > 0 ? view : null;

    const userIds = this.view?.userIds ?? new Int32Array(0);
    const itemIds = this.view?.itemIds ?? new Int32Array(0);
    const nI = itemIds.length;
    this.#userRow = _denseRows(userIds);
    this.#itemRow = _denseRows(itemIds);
    this.#raw = _rawScoring(inputs.model, this.view);
    this.#items = this.view ? ItemScorer.of(this.view) : null; // built now, not on a request
    this.#scores = new Float32Array(nI);

    // Seen items per user row, sorted by item row, with the ratings.
    if (this.view && inputs.train) {
      const seen = _sharedSeenTable(
        inputs.train,
        { userIds, itemIds },
        this.#userRow,
        this.#itemRow,
      );
      this.#seenPtr = seen.indptr;
      this.#seenItems = seen.indices;
      this.#seenRatings = seen.values;
      // The model's own counts when it has them (what evaluate used); else these ratings'.
      const counts = new Int32Array(nI);
      for (let x = 0; x < seen.indices.length; x++) counts[seen.indices[x]!]!++;
      this.#itemCounts = this.#modelCounts() ?? counts;
    } else {
      this.#seenPtr = this.#seenItems = null;
      this.#seenRatings = null;
      this.#itemCounts = this.#modelCounts();
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
    if (!this.view && inputs.train) this.#knownUsers = new Set(inputs.train.userId);
    this.#rawIsView = this.#checkRawIsView();
  }

  /** The view's base + bias + p.q of user row `u`. */
  #viewBase(u: number): number {
    const v = this.view!;
    // As the factor models keep it: one float32 per user.
    return Math.fround(v.userMean ? v.userMean[u]! : v.globalMean + (v.userBias?.[u] ?? 0));
  }

  /**
   * True when the model's own raw scores of a few users equal the view's
   * `base + itemBias + p . q` (the plain factor models): then a known user may
   * be scored on the packed candidates only. Models with more terms (svd++,
   * blends) keep their own all-items scoring.
   */
  #checkRawIsView(): boolean {
    const v = this.view, raw = this.#raw;
    if (!v || !raw || this.task !== "rating" || v.userIds.length === 0) return false;
    const all = this.#items!;
    const mine = new Float32Array(v.itemIds.length), theirs = new Float32Array(v.itemIds.length);
    for (const u of [0, v.userIds.length >> 1, v.userIds.length - 1]) {
      raw.rawScores(v.userIds[u]!, mine);
      all.scores({ vector: v.userFactors, offset: u * v.k, base: this.#viewBase(u) }, theirs);
      for (let i = 0; i < mine.length; i++) {
        if (!(Math.abs(mine[i]! - theirs[i]!) <= 1e-3 * Math.max(1, Math.abs(mine[i]!)))) {
          return false;
        }
      }
    }
    return true;
  }

  /** The packed candidates of `floor` (built on first use), or null when packing would not pay. */
  #packedFor(floor: number): _Packed | null {
    const hit = this.#packed.get(floor);
    if (hit !== undefined) return hit;
    const v = this.view!, counts = this.#itemCounts!, k = v.k, nI = v.itemIds.length;
    const rows: number[] = [];
    for (let i = 0; i < nI; i++) if (counts[i]! >= floor) rows.push(i);
    let p: _Packed | null = null;
    if (rows.length <= nI / 2) {
      const n = rows.length;
      const itemIds = new Int32Array(n), itemFactors = new Float32Array(n * k);
      const itemNorms = new Float32Array(n), pos = new Int32Array(nI).fill(-1);
      const itemBias = v.itemBias ? new Float32Array(n) : undefined;
      for (let j = 0; j < n; j++) {
        const i = rows[j]!;
        itemIds[j] = v.itemIds[i]!;
        itemFactors.set(v.itemFactors.subarray(i * k, i * k + k), j * k);
        itemNorms[j] = v.itemNorms[i]!;
        if (itemBias) itemBias[j] = v.itemBias![i]!;
        pos[i] = j;
      }
      const view: FactorView = {
        ...v,
        itemIds,
        itemFactors,
        itemNorms,
        ...(itemBias ? { itemBias } : {}),
      };
      p = {
        scorer: ItemScorer.of(view),
        itemIds,
        pos,
        buf: new Float32Array(n),
        genres: new Map(),
      };
    }
    if (this.#packed.size >= 8) this.#packed.delete(this.#packed.keys().next().value!);
    this.#packed.set(floor, p);
    return p;
  }

  /** Ranks the packed candidates after `p.buf` was scored; `skip` are item rows (any order). */
  #rankPacked(
    p: _Packed,
    k: number,
    skip: ArrayLike<number> | null,
    genre: string | null,
  ): ScoredMovie[] {
    let packedSkip: Int32Array | undefined;
    if (skip && skip.length > 0) {
      const out: number[] = [];
      for (let x = 0; x < skip.length; x++) {
        const j = p.pos[skip[x]!]!;
        if (j >= 0) out.push(j);
      }
      packedSkip = Int32Array.from(out).sort();
    }
    let allow: Uint8Array | null = null;
    if (genre !== null) {
      allow = p.genres.get(genre) ?? null;
      if (allow === null) {
        const bits = this.#genreItems.get(genre);
        allow = new Uint8Array(p.itemIds.length);
        if (bits) {
          for (let i = 0; i < p.pos.length; i++) if (p.pos[i]! >= 0) allow[p.pos[i]!] = bits[i]!;
        }
        p.genres.set(genre, allow);
      }
    }
    return rankScores(p.buf, this.#top, {
      k,
      itemIds: p.itemIds,
      ...(packedSkip ? { skip: packedSkip } : {}),
      allow,
      clip: this.view!.ratingScale,
    });
  }

  /** Which model answers, as the answers say it. */
  get answeredBy(): AnsweredBy {
    return { name: this.info.name, version: this.info.version, task: this.task };
  }

  /** `"model":NAME,"answeredBy":{...}` as JSON text (built once), for answers joined as text. */
  get answeredByJson(): string {
    return this.#answeredByJson ??= `"model":${JSON.stringify(this.info.name)},"answeredBy":${
      JSON.stringify(this.answeredBy)
    }`;
  }

  /** The model's training count per item row (aligned with the view), when it can say. */
  #modelCounts(): Int32Array | null {
    return this.#raw && typeof this.#raw.itemCounts === "function" ? this.#raw.itemCounts() : null;
  }

  /** True when the user is in the model. */
  knowsUser(userId: number): boolean {
    if (this.view) return _rowOf(this.#userRow, userId) >= 0;
    return this.#knownUsers?.has(userId) ?? false;
  }

  /** True when the movie is in the model or the catalog. */
  knowsMovie(movieId: number): boolean {
    return (this.view !== null && _rowOf(this.#itemRow, movieId) >= 0) ||
      this.catalog.rowOf(movieId) >= 0;
  }

  /**
   * Top-`k` for a user: the model for a known user, the popular list
   * (flagged as fallback) for an unknown one. `genre` is a catalog genre name;
   * only movies with at least `minRatings` training ratings are ranked (not
   * applied to the popular fallback).
   */
  recommend(
    userId: number,
    k: number,
    options: { excludeSeen: boolean; genre: string | null; minRatings?: number },
  ): RankedAnswer {
    const l = this.recommendList(userId, k, options);
    const items: ScoredMovie[] = new Array(l.count);
    for (let j = 0; j < l.count; j++) items[j] = { movieId: l.movieIds[j]!, score: l.scores[j]! };
    return { scorer: l.scorer, fallback: l.fallback, items };
  }

  /**
   * {@linkcode recommend} as columns, without allocating per movie. A known
   * user's list (the first {@linkcode CACHED_LIST_LENGTH}) is ranked once per
   * option set and kept in a bounded LRU that lives and dies with this model,
   * so a swap invalidates it with the model; answers for `k` up to that
   * length are its prefix (the ranking is deterministic: ties go to the lower id).
   */
  recommendList(
    userId: number,
    k: number,
    options: { excludeSeen: boolean; genre: string | null; minRatings?: number },
  ): RankedList {
    const minRatings = options.minRatings ?? 0;
    if (this.#cacheLists === 0 || k > CACHED_LIST_LENGTH) {
      return _columns(this.#rank(userId, k, options, minRatings), k);
    }
    const key = `${userId}|${options.excludeSeen ? 1 : 0}|${minRatings}|${options.genre ?? ""}`;
    const lists = this.#lists;
    let hit = lists.get(key);
    if (hit === undefined) {
      const a = this.#rank(userId, CACHED_LIST_LENGTH, options, minRatings);
      if (a.fallback) return _columns(a, k); // unknown users: not cached (any id could fill it)
      hit = {
        ids: Int32Array.from(a.items, (x) => x.movieId),
        scores: Float64Array.from(a.items, (x) => x.score),
        scorer: a.scorer,
      };
      lists.set(key, hit);
      if (lists.size > this.#cacheLists) lists.delete(lists.keys().next().value!);
    } else if (lists.size > 64) {
      lists.delete(key); // most recently used last
      lists.set(key, hit);
    }
    return {
      scorer: hit.scorer,
      fallback: false,
      movieIds: hit.ids,
      scores: hit.scores,
      count: Math.min(k, hit.ids.length),
    };
  }

  /** Ranked lists kept now (tests and /metrics). */
  get cachedLists(): number {
    return this.#lists.size;
  }

  #rank(
    userId: number,
    k: number,
    options: { excludeSeen: boolean; genre: string | null },
    minRatings: number,
  ): RankedAnswer {
    const v = this.view;
    const u = v ? _rowOf(this.#userRow, userId) : -1;
    const raw = this.#raw;
    if (
      v && raw && u >= 0 && this.task === "rating" && (this.#seenPtr || !options.excludeSeen) &&
      (this.#itemCounts || minRatings === 0)
    ) {
      const p = this.#rawIsView && minRatings > 0 ? this.#packedFor(minRatings) : null;
      if (p) {
        p.scorer.scores({ vector: v.userFactors, offset: u * v.k, base: this.#viewBase(u) }, p.buf);
        const seen = options.excludeSeen
          ? this.#seenItems!.subarray(this.#seenPtr![u]!, this.#seenPtr![u + 1]!)
          : null;
        return {
          scorer: "model",
          fallback: false,
          items: this.#rankPacked(p, k, seen, options.genre),
        };
      }
      raw.rawScores(userId, this.#scores);
      const items = rankScores(this.#scores, this.#top, {
        k,
        itemIds: v.itemIds,
        ...(options.excludeSeen
          ? { skip: this.#seenItems!.subarray(this.#seenPtr![u]!, this.#seenPtr![u + 1]!) }
          : {}),
        allow: options.genre === null ? null : this.#genreItems.get(options.genre) ?? null,
        ...(this.#itemCounts ? { counts: this.#itemCounts } : {}),
        minCount: minRatings,
        clip: v.ratingScale,
      });
      return { scorer: "model", fallback: false, items };
    }
    // Models without their own factor scoring (or without training ratings) rank themselves.
    const keep = options.genre === null ? undefined : this.#catalogGenreFilter(options.genre);
    const r = this.model.recommend(userId, k, {
      excludeSeen: options.excludeSeen,
      minRatings,
      ...(keep ? { filter: keep } : {}),
    });
    if (r.ok) return { scorer: r.scorer, fallback: false, items: r.items };
    return this.#popular(k, keep);
  }

  /**
   * Top-`k` for an anonymous user from a few ratings, by folding the user into
   * the factor space; movies the user rated are left out unless `excludeRated`
   * is false. Falls back to the popular list when the model has no factors or
   * knows none of the rated movies. Only movies with at least `minRatings`
   * training ratings are ranked (when the training counts are known: always
   * for the factor models).
   */
  recommendFromRatings(
    ratings: UserRatings,
    k: number,
    options: { genre: string | null; excludeRated: boolean; minRatings?: number },
  ): FoldInAnswer {
    const keep = options.genre === null ? undefined : this.#catalogGenreFilter(options.genre);
    const ranking = this.model as Partial<RankingRecommender>;
    if (this.task === "ranking" && typeof ranking.recommendForRatings === "function") {
      // The ranking models score given ratings as they score their training users.
      const r = ranking.recommendForRatings(ratings, k, {
        excludeSeen: options.excludeRated,
        minRatings: options.minRatings ?? 0,
        ...(keep ? { filter: keep } : {}),
      });
      return {
        scorer: r.scorer,
        fallback: r.scorer !== "model",
        items: r.items,
        unknownMovieIds: r.unknownMovieIds,
      };
    }
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
    const floor = this.#itemCounts ? options.minRatings ?? 0 : 0;
    const p = floor > 0 ? this.#packedFor(floor) : null;
    if (p) {
      // Only the candidates the floor lets through are scored.
      p.scorer.scores({ vector: folded.factors, base: folded.base }, p.buf);
      const items = this.#rankPacked(
        p,
        k,
        options.excludeRated ? folded.itemIndices : null,
        options.genre,
      );
      return { scorer: "model", fallback: false, items, unknownMovieIds: folded.unknownMovieIds };
    }
    const rated = options.excludeRated ? Int32Array.from(folded.itemIndices).sort() : null;
    this.#items!.scores({ vector: folded.factors, base: folded.base }, this.#scores);
    const items = rankScores(this.#scores, this.#top, {
      k,
      itemIds: v.itemIds,
      ...(rated ? { skip: rated } : {}),
      allow: options.genre === null ? null : this.#genreItems.get(options.genre) ?? null,
      ...(this.#itemCounts ? { counts: this.#itemCounts, minCount: options.minRatings ?? 0 } : {}),
      clip: v.ratingScale,
    });
    return { scorer: "model", fallback: false, items, unknownMovieIds: folded.unknownMovieIds };
  }

  /** The `k` most similar movies by cosine of item factors; null for a movie the model lacks. */
  similar(movieId: number, k: number): ScoredMovie[] | null {
    return this.model.similar(movieId, k);
  }

  /**
   * {@linkcode similar} as columns; the first {@linkcode CACHED_LIST_LENGTH}
   * of a movie are kept in this model's bounded LRU (as the users' lists).
   */
  similarList(movieId: number, k: number): RankedList | null {
    if (this.#cacheLists === 0 || k > CACHED_LIST_LENGTH) {
      const items = this.model.similar(movieId, k);
      return items ? _columns({ scorer: "model", fallback: false, items }, k) : null;
    }
    const key = `s${movieId}`;
    const lists = this.#lists;
    let hit = lists.get(key);
    if (hit === undefined) {
      const items = this.model.similar(movieId, CACHED_LIST_LENGTH);
      if (items === null) return null;
      hit = {
        ids: Int32Array.from(items, (x) => x.movieId),
        scores: Float64Array.from(items, (x) => x.score),
        scorer: "model",
      };
      lists.set(key, hit);
      if (lists.size > this.#cacheLists) lists.delete(lists.keys().next().value!);
    }
    return {
      scorer: "model",
      fallback: false,
      movieIds: hit.ids,
      scores: hit.scores,
      count: Math.min(k, hit.ids.length),
    };
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

  /** True when the model explains a score by the rated movies behind it (the item models). */
  get explainsItems(): boolean {
    return this.task === "ranking" &&
      typeof (this.model as { explain?: unknown }).explain === "function";
  }

  /**
   * The rated movies that contributed most to an item model's score of
   * `movieId` for a training user, with their weights; null when the model
   * is not an item model or lacks the user or the movie.
   */
  explainItems(userId: number, movieId: number, k: number): ItemExplanation | null {
    if (!this.explainsItems) return null;
    const m = this.model as unknown as {
      explain(u: number, i: number, o: { k: number }): ItemExplanation | null;
    };
    return m.explain(userId, movieId, { k });
  }

  /** The first `k` movies by weighted rating, optionally of one genre. */
  popular(k: number, genre: string | null): RankedAnswer {
    return this.#popular(k, genre === null ? undefined : this.#catalogGenreFilter(genre));
  }

  /** Positions in the popular list of its first `k` movies, optionally of one genre (for /popular). */
  popularPositions(k: number, genre: string | null): number[] {
    return this.popularity.topPositions(
      k,
      genre === null ? undefined : this.#catalogGenreFilter(genre),
    );
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
    return popularFallback(this.popularity, k, test);
  }
}
