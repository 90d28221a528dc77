/**
 * The DSGD layout of biased-MF's ratings (Gemulla et al. 2011): users and
 * items dealt into S groups each, the ratings sorted into the S x S cells in
 * stratum order and, within a cell, by block of users; and the order of an
 * epoch, gathered into the SGD kernel's arrays cell by cell. The cells of a
 * stratum share no user and no item, so they can be gathered and trained on
 * different threads (`_sgd_pool.ts`) with the same result as on one.
 *
 * @module
 */
import { Prng } from "../core/prng.ts";

/**
 * The ratings sorted by cell and user block (`u`, `i`, `r`): the S*S cells in
 * stratum order (cell p = t*S + g is user group g x item group (g + t) mod S),
 * each split into the blocks of its user group. Segment `s` is
 * `[segStart[s], segStart[s+1])` of that order; cell p's segments are
 * `cellSeg[p]..cellSeg[p+1]` and its ratings `[cellStart[p], cellStart[p+1])`.
 * `pos` is the current order of each segment (positions within it, shuffled
 * in place every epoch), so an epoch's gather reads one block-sized window
 * at a time, in cache. Users and items are renumbered (`u`, `i`) so that
 * each group's rows of P, Q and the biases are contiguous, in dealing order:
 * threads running different cells never write to the same cache line, and a
 * block's users are neighbours. `userAt[u]` is the row of user `u`, `itemAt`
 * likewise. With more than one stratum the arrays are over shared memory,
 * for worker threads, and each epoch's order of a cell is drawn from its
 * own stream (`seed`, the epoch and the cell), whichever thread gathers it.
 */
export interface _Strata {
  readonly strata: number;
  readonly seed: number;
  readonly userAt: Int32Array;
  readonly itemAt: Int32Array;
  readonly u: Int32Array;
  readonly i: Int32Array;
  readonly r: Float32Array;
  readonly pos: Int32Array;
  readonly segStart: Int32Array;
  readonly cellSeg: Int32Array;
  readonly cellStart: Int32Array;
}

/** What the gathers read (the strata without the renumbering), as worker threads get it. */
export type _CellOrder = Omit<_Strata, "userAt" | "itemAt">;

/**
 * Deals the users (in a seeded random order) and, with more than one
 * stratum, the items (in another) into `strata` groups, each to the group
 * with the fewest ratings so far; the users of each group into blocks of
 * `blockUsers` in that order; and groups the ratings by cell and block. With
 * one stratum it draws only the users' order: the blocks of before.
 *
 * @example
 * ```ts
 * import { _strata } from "./_sgd_strata.ts";
 * import { Prng } from "../core/prng.ts";
 * const d = { u: Int32Array.of(0, 0, 1, 2), i: Int32Array.of(0, 1, 1, 0), r: Float32Array.of(4, 3, 5, 2) };
 * const s = _strata(d, { nUsers: 3, nItems: 2, strata: 2, blockUsers: 8, rng: new Prng(1) });
 * if (s.cellStart.length !== 5 || s.cellStart[4] !== 4) throw new Error("4 cells over 4 ratings");
 * ```
 */
export function _strata(
  d: { u: Int32Array; i: Int32Array; r: Float32Array },
  options: { nUsers: number; nItems: number; strata: number; blockUsers: number; rng: Prng },
): _Strata {
  const { nUsers, nItems, strata: S, blockUsers, rng } = options;
  const perm = rng.shuffle(Int32Array.from({ length: nUsers }, (_, j) => j));
  const userGroup = _dealGroups(perm, { counts: _counts(d.u, nUsers), groups: S });
  const itemOrder = S === 1 ? null : rng.shuffle(Int32Array.from({ length: nItems }, (_, j) => j));
  const itemGroup = itemOrder
    ? _dealGroups(itemOrder, { counts: _counts(d.i, nItems), groups: S })
    : new Int32Array(nItems);
  const seed = S === 1 ? 0 : rng.uint32();
  const i32 = (length: number) =>
    S === 1 ? new Int32Array(length) : new Int32Array(new SharedArrayBuffer(4 * length));
  // each user's block within its group and its rank there, in the dealing order
  const blockOf = new Int32Array(nUsers);
  const usersIn = new Int32Array(S);
  const rankOf = new Int32Array(nUsers);
  for (let j = 0; j < nUsers; j++) {
    const u = perm[j]!, g = userGroup[u]!;
    blockOf[u] = Math.floor(usersIn[g]! / blockUsers);
    rankOf[u] = usersIn[g]!++;
  }
  const userAt = _groupedRows(userGroup, { rank: rankOf, groups: S });
  const itemAt = S === 1 ? Int32Array.from({ length: nItems }, (_, j) => j) : _groupedRows(
    itemGroup,
    { rank: _ranks(itemOrder!, itemGroup, S), groups: S },
  );
  const cellSeg = new Int32Array(S * S + 1);
  for (let p = 0; p < S * S; p++) {
    cellSeg[p + 1] = cellSeg[p]! + Math.ceil(usersIn[p % S]! / blockUsers);
  }
  const nSeg = cellSeg[S * S]!;
  const segOf = (e: number) => {
    const u = d.u[e]!, g = userGroup[u]!;
    const t = (itemGroup[d.i[e]!]! - g + S) % S;
    return cellSeg[t * S + g]! + blockOf[u]!;
  };
  const segStart = new Int32Array(nSeg + 1);
  const n = d.u.length;
  for (let e = 0; e < n; e++) segStart[segOf(e) + 1]!++;
  for (let s = 0; s < nSeg; s++) segStart[s + 1]! += segStart[s]!;
  const fill = segStart.slice(0, nSeg);
  const u = i32(n), i = i32(n);
  const r = S === 1 ? new Float32Array(n) : new Float32Array(new SharedArrayBuffer(4 * n));
  for (let e = 0; e < n; e++) {
    const k = fill[segOf(e)]!++;
    u[k] = userAt[d.u[e]!]!;
    i[k] = itemAt[d.i[e]!]!;
    r[k] = d.r[e]!;
  }
  const pos = i32(n);
  for (let k = 0; k < n; k++) pos[k] = k;
  const cellStart = i32(S * S + 1);
  for (let p = 0; p <= S * S; p++) cellStart[p] = segStart[cellSeg[p]!]!;
  const share = (a: Int32Array) => {
    const out = i32(a.length);
    out.set(a);
    return out;
  };
  return {
    strata: S,
    seed,
    userAt,
    itemAt,
    u,
    i,
    r,
    pos,
    segStart: share(segStart),
    cellSeg: share(cellSeg),
    cellStart,
  };
}

/** Rank of each index within its group, walking `order`. */
function _ranks(order: Int32Array, group: Int32Array, groups: number): Int32Array {
  const rank = new Int32Array(order.length);
  const seen = new Int32Array(groups);
  for (let j = 0; j < order.length; j++) {
    const x = order[j]!;
    rank[x] = seen[group[x]!]!++;
  }
  return rank;
}

/** Row of each index when the groups are laid out one after another, each in rank order. */
function _groupedRows(
  group: Int32Array,
  options: { rank: Int32Array; groups: number },
): Int32Array {
  const { rank, groups } = options;
  const base = new Int32Array(groups + 1);
  for (let x = 0; x < group.length; x++) base[group[x]! + 1]!++;
  for (let g = 0; g < groups; g++) base[g + 1]! += base[g]!;
  return Int32Array.from(group, (g, x) => base[g]! + rank[x]!);
}

/** Number of ratings of each of `size` indices. */
function _counts(index: Int32Array, size: number): Float64Array {
  const counts = new Float64Array(size);
  for (let e = 0; e < index.length; e++) counts[index[e]!]!++;
  return counts;
}

/** Group of each index: walking `order`, each goes to the group with the fewest ratings so far (lowest on ties). */
function _dealGroups(
  order: Int32Array,
  options: { counts: Float64Array; groups: number },
): Int32Array {
  const { counts, groups } = options;
  const group = new Int32Array(order.length);
  if (groups === 1) return group;
  const load = new Float64Array(groups);
  for (let j = 0; j < order.length; j++) {
    const x = order[j]!;
    let best = 0;
    for (let g = 1; g < groups; g++) if (load[g]! < load[best]!) best = g;
    group[x] = best;
    load[best]! += counts[x]!;
  }
  return group;
}

/**
 * One epoch's order with one stratum: the blocks in a random order of `rng`,
 * each block's ratings shuffled, gathered into the kernel's `U`, `I`, `R`
 * (the unstratified order of before).
 */
export function _gatherStrata(
  strata: _CellOrder,
  s: { U: Int32Array; I: Int32Array; R: Float32Array; rng: Prng },
): void {
  const { cellSeg } = strata;
  let j = 0;
  for (let p = 0; p + 1 < cellSeg.length; p++) j = _gatherBlocks(strata, { ...s, p, j });
}

/**
 * Cell `p`'s order in `epoch` with several strata, from the cell's own
 * stream: the same whichever thread gathers it and whatever the other
 * cells do; gathered into its range of `U`, `I`, `R`.
 */
export function _gatherCell(
  strata: _CellOrder,
  s: { U: Int32Array; I: Int32Array; R: Float32Array; p: number; epoch: number },
): void {
  const S = strata.strata;
  const rng = new Prng(_mix(strata.seed ^ _mix(s.epoch * S * S + s.p + 1)));
  _gatherBlocks(strata, { U: s.U, I: s.I, R: s.R, rng, p: s.p, j: strata.cellStart[s.p]! });
}

/** Cell p's blocks in a random order, each shuffled, written from `j` on; returns the next `j`. */
function _gatherBlocks(
  strata: _CellOrder,
  s: { U: Int32Array; I: Int32Array; R: Float32Array; rng: Prng; p: number; j: number },
): number {
  const { u, i, r, pos, segStart, cellSeg } = strata;
  const { U, I, R, rng, p } = s;
  let j = s.j;
  const first = cellSeg[p]!, nBlocks = cellSeg[p + 1]! - first;
  const visit = rng.shuffle(Int32Array.from({ length: nBlocks }, (_, b) => first + b));
  for (let v = 0; v < nBlocks; v++) {
    const b = visit[v]!;
    const seg = pos.subarray(segStart[b]!, segStart[b + 1]!);
    rng.shuffle(seg);
    for (let t = 0; t < seg.length; t++, j++) {
      const k = seg[t]!;
      U[j] = u[k]!;
      I[j] = i[k]!;
      R[j] = r[k]!;
    }
  }
  return j;
}

/** A 32-bit integer hash (the murmur3 finalizer). */
function _mix(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
