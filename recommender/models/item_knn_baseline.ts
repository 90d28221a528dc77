/**
 * `item-knn-baseline`: the item-item neighbourhood model on baseline
 * residuals of Surprise's `KNNBaseline` (Koren 2010, section 2.2):
 *
 *   r_ui = b_ui + sum_{j in N^k_i(u)} s_ij (r_uj - b_uj) / sum_{j in N^k_i(u)} s_ij
 *
 * with the baseline `b_ui = mu + b_u + b_i` fitted by regularised ALS (as
 * `baseline`), and `s_ij` the shrunk Pearson correlation of the baseline
 * residuals over the users who rated both movies,
 * `(n_ij - 1) / (n_ij - 1 + shrinkage) * pearson`. `N^k_i(u)` holds the `k`
 * movies the user rated that are most similar to `i` (positive similarity
 * only). Each movie keeps its `neighbours` most similar movies (the top of
 * the full similarity row), which bounds the model file and the scoring cost.
 * Every prediction is explainable: {@linkcode ItemKnnBaseline.explain} lists
 * the rated movies it was built from.
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
import { _sharedEncoding } from "./_fit_setup.ts";
import { fitBiases } from "./baseline_only.ts";
import { buildCsr } from "../core/csr.ts";
import { TopK } from "../scoring/top_k.ts";
import { rankScores } from "../scoring/rank_scores.ts";
import { Vocabulary } from "../core/vocabulary.ts";
import { _ArtifactReader, _checkIndices, _packArtifact } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";
import type { _RawScoring } from "../scoring/_raw_scoring.ts";

/** Config of {@linkcode ItemKnnBaseline}. */
export const itemKnnBaselineConfigSchema = z.object({
  /** Neighbours per prediction: the user's `k` rated movies most similar to the target. */
  k: z.number().int().positive().max(1000).default(40).meta({
    tune: { min: 5, max: 200, log: true },
  }),
  /** Fewer usable neighbours than this: the prediction is the baseline alone. */
  minK: z.number().int().positive().max(100).default(1),
  /** Shrinkage of the Pearson correlation towards 0 (in common raters). */
  shrinkage: z.number().nonnegative().max(10000).default(100).meta({
    tune: { min: 1, max: 1000, log: true },
  }),
  /** Pairs rated by fewer common users get no similarity. */
  minSupport: z.number().int().min(1).max(1000).default(2).meta({ tune: { min: 1, max: 10 } }),
  /** Most similar movies kept per movie (the candidates of every neighbourhood). */
  neighbours: z.number().int().positive().max(10000).default(300),
  /** Baseline ALS passes. */
  baselineEpochs: z.number().int().positive().max(1000).default(10),
  /** Shrinkage of the user biases (pseudo-ratings). */
  regUser: z.number().nonnegative().max(1e6).default(15).meta({
    tune: { min: 1, max: 50, log: true },
  }),
  /** Shrinkage of the item biases (pseudo-ratings). */
  regItem: z.number().nonnegative().max(1e6).default(10).meta({
    tune: { min: 1, max: 50, log: true },
  }),
}).strict();

/** Parsed config of {@linkcode ItemKnnBaseline}. */
export type ItemKnnBaselineConfig = z.output<typeof itemKnnBaselineConfigSchema>;

/** One neighbour behind a prediction. */
export interface NeighbourContribution {
  readonly movieId: number;
  /** The user's rating of that movie. */
  readonly rating: number;
  /** Its shrunk Pearson similarity to the target movie. */
  readonly similarity: number;
  /** Its share of the prediction: `s_ij (r_uj - b_uj) / sum s`. */
  readonly contribution: number;
}

/** The explanation of one prediction: the baseline and the neighbours' shares. */
export interface NeighbourExplanation {
  readonly prediction: Prediction;
  /** `mu + b_u + b_i` (the known parts). */
  readonly baseline: number;
  readonly neighbours: NeighbourContribution[];
}

interface _Fitted {
  readonly users: Vocabulary;
  readonly items: Vocabulary;
  readonly mu: number;
  readonly scale: readonly [number, number];
  readonly userBias: Float32Array;
  readonly itemBias: Float32Array;
  /** Seen items per user (ascending dense item indices) and their baseline residuals. */
  readonly seenIndptr: Int32Array;
  readonly seenIndices: Int32Array;
  readonly seenResiduals: Float32Array;
  readonly seenRatings: Float32Array;
  /** Neighbours per item, most similar first. */
  readonly nbrIndptr: Int32Array;
  readonly nbrIndices: Int32Array;
  readonly nbrSims: Float32Array;
  readonly itemCounts: Int32Array;
}

/**
 * The `item-knn-baseline` model.
 *
 * @example
 * ```ts
 * import { ItemKnnBaseline } from "./item_knn_baseline.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new ItemKnnBaseline({ minSupport: 1, shrinkage: 0 });
 * m.fit(ratingsFromColumns({
 *   userId: [1, 1, 2, 2, 3, 3], movieId: [10, 20, 10, 20, 10, 20], rating: [5, 5, 1, 1, 4, 4],
 * }));
 * const e = m.explain(1, 20);
 * if (e === null || e.neighbours[0]?.movieId !== 10) throw new Error();
 * ```
 */
export class ItemKnnBaseline implements Recommender, _RawScoring {
  readonly name = "item-knn-baseline";
  readonly config: ItemKnnBaselineConfig;
  history: EpochRecord[] = [];
  #f: _Fitted | null = null;
  #hash: string | undefined;
  #extra: Record<string, unknown> = {};
  readonly #top = new TopK();
  #buf: Float32Array | null = null;
  #dense: Float32Array | null = null;

  constructor(config: z.input<typeof itemKnnBaselineConfigSchema> = {}) {
    this.config = _parseConfig(itemKnnBaselineConfigSchema, config, "item-knn-baseline");
  }

  /** Facts recorded by fit (neighbour pairs kept, fit seconds). */
  get extra(): Readonly<Record<string, unknown>> {
    return this.#extra;
  }

  fit(train: Ratings, _options: FitOptions = {}): void {
    const t0 = performance.now();
    const c = this.config;
    const d = _sharedEncoding(train, this.name);
    const nU = d.users.size, nI = d.items.size, n = d.r.length;
    const { userBias, itemBias } = fitBiases(
      { u: d.u, i: d.i, r: d.r, nUsers: nU, nItems: nI, mu: d.globalMean },
      { epochs: c.baselineEpochs, regUser: c.regUser, regItem: c.regItem },
    );
    const residual = new Float32Array(n);
    for (let e = 0; e < n; e++) {
      residual[e] = d.r[e]! - d.globalMean - userBias[d.u[e]!]! - itemBias[d.i[e]!]!;
    }
    const byUser = buildCsr(d.u, d.i, residual, { nRows: nU, nCols: nI });
    const byUserRating = buildCsr(d.u, d.i, d.r, { nRows: nU, nCols: nI });
    const byItem = buildCsr(d.i, d.u, residual, { nRows: nI, nCols: nU });
    const num = new Float64Array(nI), si = new Float64Array(nI), sj = new Float64Array(nI);
    const cnt = new Int32Array(nI);
    const touched = new Int32Array(nI);
    const top = new TopK();
    const indptr = new Int32Array(nI + 1);
    const chunks: Array<{ idx: Int32Array; sim: Float32Array }> = [];
    const M = c.neighbours;
    for (let i = 0; i < nI; i++) {
      let nt = 0;
      for (let a = byItem.indptr[i]!, aEnd = byItem.indptr[i + 1]!; a < aEnd; a++) {
        const u = byItem.indices[a]!;
        const ei = byItem.values[a]!;
        const ei2 = ei * ei;
        for (let b = byUser.indptr[u]!, bEnd = byUser.indptr[u + 1]!; b < bEnd; b++) {
          const j = byUser.indices[b]!;
          if (j === i) continue;
          const ej = byUser.values[b]!;
          if (cnt[j] === 0) touched[nt++] = j;
          cnt[j]!++;
          num[j]! += ei * ej;
          si[j]! += ei2;
          sj[j]! += ej * ej;
        }
      }
      top.reset(M);
      for (let x = 0; x < nt; x++) {
        const j = touched[x]!;
        const nij = cnt[j]!;
        if (nij >= c.minSupport) {
          const den = Math.sqrt(si[j]! * sj[j]!);
          if (den > 0) {
            const sim = (num[j]! / den) * ((nij - 1) / (nij - 1 + c.shrinkage));
            if (sim > 0) top.push(j, sim);
          }
        }
        cnt[j] = 0;
        num[j] = 0;
        si[j] = 0;
        sj[j] = 0;
      }
      const { indices, scores } = top.drain();
      chunks.push({ idx: Int32Array.from(indices), sim: Float32Array.from(scores) });
      indptr[i + 1] = indptr[i]! + indices.length;
    }
    const nbrIndices = new Int32Array(indptr[nI]!);
    const nbrSims = new Float32Array(indptr[nI]!);
    chunks.forEach((ch, i) => {
      nbrIndices.set(ch.idx, indptr[i]!);
      nbrSims.set(ch.sim, indptr[i]!);
    });
    const itemCounts = new Int32Array(nI);
    for (let x = 0; x < byUser.indices.length; x++) itemCounts[byUser.indices[x]!]!++;
    this.#f = {
      users: d.users,
      items: d.items,
      mu: d.globalMean,
      scale: d.ratingScale,
      userBias,
      itemBias,
      seenIndptr: byUser.indptr,
      seenIndices: byUser.indices,
      seenResiduals: byUser.values,
      seenRatings: byUserRating.values,
      nbrIndptr: indptr,
      nbrIndices,
      nbrSims,
      itemCounts,
    };
    this.#hash = d.hash;
    this.#buf = null;
    this.#dense = null;
    this.history = [];
    this.#extra = {
      neighbourPairs: nbrIndices.length,
      fitSeconds: (performance.now() - t0) / 1000,
    };
  }

  #fitted(): _Fitted {
    if (!this.#f) {
      throw new Error(`Model "${this.name}" is not fitted: call fit() or load() first`);
    }
    return this.#f;
  }

  #clip(r: number): number {
    const [lo, hi] = this.#fitted().scale;
    return r < lo ? lo : r > hi ? hi : r;
  }

  /** The position of item `j` in user `u`'s seen list, or -1 (binary search). */
  #seenAt(f: _Fitted, u: number, j: number): number {
    let lo = f.seenIndptr[u]!, hi = f.seenIndptr[u + 1]! - 1;
    const idx = f.seenIndices;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = idx[mid]!;
      if (v === j) return mid;
      if (v < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The neighbourhood term of dense (u, i) with the user's positions; NaN when below minK. */
  #neighbourhood(f: _Fitted, u: number, i: number, out?: NeighbourContribution[]): number {
    const k = this.config.k;
    let found = 0, sw = 0, s = 0;
    for (let x = f.nbrIndptr[i]!, end = f.nbrIndptr[i + 1]!; x < end && found < k; x++) {
      const at = this.#seenAt(f, u, f.nbrIndices[x]!);
      if (at < 0) continue;
      const sim = f.nbrSims[x]!;
      sw += sim;
      s += sim * f.seenResiduals[at]!;
      found++;
      out?.push({
        movieId: f.items.idAt(f.nbrIndices[x]!),
        rating: f.seenRatings[at]!,
        similarity: sim,
        contribution: sim * f.seenResiduals[at]!,
      });
    }
    if (found < this.config.minK || sw <= 0) return NaN;
    if (out) { for (const o of out) (o as { contribution: number }).contribution /= sw; }
    return s / sw;
  }

  predict(userId: number, movieId: number): Prediction {
    const f = this.#fitted();
    const u = f.users.indexOf(userId), i = f.items.indexOf(movieId);
    const base = f.mu + (u >= 0 ? f.userBias[u]! : 0) + (i >= 0 ? f.itemBias[i]! : 0);
    if (u >= 0 && i >= 0) {
      const nb = this.#neighbourhood(f, u, i);
      return {
        userId,
        movieId,
        rating: this.#clip(Number.isNaN(nb) ? base : base + nb),
        scorer: Number.isNaN(nb) ? "baseline" : "model",
      };
    }
    const scorer = u >= 0 || i >= 0 ? "baseline" : "global-mean";
    return { userId, movieId, rating: this.#clip(base), scorer };
  }

  /**
   * The prediction for a known pair with the rated movies it was built from
   * (most similar first); null when the user or the movie is unknown.
   */
  explain(userId: number, movieId: number): NeighbourExplanation | null {
    const f = this.#fitted();
    const u = f.users.indexOf(userId), i = f.items.indexOf(movieId);
    if (u < 0 || i < 0) return null;
    const neighbours: NeighbourContribution[] = [];
    const nb = this.#neighbourhood(f, u, i, neighbours);
    return {
      prediction: this.predict(userId, movieId),
      baseline: f.mu + f.userBias[u]! + f.itemBias[i]!,
      neighbours: Number.isNaN(nb) ? [] : neighbours,
    };
  }

  rawItemIds(): Int32Array {
    return this.#fitted().items.ids;
  }

  /** Raw scores of every item for a user (see {@linkcode _RawScoring}); dense lookups, no search. */
  rawScores(userId: number, out: Float32Array, counts?: { min: number }): boolean {
    const f = this.#fitted();
    const nI = f.items.size;
    if (out.length < nI) {
      throw new RangeError(
        `Cannot score items: the output buffer holds ${out.length} values, need ${nI}`,
      );
    }
    const u = f.users.indexOf(userId);
    if (u < 0) {
      for (let i = 0; i < nI; i++) out[i] = f.mu + f.itemBias[i]!;
      return false;
    }
    const dense = this.#dense ?? (this.#dense = new Float32Array(nI).fill(NaN));
    const s0 = f.seenIndptr[u]!, s1 = f.seenIndptr[u + 1]!;
    for (let x = s0; x < s1; x++) dense[f.seenIndices[x]!] = f.seenResiduals[x]!;
    const base = f.mu + f.userBias[u]!;
    const k = this.config.k, minK = this.config.minK, min = counts?.min ?? 0;
    for (let i = 0; i < nI; i++) {
      const b = base + f.itemBias[i]!;
      if (f.itemCounts[i]! < min) {
        out[i] = b;
        continue;
      }
      let found = 0, sw = 0, s = 0;
      for (let x = f.nbrIndptr[i]!, end = f.nbrIndptr[i + 1]!; x < end && found < k; x++) {
        const r = dense[f.nbrIndices[x]!]!;
        if (r !== r) continue; // NaN: not rated
        const sim = f.nbrSims[x]!;
        sw += sim;
        s += sim * r;
        found++;
      }
      out[i] = found >= minK && sw > 0 ? b + s / sw : b;
    }
    for (let x = s0; x < s1; x++) dense[f.seenIndices[x]!] = NaN;
    return true;
  }

  seenItems(userId: number): Int32Array {
    const f = this.#fitted();
    const u = f.users.indexOf(userId);
    if (u < 0) return f.seenIndices.subarray(0, 0);
    return f.seenIndices.subarray(f.seenIndptr[u]!, f.seenIndptr[u + 1]!);
  }

  itemCounts(): Int32Array {
    return this.#fitted().itemCounts;
  }

  recommend(userId: number, k: number, options: RecommendOptions = {}): Recommendations {
    const f = this.#fitted();
    if (f.users.indexOf(userId) < 0) return { ok: false, reason: "unknown-user" };
    const buf = this.#buf ?? (this.#buf = new Float32Array(f.items.size));
    const minRatings = options.minRatings ?? 0;
    // movies below minRatings are never ranked: skip their neighbourhoods
    this.rawScores(userId, buf, { min: minRatings });
    const items = rankScores(buf, this.#top, {
      k,
      itemIds: f.items.ids,
      ...((options.excludeSeen ?? true) ? { skip: this.seenItems(userId) } : {}),
      ...(options.filter ? { filter: options.filter } : {}),
      counts: f.itemCounts,
      minCount: minRatings,
      clip: f.scale,
    });
    return { ok: true, items, scorer: "model" };
  }

  /** The `k` most similar movies by the shrunk Pearson similarity; null for an unknown movie. */
  similar(movieId: number, k: number): ScoredMovie[] | null {
    const f = this.#fitted();
    const i = f.items.indexOf(movieId);
    if (i < 0) return null;
    const out: ScoredMovie[] = [];
    for (let x = f.nbrIndptr[i]!, end = f.nbrIndptr[i + 1]!; x < end && out.length < k; x++) {
      out.push({ movieId: f.items.idAt(f.nbrIndices[x]!), score: f.nbrSims[x]! });
    }
    return out;
  }

  save(): Promise<ModelArtifact> {
    const f = this.#fitted();
    return Promise.resolve(_packArtifact({
      model: this.name,
      config: { ...this.config },
      ratingScale: [f.scale[0], f.scale[1]],
      globalMean: f.mu,
      ...(this.#hash ? { trainDataHash: this.#hash } : {}),
      extra: { ...this.#extra },
    }, [
      { name: "userIds", array: f.users.ids },
      { name: "itemIds", array: f.items.ids },
      { name: "userBias", array: f.userBias },
      { name: "itemBias", array: f.itemBias },
      { name: "seenIndptr", array: f.seenIndptr },
      { name: "seenIndices", array: f.seenIndices },
      { name: "seenResiduals", array: f.seenResiduals },
      { name: "seenRatings", array: f.seenRatings },
      { name: "nbrIndptr", array: f.nbrIndptr },
      { name: "nbrIndices", array: f.nbrIndices },
      { name: "nbrSims", array: f.nbrSims },
    ]));
  }

  /** Loads a saved `item-knn-baseline` model, validating the file. */
  static load(artifact: ModelArtifact): ItemKnnBaseline {
    const r = new _ArtifactReader(artifact, "item-knn-baseline");
    const m = new ItemKnnBaseline(
      r.manifest.config as z.input<typeof itemKnnBaselineConfigSchema>,
    );
    const users = Vocabulary.fromSortedIds(r.int32("userIds"));
    const items = Vocabulary.fromSortedIds(r.int32("itemIds"));
    const nU = users.size, nI = items.size;
    const seenIndptr = _checkedIndptr(r, "seenIndptr", nU);
    const seenIndices = r.int32("seenIndices", seenIndptr[nU]!);
    _checkIndices("seenIndices", seenIndices, nI);
    const nbrIndptr = _checkedIndptr(r, "nbrIndptr", nI);
    const nbrIndices = r.int32("nbrIndices", nbrIndptr[nI]!);
    _checkIndices("nbrIndices", nbrIndices, nI);
    const itemCounts = new Int32Array(nI);
    for (let x = 0; x < seenIndices.length; x++) itemCounts[seenIndices[x]!]!++;
    m.#f = {
      users,
      items,
      mu: r.manifest.globalMean,
      scale: [r.manifest.ratingScale[0], r.manifest.ratingScale[1]],
      userBias: r.float32("userBias", nU),
      itemBias: r.float32("itemBias", nI),
      seenIndptr,
      seenIndices,
      seenResiduals: r.float32("seenResiduals", seenIndices.length),
      seenRatings: r.float32("seenRatings", seenIndices.length),
      nbrIndptr,
      nbrIndices,
      nbrSims: r.float32("nbrSims", nbrIndices.length),
      itemCounts,
    };
    m.#hash = r.manifest.trainDataHash;
    m.#extra = { ...r.manifest.extra };
    return m;
  }
}

/** Reads a CSR row-offset array of `rows + 1` non-decreasing values starting at 0. */
function _checkedIndptr(r: _ArtifactReader, name: string, rows: number): Int32Array {
  const p = r.int32(name, rows + 1);
  if (p[0] !== 0) throw new RangeError(`Cannot load model: array "${name}" must start at 0`);
  for (let x = 0; x < rows; x++) {
    if (p[x + 1]! < p[x]!) {
      throw new RangeError(`Cannot load model: array "${name}" decreases at row ${x}`);
    }
  }
  return p;
}
