/**
 * The per-user step of the evaluation's ranking pass, shared by the calling
 * thread and the evaluation workers (`_evaluation_pool.ts`) so that each user
 * is ranked and measured by the same code whichever thread runs it: one
 * ranked list per floor and its five per-user metric values, written into
 * arrays indexed by the user's position. The caller sums those values in user
 * order, so the metrics are bit-identical for any number of threads.
 *
 * A model that offers raw scores ({@linkcode _RawScoring}) is scored once per
 * user and ranked once per floor from the same buffer (what its `recommend`
 * does, without scoring twice); any other model, or a user its raw path does
 * not know, is ranked through `recommend`. Models with a batch scorer
 * (`_BatchScores`: the factor models, ials and bpr through their factors,
 * `rawFactors` and `_batch_scorer.ts`; ease through its own, `rawBatch` and
 * `_wasm_ease.ts`) are scored many users per pass and ranked over their
 * scores in WebAssembly memory, JS reading only the scores the kernel finds
 * at or above the current k-th (`_rankAbove`); for the other models the
 * floored list is ranked over the packed positions passing the floor. In
 * both, the unfloored list is ranked from the floored top k plus the
 * positions below the floor. A model that scores every user
 * the same (a popularity list, `sharedRawScores`) is sorted once, and each
 * user's list is the first k positions of that order past its seen items
 * and the floor: the same list as selecting over every score, since the
 * order is the selection's (score descending, lower position first on ties).
 *
 * @module
 */
import type { Recommender, ScoredMovie } from "../core/model.ts";
import {
  type _BatchScores,
  _hasRawScoring,
  type _RawBatch,
  type _RawScoring,
  type _SharedRawScores,
} from "../scoring/_raw_scoring.ts";
import { rankScores } from "../scoring/rank_scores.ts";
import { TopK } from "../scoring/top_k.ts";
import { _BatchScorer } from "../kernels/_batch_scorer.ts";
import { precisionAtK } from "../metrics/precision_at_k.ts";
import { recallAtK } from "../metrics/recall_at_k.ts";
import { ndcgAtK } from "../metrics/ndcg_at_k.ts";
import { averagePrecisionAtK } from "../metrics/map_at_k.ts";
import { hitAtK } from "../metrics/hit_rate_at_k.ts";

/** Per-user metric values kept per list: precision, recall, NDCG, MAP, hit. */
export const _VALUES_PER_LIST = 5;

/** The users to rank (the test users known in train, ascending) and their relevant movies. */
export interface _RankUsers {
  /** User id per position. */
  readonly userIds: Int32Array;
  /** CSR over positions: the relevant test movies of position g are `relMovies[relIndptr[g]..relIndptr[g + 1])`, distinct. */
  readonly relIndptr: Int32Array;
  readonly relMovies: Int32Array;
}

/**
 * Where the ranked lists go, per floor f and position g: `listLength[f * n + g]`
 * (-1 when the model has no list for the user), the list in
 * `lists[(f * n + g) * k ..]`, the metric values in
 * `values[(f * n + g) * 5 ..]` (written only when the user has a relevant movie).
 */
export interface _RankOutput {
  readonly listLength: Int32Array;
  readonly lists: Int32Array;
  readonly values: Float64Array;
}

/** Ranks users for one model, k and set of floors (many users per scoring pass when the model has a batch scorer). */
export class _UserRanker {
  readonly #model: Recommender;
  readonly #k: number;
  readonly #floors: readonly number[];
  readonly #raw: (Recommender & _RawScoring) | null;
  readonly #ids: Int32Array;
  readonly #counts: Int32Array;
  readonly #buf: Float32Array;
  readonly #top = new TopK();
  /** Per floor > 0, the positions with at least that many training ratings, ascending (null: every position). */
  readonly #candidates: ReadonlyArray<Int32Array | null>;
  /**
   * When the floors are [floor > 0, 0]: the positions below the floor,
   * ascending. The unfloored top k is then the top k of the floored top k
   * and these (the top k of a union), so the positions above the floor are
   * not scanned twice.
   */
  readonly #below: Int32Array | null;
  readonly #relevant = new Set<number>();
  /** The model's batch scorer and the users it serves (factor models, ials, bpr, ease). */
  readonly #batch: _RawBatch | null;
  /** A model's shared scores and their positions in ranking order (null: per-user scores). */
  readonly #shared: {
    readonly of: _SharedRawScores;
    readonly order: Int32Array;
    /** Per place in `order`, the first place after it with another score. */
    readonly groupEnd: Int32Array;
  } | null;
  /** Per position, 1 while it is one of the current user's seen items (the shared walk). */
  readonly #seenMark: Uint8Array;

  constructor(model: Recommender, k: number, floors: readonly number[]) {
    this.#model = model;
    this.#k = k;
    this.#floors = floors;
    this.#raw = _hasRawScoring(model) ? model : null;
    this.#ids = this.#raw ? this.#raw.rawItemIds() : new Int32Array(0);
    const shared = this.#raw?.sharedRawScores?.() ?? null;
    this.#shared = shared && shared.scores.length === this.#ids.length
      ? _sharedOrder(shared)
      : null;
    this.#seenMark = new Uint8Array(this.#shared ? this.#ids.length : 0);
    this.#counts = this.#raw ? this.#raw.itemCounts() : new Int32Array(0);
    this.#buf = new Float32Array(this.#ids.length);
    this.#batch = this.#raw && !this.#shared ? _rawBatch(this.#raw) : null;
    if (this.#batch && this.#batch.scorer.size !== this.#ids.length) this.#batch = null;
    this.#candidates = floors.map((floor) => {
      if (floor <= 0 || this.#raw === null) return null;
      const counts = this.#counts, keep: number[] = [];
      for (let i = 0; i < this.#ids.length; i++) if (counts[i]! >= floor) keep.push(i);
      return Int32Array.from(keep);
    });
    this.#below = null;
    if (floors.length === 2 && this.#candidates[0] && floors[1] === 0) {
      const counts = this.#counts, floor = floors[0]!, below: number[] = [];
      for (let i = 0; i < this.#ids.length; i++) if (counts[i]! < floor) below.push(i);
      this.#below = Int32Array.from(below);
    }
  }

  /** True when the model is scored once per user for every floor (its raw path). */
  get scoresOnce(): boolean {
    return this.#raw !== null;
  }

  /** True when many users are scored per pass (a model's batch scorer, see `_rawBatch`). */
  get batched(): boolean {
    return this.#batch !== null;
  }

  /** Ranks positions `from` to `to` (exclusive) of `users` for every floor into `out`. */
  rankRange(from: number, to: number, users: _RankUsers, out: _RankOutput): void {
    const batch = this.#batch;
    if (batch === null) {
      for (let g = from; g < to; g++) this.rank(g, users, out);
      return;
    }
    const rows: number[] = [], at: number[] = [];
    const size = batch.scorer.maxUsers;
    for (let g = from; g < to; g++) {
      const r = batch.rowOf(users.userIds[g]!);
      if (r < 0) this.rank(g, users, out); // not served by the batch: rawScores or recommend()
      else {
        rows.push(r);
        at.push(g);
      }
      if (rows.length === size || (g === to - 1 && rows.length > 0)) {
        batch.scorer.score(rows);
        for (let b = 0; b < rows.length; b++) this.#rankBatched(at[b]!, b, users, out);
        rows.length = 0;
        at.length = 0;
      }
    }
  }

  /** Ranks position `g` of `users` for every floor into `out`. */
  rank(g: number, users: _RankUsers, out: _RankOutput): void {
    if (this.#shared?.of.knows(users.userIds[g]!)) {
      this.#rankScored(g, users, out, this.#shared.of.scores, true);
      return;
    }
    const raw = this.#raw;
    const scored = raw !== null && raw.rawScores(users.userIds[g]!, this.#buf);
    this.#rankScored(g, users, out, scored ? this.#buf : null);
  }

  /** The positions and scores of a floored list, to seed the unfloored ranking. */
  #seed(list: readonly ScoredMovie[]): { positions: number[]; scores: number[] } {
    const positions: number[] = [], scores: number[] = [];
    for (const x of list) {
      positions.push(_position(this.#ids, x.movieId));
      scores.push(x.score);
    }
    return { positions, scores };
  }

  /**
   * The top k of user `u`'s shared scores past `skip` and the floor, from the
   * shared order. With a user shift, rounding can make scores of different
   * items equal (never reorder them: adding and rounding is monotone), so
   * the walk goes on while the scores tie the k-th, and the ties go to the
   * lower position, as in a selection over every score.
   */
  #walkShared(u: number, skip: Int32Array, floor: number): ScoredMovie[] {
    const { of, order, groupEnd } = this.#shared!;
    const scores = of.scores, offset = of.userOffset ? of.userOffset(u) : null;
    const mark = this.#seenMark, counts = this.#counts, ids = this.#ids;
    for (let j = 0; j < skip.length; j++) mark[skip[j]!] = 1;
    const k = Math.min(this.#k, ids.length);
    const at: number[] = [], got: number[] = [];
    let bar = NaN; // the k-th score
    // Items of equal raw score come in position order (a group): past k of one group, the rest
    // of it cannot win a tie, so the walk jumps to the next group.
    let end = 0, inGroup = 0;
    for (let j = 0; j < order.length;) {
      if (j >= end) {
        end = groupEnd[j]!;
        inGroup = 0;
      }
      const i = order[j]!;
      if (mark[i] === 1 || (floor > 0 && counts[i]! < floor)) {
        j++;
        continue;
      }
      const s = offset === null ? scores[i]! : Math.fround(offset + scores[i]!);
      if (at.length >= k) {
        if (offset === null || s < bar) break;
        if (inGroup >= k) {
          j = end;
          continue;
        }
      }
      at.push(i);
      got.push(s);
      inGroup++;
      if (at.length === k) bar = s;
      j++;
    }
    for (let j = 0; j < skip.length; j++) mark[skip[j]!] = 0;
    // Ties from rounding came in score order, not position order: sort (k and its ties, no more).
    const picked = at.map((_, j) => j);
    if (offset !== null) picked.sort((a, b) => got[b]! - got[a]! || at[a]! - at[b]!);
    picked.length = Math.min(picked.length, k);
    return picked.map((j) => ({ movieId: ids[at[j]!]!, score: got[j]! }));
  }

  /**
   * Ranks position `g` for every floor from the `b`-th user of the batch
   * scorer's last pass, in WebAssembly memory: the same lists as
   * {@linkcode #rankScored} (see {@linkcode _rankAbove}).
   */
  #rankBatched(g: number, b: number, users: _RankUsers, out: _RankOutput): void {
    const u = users.userIds[g]!;
    const k = this.#k, floors = this.#floors;
    const skip = this.#raw!.seenItems(u);
    const lists: ScoredMovie[][] = [];
    const every = { k, itemIds: this.#ids, skip, counts: this.#counts };
    for (let f = 0; f < floors.length; f++) {
      const floor = floors[f]!;
      let options: Parameters<typeof _rankAbove>[3] = every;
      if (floor > 0) options = { ...every, minCount: floor };
      else if (f === 1 && this.#below !== null) {
        // the top k of the floored top k and the positions below the floor
        options = { ...every, belowCount: floors[0]!, seed: this.#seed(lists[0]!) };
      }
      lists.push(_rankAbove(this.#batch!.scorer, b, this.#top, options));
    }
    this.#record(g, lists, users, out);
  }

  /** Ranks position `g` from its raw scores, or through `recommend()` when `scores` is null. */
  #rankScored(
    g: number,
    users: _RankUsers,
    out: _RankOutput,
    scores: Float32Array | null,
    shared = false,
  ): void {
    const u = users.userIds[g]!;
    const k = this.#k, floors = this.#floors;
    const lists: Array<ScoredMovie[] | null> = [];
    let kept: ScoredMovie[] | null = null; // the floored list, seeding the unfloored one
    for (let f = 0; f < floors.length; f++) {
      let items: ScoredMovie[] | null;
      const candidates = this.#candidates[f]!;
      if (shared) {
        items = this.#walkShared(u, this.#raw!.seenItems(u), floors[f]!);
      } else if (scores !== null && candidates !== null) {
        items = _rankCandidates(scores, this.#top, {
          k,
          itemIds: this.#ids,
          candidates,
          skip: this.#raw!.seenItems(u),
        });
        kept = items;
      } else if (scores !== null && f === 1 && this.#below !== null && kept !== null) {
        items = _rankCandidates(scores, this.#top, {
          k,
          itemIds: this.#ids,
          candidates: this.#below,
          skip: this.#raw!.seenItems(u),
          seed: this.#seed(kept),
        });
      } else if (scores !== null) {
        items = rankScores(scores, this.#top, {
          k,
          itemIds: this.#ids,
          skip: this.#raw!.seenItems(u),
        });
      } else {
        const recs = this.#model.recommend(u, k, { excludeSeen: true, minRatings: floors[f]! });
        items = recs.ok ? recs.items : null;
      }
      lists.push(items);
    }
    this.#record(g, lists, users, out);
  }

  /**
   * Writes position `g`'s list per floor (null: the model has none for the
   * user) and, when the user has relevant movies, their metric values.
   */
  #record(
    g: number,
    lists: ReadonlyArray<readonly ScoredMovie[] | null>,
    users: _RankUsers,
    out: _RankOutput,
  ): void {
    const u = users.userIds[g]!;
    const n = users.userIds.length;
    const k = this.#k;
    const relevant = this.#relevant;
    relevant.clear();
    for (let x = users.relIndptr[g]!; x < users.relIndptr[g + 1]!; x++) {
      relevant.add(users.relMovies[x]!);
    }
    for (let f = 0; f < lists.length; f++) {
      const slot = f * n + g;
      const items = lists[f]!;
      if (items === null) {
        out.listLength[slot] = -1;
        continue;
      }
      const list = out.lists.subarray(slot * k, slot * k + k);
      const len = _checkedList(this.#model.name, u, items, list);
      out.listLength[slot] = len;
      if (relevant.size > 0) {
        const l = list.subarray(0, len);
        const v = slot * _VALUES_PER_LIST;
        out.values[v] = precisionAtK(l, relevant, k);
        out.values[v + 1] = recallAtK(l, relevant, k);
        out.values[v + 2] = ndcgAtK(l, relevant, k);
        out.values[v + 3] = averagePrecisionAtK(l, relevant, k);
        out.values[v + 4] = hitAtK(l, relevant, k);
      }
    }
  }
}

/** The ranking order of shared scores and where each group of equal scores ends in it. */
function _sharedOrder(of: _SharedRawScores) {
  const order = _rankingOrder(of.scores);
  const groupEnd = new Int32Array(order.length);
  for (let j = order.length - 1; j >= 0; j--) {
    const next = j + 1 < order.length && of.scores[order[j + 1]!] === of.scores[order[j]!];
    groupEnd[j] = next ? groupEnd[j + 1]! : j + 1;
  }
  return { of, order, groupEnd };
}

/**
 * Positions of `scores` in the order a top-k selection ranks them: score
 * descending, the lower position first on equal scores; NaN and -Infinity
 * (never ranked) left out.
 */
function _rankingOrder(scores: Float32Array): Int32Array {
  const order: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s === s && s !== -Infinity) order.push(i);
  }
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return Int32Array.from(order);
}

/**
 * `rankScores(scores, top, { k, itemIds, skip, counts, minCount })` over a
 * packed candidate list: the positions passing the floor, ascending, so the
 * positions below it cost nothing (and no branch guesses). It offers the
 * same positions in the same order to the same heap as `rankScores`, so
 * it returns the same list.
 */
function _rankCandidates(
  scores: Float32Array,
  top: TopK,
  options: {
    readonly k: number;
    readonly itemIds: Int32Array;
    readonly candidates: Int32Array;
    readonly skip: Int32Array;
    /** Pairs already known to be in the running (a floored top k), offered first. */
    readonly seed?: { readonly positions: readonly number[]; readonly scores: readonly number[] };
  },
): ScoredMovie[] {
  const { itemIds: ids, candidates, skip, seed } = options;
  top.reset(Math.max(0, Math.min(options.k, ids.length)));
  if (seed) {
    for (let j = 0; j < seed.positions.length; j++) top.push(seed.positions[j]!, seed.scores[j]!);
  }
  // After a seed, a later position may tie the bar with a lower index than the
  // kept pair it ties: let push() decide ties. Without one, positions ascend and a tie never wins.
  const ties = seed !== undefined;
  const nC = candidates.length, spEnd = skip.length;
  let sp = 0;
  let next = spEnd > 0 ? skip[0]! : ids.length; // next seen position
  let bar = top.threshold; // changes only on a push
  for (let c = 0; c < nC; c++) {
    const i = candidates[c]!;
    if (i >= next) {
      let hit = false;
      for (; sp < spEnd && skip[sp]! <= i; sp++) if (skip[sp] === i) hit = true;
      next = sp < spEnd ? skip[sp]! : ids.length;
      if (hit) continue;
    }
    const s = scores[i]!;
    // (-Infinity is never ranked, as in rankScores: the bar is only -Infinity below k pairs)
    if (!(s > bar) && !(ties && s === bar && bar !== -Infinity)) continue;
    top.push(i, s);
    bar = top.threshold;
  }
  const { indices, scores: kept } = top.drain();
  const out: ScoredMovie[] = new Array(indices.length);
  for (let j = 0; j < indices.length; j++) out[j] = { movieId: ids[indices[j]!]!, score: kept[j]! };
  return out;
}

/**
 * The list `rankScores` (or {@linkcode _rankCandidates}) returns for the
 * `b`-th user of the batch scorer's last pass, reading in JS only the scores
 * the kernel finds at or above the bar: the positions with at least
 * `minCount` training ratings (or, with `belowCount`, fewer than that), past
 * `skip`, after the `seed` pairs. The kernel tests against the bar of the
 * moment it is called; the bar only rises, so what it leaves out would fail
 * the test here too, and the positions that pass it reach the heap in the
 * same (ascending) order as in a scan of every position: the same list.
 */
function _rankAbove(
  batch: _BatchScores,
  b: number,
  top: TopK,
  options: {
    readonly k: number;
    readonly itemIds: Int32Array;
    readonly skip: Int32Array;
    readonly counts?: Int32Array;
    /** Only positions with at least this many `counts` (default 0: every position). */
    readonly minCount?: number;
    /** Only positions with fewer than this many `counts` (default: every position). */
    readonly belowCount?: number;
    /** Pairs already known to be in the running (a floored top k), offered first. */
    readonly seed?: { readonly positions: readonly number[]; readonly scores: readonly number[] };
  },
): ScoredMovie[] {
  const { itemIds: ids, skip, seed } = options;
  const n = ids.length;
  const counts = options.counts ?? null;
  const minCount = options.minCount ?? 0, belowCount = options.belowCount ?? Infinity;
  const filtered = counts !== null && (minCount > 0 || belowCount !== Infinity);
  const k = Math.max(0, Math.min(options.k, n));
  top.reset(k);
  if (seed) {
    for (let j = 0; j < seed.positions.length; j++) top.push(seed.positions[j]!, seed.scores[j]!);
  }
  // As in _rankCandidates: after a seed, ties at the bar go to push().
  const ties = seed !== undefined;
  const scores = batch.userScores(b), hits = batch.hits;
  const spEnd = skip.length;
  let sp = 0;
  let next = spEnd > 0 ? skip[0]! : n; // next seen position
  let bar = top.threshold; // changes only on a push
  for (let from = 0; k > 0 && from < n;) {
    // the kernel's bar: a float32 at or below this one (the scores are float32)
    let bar32 = Math.fround(bar);
    if (bar32 > bar) bar32 = -Infinity;
    const found = batch.above(b, from, bar32);
    for (let h = 1; h <= found; h++) {
      const i = hits[h]!;
      if (i >= next) {
        let hit = false;
        for (; sp < spEnd && skip[sp]! <= i; sp++) if (skip[sp] === i) hit = true;
        next = sp < spEnd ? skip[sp]! : n;
        if (hit) continue;
      }
      if (filtered && (counts[i]! < minCount || counts[i]! >= belowCount)) continue;
      const s = scores[i]!;
      if (!(s > bar) && !(ties && s === bar && bar !== -Infinity)) continue;
      top.push(i, s);
      bar = top.threshold;
    }
    from = hits[0]!;
  }
  const { indices, scores: kept } = top.drain();
  const out: ScoredMovie[] = new Array(indices.length);
  for (let j = 0; j < indices.length; j++) out[j] = { movieId: ids[indices[j]!]!, score: kept[j]! };
  return out;
}

/**
 * The model's batch scorer: over its factors when its raw scores are a view's
 * SIMD scores (factor models, ials, bpr: `_BatchScorer` gives the same bits),
 * else its own (`rawBatch`, ease); null when it has neither.
 */
function _rawBatch(raw: _RawScoring): _RawBatch | null {
  const factors = raw.rawFactors?.() ?? null;
  if (factors) {
    const scorer = _BatchScorer.create(factors.view);
    if (scorer === null) return null;
    return {
      scorer,
      rowOf: (userId) => factors.scoresUser(userId) ? scorer.row(userId) : -1,
    };
  }
  return raw.rawBatch?.() ?? null;
}

/** Position of `id` in the ascending `ids` (it is there). */
function _position(ids: Int32Array, id: number): number {
  let lo = 0, hi = ids.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Copies a ranked list's movie ids into `list` (k long) and returns its
 * length, refusing one longer than k or holding a movie twice.
 */
function _checkedList(
  model: string,
  user: number,
  items: readonly ScoredMovie[],
  list: Int32Array,
): number {
  if (items.length > list.length) {
    throw new RangeError(
      `Cannot evaluate model "${model}": it returned ${items.length} movies for user ${user}, more than k = ${list.length}`,
    );
  }
  for (let j = 0; j < items.length; j++) {
    const id = items[j]!.movieId;
    // A movie twice in one list would count its hit twice: never score such a list.
    for (let q = 0; q < j; q++) {
      if (list[q] === id) {
        throw new RangeError(
          `Cannot evaluate model "${model}": its list for user ${user} holds movie ${id} twice (positions ${
            q + 1
          } and ${j + 1})`,
        );
      }
    }
    list[j] = id;
  }
  return items.length;
}
