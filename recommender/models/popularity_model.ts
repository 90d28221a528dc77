/**
 * `popularity`: the non-personalised model. Predicts each movie's weighted
 * rating and recommends the popular list (see {@linkcode PopularList}),
 * leaving out what a known user has already rated.
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
  Recommender,
  RecommendOptions,
  ScoredMovie,
} from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { popularConfigSchema, PopularList } from "../scoring/popular_list.ts";
import { _sharedEncoding, _sharedSeenArrays } from "./_fit_setup.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import { _ArtifactReader, _checkIndices, _packArtifact } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";
import { Vocabulary } from "../core/vocabulary.ts";
import type { _RawScoring, _SharedRawScores } from "../scoring/_raw_scoring.ts";

/** Config of {@linkcode Popularity} (that of the popular list). */
export const popularityConfigSchema = popularConfigSchema;

/**
 * The `popularity` model. It answers every user, known or not, with scorer
 * `popularity`; `similar()` has nothing to offer and returns an empty list.
 *
 * @example
 * ```ts
 * import { Popularity } from "./popularity_model.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new Popularity({ m: 0 });
 * m.fit(ratingsFromColumns({ userId: [1, 2], movieId: [10, 20], rating: [4, 2] }));
 * const r = m.recommend(99, 1);
 * if (!r.ok || r.items[0]!.movieId !== 10) throw new Error("expected movie 10 first");
 * ```
 */
export class Popularity implements Recommender, _RawScoring {
  readonly name = "popularity";
  readonly config: z.output<typeof popularityConfigSchema>;
  readonly history: readonly EpochRecord[] = [];
  #list: PopularList | null = null;
  #users: Vocabulary | null = null;
  #items: Vocabulary | null = null;
  #seenIndptr: Int32Array = new Int32Array(1);
  #seenIndices: Int32Array = new Int32Array(0);
  #scale: readonly [number, number] = [0.5, 5];
  #hash: string | undefined;
  /** Dense item index of each popular-list position (-1 when not in the vocabulary). */
  #rankItem: Int32Array = new Int32Array(0);
  /** Raw score of each dense item (its weighted rating, the global mean when unlisted). */
  #raw: Float32Array = new Float32Array(0);
  /** Training ratings per dense item (from the seen lists). */
  #counts: Int32Array = new Int32Array(0);

  constructor(config: z.input<typeof popularityConfigSchema> = {}) {
    this.config = _parseConfig(popularityConfigSchema, config, "popularity");
  }

  /** The fitted popular list. */
  get list(): PopularList {
    if (!this.#list) {
      throw new Error('Model "popularity" is not fitted: call fit() or load() first');
    }
    return this.#list;
  }

  fit(train: Ratings, _options: FitOptions = {}): void {
    const d = _sharedEncoding(train, this.name);
    this.#list = PopularList.fromRatings(train, this.config);
    this.#users = d.users;
    this.#items = d.items;
    const seen = _sharedSeenArrays(train, this.name);
    this.#seenIndptr = seen.seenIndptr;
    this.#seenIndices = seen.seenIndices;
    this.#scale = d.ratingScale;
    this.#hash = d.hash;
    this.#index();
  }

  /** Builds the list-position -> dense-item map and the raw scores (after fit or load). */
  #index(): void {
    const list = this.list;
    const items = this.#items!;
    this.#counts = _FactorScorer.countItems(this.#seenIndices, items.size);
    this.#rankItem = Int32Array.from(list.movieIds, (id) => items.indexOf(id));
    this.#raw = new Float32Array(items.size).fill(list.globalMean);
    for (let j = 0; j < this.#rankItem.length; j++) {
      const i = this.#rankItem[j]!;
      if (i >= 0) this.#raw[i] = list.scores[j]!;
    }
  }

  predict(userId: number, movieId: number): Prediction {
    const list = this.list;
    const s = list.score(movieId);
    const [lo, hi] = this.#scale;
    const clip = (r: number) => (r < lo ? lo : r > hi ? hi : r);
    return s === undefined
      ? { userId, movieId, rating: clip(list.globalMean), scorer: "global-mean" }
      : { userId, movieId, rating: clip(s), scorer: "popularity" };
  }

  recommend(userId: number, k: number, options: RecommendOptions = {}): Recommendations {
    const list = this.list;
    const u = this.#users!.indexOf(userId);
    // the user's seen items: a sorted slice of dense indices, searched in place (no per-call set)
    let lo = 0, hi = 0;
    if (u >= 0 && (options.excludeSeen ?? true)) {
      lo = this.#seenIndptr[u]!;
      hi = this.#seenIndptr[u + 1]!;
    }
    const seen = this.#seenIndices;
    const rankItem = this.#rankItem;
    const ids = list.movieIds;
    const scores = list.scores;
    const filter = options.filter;
    const minRatings = options.minRatings ?? 0;
    const votes = list.votes; // training ratings per list position
    const items: ScoredMovie[] = [];
    for (let j = 0; j < ids.length && items.length < k; j++) {
      if (votes[j]! < minRatings) continue;
      if (hi > lo && _sortedHas(seen, lo, hi, rankItem[j]!)) continue;
      const id = ids[j]!;
      if (filter && !filter(id)) continue;
      items.push({ movieId: id, score: scores[j]! });
    }
    return { ok: true, items, scorer: "popularity" };
  }

  /** The item ids {@linkcode rawScores} scores, ascending. */
  rawItemIds(): Int32Array {
    return this.#fittedItems().ids;
  }

  #fittedItems(): Vocabulary {
    if (!this.#list || !this.#items) {
      throw new Error('Model "popularity" is not fitted: call fit() or load() first');
    }
    return this.#items;
  }

  /** Writes every item's weighted rating (unclipped) into `out`; it answers every user. */
  rawScores(_userId: number, out: Float32Array): boolean {
    this.#fittedItems();
    if (out.length < this.#raw.length) {
      throw new RangeError(
        `Cannot score items: the output buffer holds ${out.length} values, need ${this.#raw.length}`,
      );
    }
    out.set(this.#raw);
    return true;
  }

  /** Every user gets the same weighted ratings (see {@linkcode _RawScoring.sharedRawScores}). */
  sharedRawScores(): _SharedRawScores {
    this.#fittedItems();
    return { scores: this.#raw, knows: () => true };
  }

  /** Training ratings per item of {@linkcode rawItemIds} (shared, do not write to it). */
  itemCounts(): Int32Array {
    this.#fittedItems();
    return this.#counts;
  }

  /** Dense indices, ascending, of the items the user rated in training (empty when unknown). */
  seenItems(userId: number): Int32Array {
    const u = this.#users?.indexOf(userId) ?? -1;
    if (u < 0) return this.#seenIndices.subarray(0, 0);
    return this.#seenIndices.subarray(this.#seenIndptr[u]!, this.#seenIndptr[u + 1]!);
  }

  similar(movieId: number, _k: number): ScoredMovie[] | null {
    return this.list.score(movieId) === undefined ? null : [];
  }

  save(): Promise<ModelArtifact> {
    const list = this.list;
    return Promise.resolve(_packArtifact({
      model: this.name,
      config: { ...this.config },
      ratingScale: [this.#scale[0], this.#scale[1]],
      globalMean: list.globalMean,
      ...(this.#hash ? { trainDataHash: this.#hash } : {}),
      extra: { m: list.m },
    }, [
      { name: "movieIds", array: list.movieIds },
      { name: "scores", array: list.scores },
      { name: "votes", array: list.votes },
      { name: "userIds", array: this.#users!.ids },
      { name: "itemIds", array: this.#items!.ids },
      { name: "seenIndptr", array: this.#seenIndptr },
      { name: "seenIndices", array: this.#seenIndices },
    ]));
  }

  /** Loads a saved `popularity` model, validating the file. */
  static load(artifact: ModelArtifact): Popularity {
    const r = new _ArtifactReader(artifact, "popularity");
    const m = new Popularity(r.manifest.config as z.input<typeof popularityConfigSchema>);
    const movieIds = r.int32("movieIds");
    const prior = Number(r.manifest.extra.m);
    if (!Number.isFinite(prior)) {
      throw new RangeError('Cannot load model: extra "m" is not a number');
    }
    m.#list = PopularList.fromArrays({
      movieIds,
      scores: r.float32("scores", movieIds.length),
      votes: r.int32("votes", movieIds.length),
      m: prior,
      globalMean: r.manifest.globalMean,
    });
    m.#users = Vocabulary.fromSortedIds(r.int32("userIds"));
    m.#items = Vocabulary.fromSortedIds(r.int32("itemIds"));
    m.#seenIndptr = r.int32("seenIndptr", m.#users.size + 1);
    m.#seenIndices = r.int32("seenIndices");
    if (m.#seenIndptr[m.#users.size] !== m.#seenIndices.length) {
      throw new RangeError('Cannot load model: array "seenIndptr" does not match "seenIndices"');
    }
    _checkIndices("seenIndices", m.#seenIndices, m.#items.size);
    for (let u = 0; u < m.#users.size; u++) {
      for (let p = m.#seenIndptr[u]! + 1; p < m.#seenIndptr[u + 1]!; p++) {
        if (m.#seenIndices[p]! < m.#seenIndices[p - 1]!) {
          throw new RangeError(
            `Cannot load model: array "seenIndices" is not sorted in row ${u}`,
          );
        }
      }
    }
    m.#scale = [r.manifest.ratingScale[0], r.manifest.ratingScale[1]];
    m.#hash = r.manifest.trainDataHash;
    m.#index();
    return m;
  }
}

/** True when `x` occurs in the ascending slice `a[lo..hi)` (binary search). */
function _sortedHas(a: Int32Array, lo: number, hi: number, x: number): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid;
  }
  return false;
}
