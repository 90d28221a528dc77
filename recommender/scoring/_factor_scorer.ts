/**
 * The scoring, ranking and similarity shared by every factor model (svd,
 * biased-mf, als, svd++, and the bias-only baseline as k = 0): predictions are
 * `base_u + itemBias_i + p_u . q_i`, clipped to the rating scale. The
 * all-items passes (recommend, rawScores, similar) go through
 * {@linkcode ItemScorer} (WebAssembly SIMD when available) and
 * {@linkcode rankScores}, the same pieces the API serves with.
 *
 * @module
 */
import type { FactorView } from "../core/factor_view.ts";
import type { Prediction, Recommendations, RecommendOptions, ScoredMovie } from "../core/model.ts";
import { TopK } from "./top_k.ts";
import { _dot, ItemScorer } from "./item_scorer.ts";
import { rankScores } from "./rank_scores.ts";
import { Vocabulary } from "../core/vocabulary.ts";
import { _ArtifactReader, _checkIndices, type _StoredArray } from "../core/_artifact.ts";
import type { Ratings } from "../core/ratings.ts";
import { buildCsr } from "../core/csr.ts";
import type { _SharedRawScores } from "./_raw_scoring.ts";

/** Everything a fitted factor model scores with. */
export interface _FactorParams {
  readonly users: Vocabulary;
  readonly items: Vocabulary;
  readonly k: number;
  /** `nUsers * k` row-major. */
  readonly userFactors: Float32Array;
  /** `nItems * k` row-major. */
  readonly itemFactors: Float32Array;
  /** Biased models: per-user bias. Exactly one of userBias / userMean is set. */
  readonly userBias?: Float32Array;
  /** `svd`: per-user mean rating. */
  readonly userMean?: Float32Array;
  /** Biased models: per-item bias. */
  readonly itemBias?: Float32Array;
  /** Seen items per user (CSR over dense indices), for `excludeSeen`. */
  readonly seenIndptr: Int32Array;
  readonly seenIndices: Int32Array;
  readonly globalMean: number;
  readonly ratingScale: readonly [number, number];
  readonly regularization: number;
}

/** Predict / recommend / similar over a {@linkcode _FactorParams}. */
export class _FactorScorer {
  readonly p: _FactorParams;
  readonly #base: Float32Array;
  readonly #itemBias: Float32Array;
  readonly #itemNorms: Float32Array;
  readonly #itemCounts: Int32Array;
  readonly #top = new TopK();
  readonly #biased: boolean;
  #view: FactorView | null = null;
  #buf: Float32Array | null = null;
  readonly #one = new Int32Array(1);

  constructor(p: _FactorParams) {
    const nU = p.users.size;
    const nI = p.items.size;
    if (p.userFactors.length !== nU * p.k || p.itemFactors.length !== nI * p.k) {
      throw new RangeError(
        `Cannot build factor model: factor arrays have ${p.userFactors.length} and ${p.itemFactors.length} values, expected ${
          nU * p.k
        } and ${nI * p.k}`,
      );
    }
    if (p.seenIndptr.length !== nU + 1) {
      throw new RangeError(
        `Cannot build factor model: seen index has ${p.seenIndptr.length} row offsets, expected ${
          nU + 1
        }`,
      );
    }
    this.p = p;
    this.#biased = p.userMean === undefined;
    this.#base = new Float32Array(nU);
    for (let u = 0; u < nU; u++) {
      this.#base[u] = p.userMean ? p.userMean[u]! : p.globalMean + (p.userBias?.[u] ?? 0);
    }
    this.#itemBias = p.itemBias ?? new Float32Array(nI);
    this.#itemCounts = _FactorScorer.countItems(p.seenIndices, nI);
    this.#itemNorms = new Float32Array(nI);
    const k = p.k;
    const Q = p.itemFactors;
    for (let i = 0; i < nI; i++) {
      let s = 0;
      for (let f = i * k, end = f + k; f < end; f++) s += Q[f]! * Q[f]!;
      this.#itemNorms[i] = Math.sqrt(s);
    }
  }

  /** The seen-items CSR of a training set, over the given vocabularies. */
  static seenFrom(
    train: Ratings,
    users: Vocabulary,
    items: Vocabulary,
  ): { seenIndptr: Int32Array; seenIndices: Int32Array } {
    const csr = buildCsr(users.encode(train.userId), items.encode(train.movieId), train.rating, {
      nRows: users.size,
      nCols: items.size,
    });
    return { seenIndptr: csr.indptr, seenIndices: csr.indices };
  }

  /**
   * Training ratings per dense item, counted from a seen-items CSR's column
   * indices (so a loaded model needs no extra array in its file).
   */
  static countItems(seenIndices: Int32Array, nItems: number): Int32Array {
    const counts = new Int32Array(nItems);
    for (let x = 0; x < seenIndices.length; x++) counts[seenIndices[x]!]!++;
    return counts;
  }

  /** Training ratings per dense item (shared, do not write to it). */
  itemCounts(): Int32Array {
    return this.#itemCounts;
  }

  /** Raw (unclipped) score of dense user `u` and item `i`. */
  rawScore(u: number, i: number): number {
    const k = this.p.k;
    const P = this.p.userFactors;
    const Q = this.p.itemFactors;
    return this.#base[u]! + this.#itemBias[i]! + _dot(P, u * k, Q, i * k, k);
  }

  /**
   * Writes the raw (unclipped) score of `userId` for every item into `out`;
   * an unknown user gets predict()'s fallback (`mu + b_i` for biased models,
   * the global mean otherwise). Returns whether the user is known.
   */
  rawScores(userId: number, out: Float32Array): boolean {
    const nI = this.p.items.size;
    if (out.length < nI) {
      throw new RangeError(
        `Cannot score items: the output buffer holds ${out.length} values, need ${nI}`,
      );
    }
    const u = this.p.users.indexOf(userId);
    const bias = this.#itemBias;
    if (u < 0) {
      const mu = this.p.globalMean;
      if (this.#biased) {
        for (let i = 0; i < nI; i++) out[i] = mu + bias[i]!;
      } else out.fill(mu, 0, nI);
      return false;
    }
    ItemScorer.of(this.factors()).scores(
      { vector: this.p.userFactors, offset: u * this.p.k, base: this.#base[u]! },
      out,
    );
    return true;
  }

  /**
   * Without factors (k = 0), a known user's raw scores are `base_u +
   * itemBias_i` rounded to float32: the item biases shifted per user
   * ({@linkcode _SharedRawScores}); null with factors.
   */
  sharedRawScores(): _SharedRawScores | null {
    if (this.p.k !== 0) return null;
    const scores = this.factors().itemBias ?? new Float32Array(this.p.items.size);
    const base = this.#base, users = this.p.users;
    return {
      scores,
      knows: (userId) => users.indexOf(userId) >= 0,
      userOffset: (userId) => base[users.indexOf(userId)]!,
    };
  }

  /** Dense indices, ascending, of the items `userId` rated in training (empty when unknown). */
  seenItems(userId: number): Int32Array {
    const u = this.p.users.indexOf(userId);
    if (u < 0) return this.p.seenIndices.subarray(0, 0);
    return this.p.seenIndices.subarray(this.p.seenIndptr[u]!, this.p.seenIndptr[u + 1]!);
  }

  /** Clips a rating to the scale. */
  clip(r: number): number {
    const [lo, hi] = this.p.ratingScale;
    return r < lo ? lo : r > hi ? hi : r;
  }

  predict(userId: number, movieId: number): Prediction {
    const u = this.p.users.indexOf(userId);
    const i = this.p.items.indexOf(movieId);
    if (u >= 0 && i >= 0) {
      return { userId, movieId, rating: this.clip(this.rawScore(u, i)), scorer: "model" };
    }
    if (u >= 0) {
      return {
        userId,
        movieId,
        rating: this.clip(this.#base[u]!),
        scorer: this.#biased ? "baseline" : "user-mean",
      };
    }
    if (i >= 0 && this.#biased) {
      return {
        userId,
        movieId,
        rating: this.clip(this.p.globalMean + this.#itemBias[i]!),
        scorer: "baseline",
      };
    }
    return { userId, movieId, rating: this.clip(this.p.globalMean), scorer: "global-mean" };
  }

  recommend(userId: number, k: number, options: RecommendOptions = {}): Recommendations {
    const u = this.p.users.indexOf(userId);
    if (u < 0) return { ok: false, reason: "unknown-user" };
    const buf = this.#buf ?? (this.#buf = new Float32Array(this.p.items.size));
    this.rawScores(userId, buf);
    const items = rankScores(buf, this.#top, {
      k,
      itemIds: this.p.items.ids,
      ...((options.excludeSeen ?? true) ? { skip: this.seenItems(userId) } : {}),
      ...(options.filter ? { filter: options.filter } : {}),
      counts: this.#itemCounts,
      minCount: options.minRatings ?? 0,
      clip: this.p.ratingScale,
    });
    return { ok: true, items, scorer: "model" };
  }

  similar(movieId: number, k: number): ScoredMovie[] | null {
    const i = this.p.items.indexOf(movieId);
    if (i < 0) return null;
    if (this.p.k === 0) return [];
    this.#one[0] = i;
    return rankScores(ItemScorer.of(this.factors()).cosines(i), this.#top, {
      k,
      itemIds: this.p.items.ids,
      skip: this.#one,
    });
  }

  /**
   * The read-only factor view (arrays are shared, not copied: do not write to
   * them). The same object on every call, so {@linkcode ItemScorer.of} finds
   * the scorer this model ranks with.
   */
  factors(): FactorView {
    if (this.#view) return this.#view;
    const p = this.p;
    return this.#view = {
      k: p.k,
      userIds: p.users.ids,
      itemIds: p.items.ids,
      userFactors: p.userFactors,
      itemFactors: p.itemFactors,
      itemNorms: this.#itemNorms,
      ...(p.userBias ? { userBias: p.userBias } : {}),
      ...(p.itemBias ? { itemBias: p.itemBias } : {}),
      ...(p.userMean ? { userMean: p.userMean } : {}),
      globalMean: p.globalMean,
      ratingScale: p.ratingScale,
      regularization: p.regularization,
    };
  }

  /** The arrays to store in a model file. */
  toArrays(): Array<{ name: string; array: _StoredArray; shape?: number[] }> {
    const p = this.p;
    const out: Array<{ name: string; array: _StoredArray; shape?: number[] }> = [
      { name: "userIds", array: p.users.ids },
      { name: "itemIds", array: p.items.ids },
      { name: "userFactors", array: p.userFactors, shape: [p.users.size, p.k] },
      { name: "itemFactors", array: p.itemFactors, shape: [p.items.size, p.k] },
      { name: "seenIndptr", array: p.seenIndptr },
      { name: "seenIndices", array: p.seenIndices },
    ];
    if (p.userBias) out.push({ name: "userBias", array: p.userBias });
    if (p.userMean) out.push({ name: "userMean", array: p.userMean });
    if (p.itemBias) out.push({ name: "itemBias", array: p.itemBias });
    return out;
  }

  /** Rebuilds a scorer from a validated artifact, checking every array's size and indices. */
  static fromReader(r: _ArtifactReader, regularization: number): _FactorScorer {
    const users = Vocabulary.fromSortedIds(r.int32("userIds"));
    const items = Vocabulary.fromSortedIds(r.int32("itemIds"));
    const nU = users.size;
    const nI = items.size;
    const seenIndptr = r.int32("seenIndptr", nU + 1);
    const seenIndices = r.int32("seenIndices");
    if (seenIndptr[0] !== 0 || seenIndptr[nU] !== seenIndices.length) {
      throw new RangeError(
        `Cannot load model: array "seenIndptr" does not describe the ${seenIndices.length} seen entries`,
      );
    }
    for (let u = 0; u < nU; u++) {
      if (seenIndptr[u + 1]! < seenIndptr[u]!) {
        throw new RangeError(`Cannot load model: array "seenIndptr" decreases at row ${u}`);
      }
    }
    _checkIndices("seenIndices", seenIndices, nI);
    const m = r.manifest;
    const userFactors = r.float32("userFactors");
    const k = nU > 0 ? userFactors.length / nU : 0;
    if (!Number.isInteger(k)) {
      throw new RangeError(
        `Cannot load model: array "userFactors" has ${userFactors.length} values, not a multiple of ${nU} users`,
      );
    }
    return new _FactorScorer({
      users,
      items,
      k,
      userFactors,
      itemFactors: r.float32("itemFactors", nI * k),
      ...(r.has("userBias") ? { userBias: r.float32("userBias", nU) } : {}),
      ...(r.has("userMean") ? { userMean: r.float32("userMean", nU) } : {}),
      ...(r.has("itemBias") ? { itemBias: r.float32("itemBias", nI) } : {}),
      seenIndptr,
      seenIndices,
      globalMean: m.globalMean,
      ratingScale: [m.ratingScale[0], m.ratingScale[1]],
      regularization,
    });
  }
}
