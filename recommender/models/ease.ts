/**
 * `ease`: Embarrassingly Shallow Autoencoder (Steck 2019), the closed-form
 * item-item model `B = I - P / diag(P)`, `P = (X^T X + lambda I)^-1`, on the
 * binary user x item matrix X of positives, scored `s_u = x_u B` (its zero
 * diagonal keeps an item from recommending itself).
 *
 * Two exact solvers, picked by cost (`solver: "auto"`):
 * - primal: invert the items x items Gram matrix and keep B (items^2 floats);
 * - dual (Woodbury), when users are fewer than items:
 *   `P = (I - X^T K X) / lambda` with `K = (lambda I + X X^T)^-1`
 *   (users x users). B is never formed: for a training user `x_u P = K_u X`
 *   (row u of K times X), for given ratings `x P = (x - (x X^T) K X) / lambda`,
 *   and `diag(P)_j = (1 - x_j^T K x_j) / lambda` over the users `x_j` of item
 *   j, so `s_j = x_j - (x P)_j / diag(P)_j`. On ml-latest-small (610 users,
 *   9k movies) that is a 610 x 610 inverse instead of 9k x 9k.
 *
 * Budget: the dense matrix of the chosen side must fit `maxDenseMB` (memory)
 * and `maxDenseSide` (compute: the inverse is n^3 / 2 multiply-adds). Over
 * it, fit keeps the most-rated items that fit (`overBudget: "restrict"`, the
 * default, as EASE is run on large catalogs), says so in a progress line and
 * in `extra.keptItems` / `extra.restrictedFrom`, and never recommends the
 * others; or refuses with the sizes (`overBudget: "error"`). The inverse is
 * the blocked WebAssembly SIMD kernel of `../kernels/_spd_inverse.ts`.
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
import { _spdWorkspace } from "../kernels/_spd_inverse.ts";
import { TopK } from "../scoring/top_k.ts";
import { _EaseRows } from "../kernels/_wasm_ease.ts";
import { rankScores } from "../scoring/rank_scores.ts";
import type { _BatchScores } from "../scoring/_raw_scoring.ts";

/**
 * Config of {@linkcode EASE}. The defaults were chosen by NDCG@10 on a
 * validation split carved from the training ratings (`bench/ranking_tune.ts`,
 * `reports/bench/ranking_tune.md`), never the test set.
 */
export const easeConfigSchema = z.object({
  /** Ridge of the Gram matrix (Steck's lambda; scales with the number of users). */
  lambda: z.number().positive().max(1e7).default(241).meta({
    tune: { min: 10, max: 5000, log: true },
  }),
  /** Ratings at or above this count as positives (validation: 3 beats 0, 3.5 and 4). */
  positiveThreshold: _positiveThresholdField.default(3),
  /** `auto` picks the cheaper exact form; `primal` / `dual` force one (tests, benchmarks). */
  solver: z.enum(["auto", "primal", "dual"]).default("auto"),
  /** Memory budget of the fit's dense matrices (20 bytes per entry of the inverted side), in MiB. */
  maxDenseMB: z.number().positive().default(2048),
  /**
   * Compute budget: the largest side of the inverse (items for the primal,
   * users for the dual), n^3 / 2 multiply-adds: 8000 fits in about a minute
   * on the shared 2-core benchmark box at load 7 (`reports/bench/ease_scale.md`)
   * and 1.3 GB (20 bytes per entry).
   */
  maxDenseSide: z.number().int().positive().default(8000),
  /**
   * Over either budget: keep the most-rated items that fit (`restrict`, as
   * EASE is used on large catalogs) or refuse (`error`).
   */
  overBudget: z.enum(["error", "restrict"]).default("restrict"),
}).strict();

/** Parsed config of {@linkcode EASE}. */
export type EaseConfig = z.output<typeof easeConfigSchema>;

/**
 * Bytes per dense entry during fit: the Float64 matrix, its Float64 scratch
 * `L^-1`, the Float32 result (measured: 21 at 5M, the CSR arrays included).
 */
const _BYTES = 20;

/**
 * The `ease` model (see the module doc).
 *
 * @example
 * ```ts
 * import { EASE } from "./ease.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new EASE({ lambda: 1 });
 * m.fit(ratingsFromColumns({
 *   userId: [1, 1, 2, 2, 3, 3], movieId: [10, 20, 10, 20, 30, 40], rating: [5, 5, 4, 4, 5, 5],
 * }));
 * const r = m.recommendForRatings({ movieIds: [10], ratings: [5] }, 1);
 * if (r.items[0]!.movieId !== 20) throw new Error("a fan of 10 should get 20");
 * ```
 */
export class EASE extends _RankingModel<EaseConfig> {
  readonly name = "ease";
  #solver: "primal" | "dual" = "dual";
  /** Dense item index of each model column, ascending (all items unless restricted). */
  #kept: Int32Array = new Int32Array(0);
  /** Model column of each dense item, -1 when not kept. */
  #col: Int32Array = new Int32Array(0);
  /** Binary X over kept columns: users x columns, and its transpose. */
  #xIndptr: Int32Array = new Int32Array(1);
  #xIndices: Int32Array = new Int32Array(0);
  #tIndptr: Int32Array = new Int32Array(1);
  #tIndices: Int32Array = new Int32Array(0);
  /** primal: B (cols x cols); dual: K (users x users). */
  #dense: Float32Array = new Float32Array(0);
  /** dual: `1 / diag(P)_j = lambda / (1 - x_j^T K x_j)` per kept column. */
  #scale: Float32Array = new Float32Array(0);
  #acc: Float64Array = new Float64Array(0);
  /** The primal scoring kernel over a copy of `#dense` (undefined: not made yet; null: JS). */
  #rowsKernel: _EaseRows | null | undefined = undefined;
  #uvec: Float64Array = new Float64Array(0);
  readonly #top = new TopK();

  constructor(config: z.input<typeof easeConfigSchema> = {}) {
    super(_parseConfig(easeConfigSchema, config, "ease"));
  }

  /** The solver fit used (`primal` or `dual`). */
  get solver(): "primal" | "dual" {
    return this.#solver;
  }

  protected _fitModel(data: _RankingData, options: FitOptions): void {
    const c = this.config;
    const nU = data.nUsers, nI = data.nItems;
    // items with at least one positive, most-rated first when the budget restricts them
    const posCount = new Int32Array(nI);
    for (let x = 0; x < data.pos.indices.length; x++) posCount[data.pos.indices[x]!]!++;
    let cols = Int32Array.from({ length: nI }, (_, i) => i).filter((i) => posCount[i]! > 0);
    const budget = c.maxDenseMB * 1024 * 1024;
    const maxSide = Math.min(c.maxDenseSide, Math.floor(Math.sqrt(budget / _BYTES)));
    const side = c.solver === "primal"
      ? cols.length
      : c.solver === "dual"
      ? nU
      : Math.min(cols.length, nU);
    let restricted = false;
    if (side > maxSide) {
      const over = side * side * _BYTES > budget
        ? `needs ${Math.ceil(side * side * _BYTES / 2 ** 20)} MiB, over maxDenseMB ${c.maxDenseMB}`
        : `is over maxDenseSide ${c.maxDenseSide}`;
      if (c.overBudget === "error" || c.solver === "dual") {
        throw new RangeError(
          `Cannot fit model "ease": the ${side} x ${side} dense matrix ${over}; raise maxDenseMB and maxDenseSide, or set overBudget: "restrict" to keep the most-rated items that fit`,
        );
      }
      const rated = cols.length;
      const order = cols.slice().sort((a, b) => posCount[b]! - posCount[a]! || a - b);
      cols = order.subarray(0, maxSide).slice().sort();
      restricted = true;
      options.onProgress?.({
        model: this.name,
        message:
          `keeping the ${maxSide} most-rated of ${rated} movies: the ${side} x ${side} dense matrix ${over}`,
      });
    }
    const nC = cols.length;
    this.#kept = cols;
    this.#col = new Int32Array(nI).fill(-1);
    for (let j = 0; j < nC; j++) this.#col[cols[j]!] = j;
    this.#buildX(data);
    // cost in multiply-adds: the Gram products and the n^3 / 2 inverse
    let userPairs = 0, itemPairs = 0;
    for (let u = 0; u < nU; u++) {
      const n = this.#xIndptr[u + 1]! - this.#xIndptr[u]!;
      userPairs += n * n / 2;
    }
    for (let j = 0; j < nC; j++) {
      const n = this.#tIndptr[j + 1]! - this.#tIndptr[j]!;
      itemPairs += n * n;
    }
    const primalCost = nC ** 3 / 2 + userPairs + nC * nC;
    const dualCost = nU ** 3 / 2 + itemPairs;
    // restricted: only the primal side is within the budget
    this.#solver = c.solver !== "auto"
      ? c.solver
      : restricted || primalCost <= dualCost
      ? "primal"
      : "dual";
    options.onProgress?.({
      model: this.name,
      message: `${this.#solver} solve: ${this.#solver === "primal" ? nC : nU} x ${
        this.#solver === "primal" ? nC : nU
      } inverse`,
    });
    if (this.#solver === "primal") this.#fitPrimal(nU, nC);
    else this.#fitDual(nU, nC);
    this._extra = {
      solver: this.#solver,
      keptItems: nC,
      ...(restricted ? { restrictedFrom: nI } : {}),
      estimatedCost: { primal: primalCost, dual: dualCost },
    };
    this.#work();
  }

  /** The binary positives over kept columns, by user and by column. */
  #buildX(data: _RankingData): void {
    const pos = data.pos;
    const nU = data.nUsers, nC = this.#kept.length, col = this.#col;
    const indptr = new Int32Array(nU + 1);
    const idx: number[] = [];
    for (let u = 0; u < nU; u++) {
      for (let p = pos.indptr[u]!; p < pos.indptr[u + 1]!; p++) {
        const j = col[pos.indices[p]!]!;
        if (j >= 0) idx.push(j);
      }
      indptr[u + 1] = idx.length;
    }
    this.#xIndptr = indptr;
    this.#xIndices = Int32Array.from(idx);
    const tIndptr = new Int32Array(nC + 1);
    for (const j of this.#xIndices) tIndptr[j + 1]!++;
    for (let j = 0; j < nC; j++) tIndptr[j + 1]! += tIndptr[j]!;
    const next = tIndptr.slice(0, nC);
    const tIndices = new Int32Array(this.#xIndices.length);
    for (let u = 0; u < nU; u++) {
      for (let p = indptr[u]!; p < indptr[u + 1]!; p++) tIndices[next[this.#xIndices[p]!]!++] = u;
    }
    this.#tIndptr = tIndptr;
    this.#tIndices = tIndices;
  }

  #fitPrimal(nU: number, nC: number): void {
    const lambda = this.config.lambda;
    const ws = _spdWorkspace(nC);
    const g = ws.matrix;
    const xp = this.#xIndptr, xi = this.#xIndices;
    for (let u = 0; u < nU; u++) {
      const a = xp[u]!, b = xp[u + 1]!;
      for (let p = a; p < b; p++) {
        const r = xi[p]! * nC;
        for (let q = a; q <= p; q++) g[r + xi[q]!]! += 1; // lower triangle (columns ascend)
      }
    }
    for (let j = 0; j < nC; j++) g[j * nC + j]! += lambda;
    _mirrorLower(g, nC);
    ws.invert();
    const diag = new Float64Array(nC);
    for (let j = 0; j < nC; j++) diag[j] = g[j * nC + j]!;
    const B = new Float32Array(nC * nC);
    for (let i = 0; i < nC; i++) {
      const ri = i * nC;
      for (let j = 0; j < nC; j++) B[ri + j] = -g[ri + j]! / diag[j]!;
      B[ri + i] = 0;
    }
    this.#dense = B;
    this.#rowsKernel = undefined;
    this.#scale = new Float32Array(0);
  }

  #fitDual(nU: number, nC: number): void {
    const lambda = this.config.lambda;
    const ws = _spdWorkspace(nU);
    const g = ws.matrix;
    const tp = this.#tIndptr, ti = this.#tIndices;
    for (let j = 0; j < nC; j++) {
      const a = tp[j]!, b = tp[j + 1]!;
      for (let p = a; p < b; p++) {
        const r = ti[p]! * nU;
        for (let q = a; q <= p; q++) g[r + ti[q]!]! += 1; // lower triangle (users ascend)
      }
    }
    for (let v = 0; v < nU; v++) g[v * nU + v]! += lambda;
    _mirrorLower(g, nU);
    ws.invert();
    // scale_j = lambda / (1 - x_j^T K x_j) = 1 / diag(P)_j
    const scale = new Float32Array(nC);
    for (let j = 0; j < nC; j++) {
      const a = tp[j]!, b = tp[j + 1]!;
      let s = 0;
      for (let p = a; p < b; p++) {
        const r = ti[p]! * nU;
        let t = 0;
        for (let q = a; q < b; q++) t += g[r + ti[q]!]!;
        s += t;
      }
      scale[j] = lambda / (1 - s);
    }
    this.#dense = Float32Array.from(g);
    this.#rowsKernel = undefined;
    this.#scale = scale;
  }

  /** Scratch buffers (after fit or load). */
  #work(): void {
    this.#acc = new Float64Array(this.#kept.length);
    this.#uvec = new Float64Array(this.#solver === "dual" ? this._data.nUsers : 0);
  }

  /** Writes `x P` (kept columns) into `#acc` for a binary row given by columns. */
  #xP(cols: ArrayLike<number>, user: number): void {
    const acc = this.#acc;
    acc.fill(0);
    const nU = this._data.nUsers;
    const K = this.#dense, xp = this.#xIndptr, xi = this.#xIndices;
    if (user >= 0) {
      // x_u P = K_u X
      const ro = user * nU;
      for (let v = 0; v < nU; v++) {
        const kv = K[ro + v]!;
        for (let p = xp[v]!, e = xp[v + 1]!; p < e; p++) acc[xi[p]!]! += kv;
      }
      return;
    }
    // x P = (x - (x X^T) K X) / lambda
    const lambda = this.config.lambda;
    const g = this.#uvec; // (x X^T) then its product with K
    g.fill(0);
    const tp = this.#tIndptr, ti = this.#tIndices;
    for (let c = 0; c < cols.length; c++) {
      const j = cols[c]!;
      for (let p = tp[j]!, e = tp[j + 1]!; p < e; p++) g[ti[p]!]! += 1;
    }
    const h = new Float64Array(nU);
    for (let v = 0; v < nU; v++) {
      const gv = g[v]!;
      if (gv === 0) continue;
      const ro = v * nU;
      for (let w = 0; w < nU; w++) h[w]! += gv * K[ro + w]!;
    }
    for (let v = 0; v < nU; v++) {
      const hv = h[v]!;
      if (hv === 0) continue;
      for (let p = xp[v]!, e = xp[v + 1]!; p < e; p++) acc[xi[p]!]! -= hv;
    }
    for (let c = 0; c < cols.length; c++) acc[cols[c]!]! += 1;
    for (let j = 0; j < acc.length; j++) acc[j]! /= lambda;
  }

  /** Scores of a binary row (kept columns, ascending) into `out` (dense items). */
  #scoreCols(cols: Int32Array, user: number, out: Float32Array): void {
    const kept = this.#kept;
    out.fill(NaN);
    const acc = this.#acc;
    if (this.#solver === "primal") {
      const B = this.#dense, nC = kept.length;
      // The SIMD kernel (same bits); its copy of the weights is made on the first score.
      if (this.#rowsKernel === undefined) this.#rowsKernel = _EaseRows.create(B, nC);
      if (this.#rowsKernel) {
        const sums = this.#rowsKernel.rows(cols);
        for (let j = 0; j < nC; j++) out[kept[j]!] = sums[j]!;
        return;
      }
      acc.fill(0);
      for (let c = 0; c < cols.length; c++) {
        const r = cols[c]! * nC;
        for (let j = 0; j < nC; j++) acc[j]! += B[r + j]!;
      }
    } else {
      this.#xP(cols, user);
      const scale = this.#scale;
      // s = x - (x P) / diag(P); the x term only touches seen items: add it back per column
      for (let j = 0; j < acc.length; j++) acc[j] = -acc[j]! * scale[j]!;
      for (let c = 0; c < cols.length; c++) acc[cols[c]!]! += 1;
    }
    for (let j = 0; j < kept.length; j++) out[kept[j]!] = acc[j]!;
  }

  /** Kept columns of positives (dense items ascending -> columns ascending). */
  #colsOf(items: Int32Array): Int32Array {
    const col = this.#col;
    const out: number[] = [];
    for (let x = 0; x < items.length; x++) {
      const j = col[items[x]!]!;
      if (j >= 0) out.push(j);
    }
    return Int32Array.from(out);
  }

  protected _scoreUser(u: number, out: Float32Array): void {
    const cols = this.#xIndices.subarray(this.#xIndptr[u]!, this.#xIndptr[u + 1]!);
    this.#scoreCols(cols, this.#solver === "dual" ? u : -1, out);
  }

  /**
   * The primal kernel's batch scorer (the same bits as `_scoreUser`, many
   * users per pass over B); null for the dual solver or without the kernel.
   */
  protected override _batchScores(): _BatchScores | null {
    if (this.#solver !== "primal") return null;
    if (this.#rowsKernel === undefined) {
      this.#rowsKernel = _EaseRows.create(this.#dense, this.#kept.length);
    }
    return this.#rowsKernel?.batch({
      kept: this.#kept,
      nItems: this._data.nItems,
      indptr: this.#xIndptr,
      indices: this.#xIndices,
    }) ?? null;
  }

  protected _scorePositives(row: _RowPositives, out: Float32Array): void {
    this.#scoreCols(this.#colsOf(row.items), -1, out);
  }

  /**
   * `B_ij` for every kept item i (dense `cols` order) and one column j: the
   * weight of item i in the score of j.
   */
  #column(j: number): Float64Array {
    const nC = this.#kept.length;
    const out = new Float64Array(nC);
    if (this.#solver === "primal") {
      const B = this.#dense;
      for (let i = 0; i < nC; i++) out[i] = B[i * nC + j]!;
      return out;
    }
    // P_ij = (delta_ij - x_i^T K x_j) / lambda; B_ij = -P_ij / P_jj = -scale_j P_ij
    const nU = this._data.nUsers;
    const K = this.#dense, tp = this.#tIndptr, ti = this.#tIndices;
    const kx = new Float64Array(nU); // K x_j
    for (let p = tp[j]!, e = tp[j + 1]!; p < e; p++) {
      const ro = ti[p]! * nU;
      for (let w = 0; w < nU; w++) kx[w]! += K[ro + w]!;
    }
    const lambda = this.config.lambda, s = this.#scale[j]!;
    for (let i = 0; i < nC; i++) {
      let t = 0;
      for (let p = tp[i]!, e = tp[i + 1]!; p < e; p++) t += kx[ti[p]!]!;
      out[i] = i === j ? 0 : (s * t) / lambda;
    }
    return out;
  }

  /**
   * The rated movies behind a training user's score of a movie: each positive
   * `i` adds `B_ij`. Null for an unknown user or movie (or one not kept).
   *
   * @example
   * ```ts
   * import { EASE } from "./ease.ts";
   * import { ratingsFromColumns } from "../core/ratings.ts";
   * const m = new EASE({ lambda: 1 });
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
    const r = this._userRatings(u);
    return this.#explain(userId, movieId, r.items, r.ratings, options);
  }

  /** {@linkcode explain} for a user given by ratings (see `recommendForRatings`). */
  explainRatings(
    ratings: UserRatings,
    movieId: number,
    options: ExplainItemOptions = {},
  ): ItemExplanation | null {
    const { known } = this._positivesOf(ratings);
    const byItem = new Map<number, number>();
    const items = this._items;
    for (let x = 0; x < ratings.movieIds.length; x++) {
      byItem.set(items.indexOf(ratings.movieIds[x]!), ratings.ratings[x]!);
    }
    return this.#explain(
      null,
      movieId,
      known,
      Float32Array.from(known, (i) => byItem.get(i)!),
      options,
    );
  }

  #explain(
    userId: number | null,
    movieId: number,
    items: Int32Array,
    ratings: Float32Array,
    options: ExplainItemOptions,
  ): ItemExplanation | null {
    const i = this._items.indexOf(movieId);
    const j = i >= 0 ? this.#col[i]! : -1;
    if (j < 0) return null;
    const t = this.config.positiveThreshold;
    const column = this.#column(j);
    const rows: number[] = [], rs: number[] = [];
    for (let x = 0; x < items.length; x++) {
      const c = this.#col[items[x]!]!;
      if (c >= 0 && ratings[x]! >= t) {
        rows.push(x);
        rs.push(c);
      }
    }
    const w = Float64Array.from(rs, (c) => column[c]!);
    let score = 0;
    for (const v of w) score += v;
    const top = _topByAbs(w, options.k ?? 5);
    const contributions: ItemContribution[] = Array.from(top, (x) => ({
      movieId: this._items.idAt(items[rows[x]!]!),
      rating: ratings[rows[x]!]!,
      weight: w[x]!,
    }));
    return { userId, movieId, score, contributions };
  }

  /** The movies with the largest EASE weights `B_ij` toward `movieId` (its column of B). */
  similar(movieId: number, k: number): ScoredMovie[] | null {
    const i = this._items.indexOf(movieId);
    if (i < 0) return null;
    const j = this.#col[i]!;
    if (j < 0) return [];
    const column = this.#column(j);
    const kept = this.#kept;
    const scores = new Float32Array(kept.length);
    for (let c = 0; c < kept.length; c++) scores[c] = c === j ? NaN : column[c]!;
    return rankScores(scores, this.#top, {
      k,
      itemIds: Int32Array.from(kept, (x) => this._items.idAt(x)),
    });
  }

  protected _modelArrays(): _NamedArray[] {
    const side = this.#solver === "primal" ? this.#kept.length : this._data.nUsers;
    return [
      { name: "keptItems", array: this.#kept },
      { name: "dense", array: this.#dense, shape: [side, side] },
      { name: "scale", array: this.#scale },
    ];
  }

  protected _restoreModel(r: _ArtifactReader, data: _RankingData): void {
    const solver = r.manifest.extra.solver;
    if (solver !== "primal" && solver !== "dual") {
      throw new RangeError('Cannot load model: extra "solver" must be "primal" or "dual"');
    }
    this.#solver = solver;
    const kept = r.int32("keptItems");
    _checkIndices("keptItems", kept, data.nItems);
    for (let x = 1; x < kept.length; x++) {
      if (kept[x]! <= kept[x - 1]!) {
        throw new RangeError('Cannot load model: array "keptItems" is not strictly ascending');
      }
    }
    this.#kept = kept;
    this.#col = new Int32Array(data.nItems).fill(-1);
    for (let j = 0; j < kept.length; j++) this.#col[kept[j]!] = j;
    const side = solver === "primal" ? kept.length : data.nUsers;
    this.#dense = r.float32("dense", side * side);
    this.#rowsKernel = undefined;
    this.#scale = r.float32("scale", solver === "dual" ? kept.length : 0);
    this.#buildX(data);
    this.#work();
  }

  /** Loads a saved `ease` model, validating the file. */
  static load(artifact: ModelArtifact): EASE {
    const r = new _ArtifactReader(artifact, "ease");
    return new EASE(r.manifest.config as z.input<typeof easeConfigSchema>)._restore(r);
  }
}

/** Tiles of {@linkcode _mirrorLower}: 64 x 64 float64, two of them fit L1. */
const _TILE = 64;

/**
 * Copies the lower triangle of a row-major `n x n` matrix into its upper
 * triangle, tile by tile (a column-by-column copy misses the cache once per
 * entry at n in the thousands).
 */
export function _mirrorLower(g: Float64Array, n: number): void {
  for (let i0 = 0; i0 < n; i0 += _TILE) {
    const i1 = Math.min(i0 + _TILE, n);
    for (let j0 = 0; j0 <= i0; j0 += _TILE) {
      const j1 = Math.min(j0 + _TILE, n);
      for (let i = i0; i < i1; i++) {
        const ri = i * n;
        for (let j = j0; j < j1 && j < i; j++) g[j * n + i] = g[ri + j]!;
      }
    }
  }
}
