/**
 * The scoring, ranking and similarity shared by every factor model (svd,
 * biased-mf, als, svd++, and the bias-only baseline as k = 0): predictions are
 * `base_u + itemBias_i + p_u . q_i`, clipped to the rating scale.
 *
 * @module
 */
import type { FactorView } from "./factor_view.ts";
import type { Prediction, Recommendations, RecommendOptions, ScoredMovie } from "./model.ts";
import { TopK } from "./top_k.ts";
import { Vocabulary } from "./vocabulary.ts";
import { _ArtifactReader, _checkIndices, type _StoredArray } from "./_artifact.ts";
import type { Ratings } from "./ratings.ts";
import { buildCsr } from "./csr.ts";

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
  readonly #top = new TopK();
  readonly #biased: boolean;

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
    const kf = this.p.k;
    const P = this.p.userFactors;
    const Q = this.p.itemFactors;
    const base = this.#base[u]!;
    const pu = u * kf;
    for (let i = 0; i < nI; i++) out[i] = base + bias[i]! + _dot(P, pu, Q, i * kf, kf);
    return true;
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
    const excludeSeen = options.excludeSeen ?? true;
    const filter = options.filter;
    const nI = this.p.items.size;
    const kf = this.p.k;
    const P = this.p.userFactors;
    const Q = this.p.itemFactors;
    const ids = this.p.items.ids;
    const bias = this.#itemBias;
    const base = this.#base[u]!;
    const seen = this.p.seenIndices;
    let sp = this.p.seenIndptr[u]!;
    const spEnd = this.p.seenIndptr[u + 1]!;
    const top = this.#top;
    top.reset(Math.max(0, Math.min(k, nI)));
    const pu = u * kf;
    for (let i = 0; i < nI; i++) {
      if (excludeSeen) {
        while (sp < spEnd && seen[sp]! < i) sp++;
        if (sp < spEnd && seen[sp] === i) continue;
      }
      if (filter && !filter(ids[i]!)) continue;
      top.push(i, base + bias[i]! + _dot(P, pu, Q, i * kf, kf));
    }
    const { indices, scores } = top.drain();
    const items: ScoredMovie[] = new Array(indices.length);
    for (let j = 0; j < indices.length; j++) {
      items[j] = { movieId: ids[indices[j]!]!, score: this.clip(scores[j]!) };
    }
    return { ok: true, items, scorer: "model" };
  }

  similar(movieId: number, k: number): ScoredMovie[] | null {
    const i = this.p.items.indexOf(movieId);
    if (i < 0) return null;
    const kf = this.p.k;
    if (kf === 0) return [];
    const Q = this.p.itemFactors;
    const norms = this.#itemNorms;
    const ni = norms[i]!;
    const nI = this.p.items.size;
    const top = this.#top;
    top.reset(Math.max(0, Math.min(k, nI - 1)));
    for (let j = 0; j < nI; j++) {
      if (j === i) continue;
      const d = ni * norms[j]!;
      top.push(j, d > 0 ? _dot(Q, i * kf, Q, j * kf, kf) / d : 0);
    }
    const { indices, scores } = top.drain();
    const ids = this.p.items.ids;
    const out: ScoredMovie[] = new Array(indices.length);
    for (let j = 0; j < indices.length; j++) {
      out[j] = { movieId: ids[indices[j]!]!, score: scores[j]! };
    }
    return out;
  }

  /** The read-only factor view (arrays are shared, not copied: do not write to them). */
  factors(): FactorView {
    const p = this.p;
    return {
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

/** Dot product of `k` floats at `a[ao..]` and `b[bo..]`, unrolled by 4. */
export function _dot(a: Float32Array, ao: number, b: Float32Array, bo: number, k: number): number {
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
