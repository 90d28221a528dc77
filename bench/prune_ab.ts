/**
 * `deno run -A bench/prune_ab.ts [--size 5M] [--models svd,biased-mf] [--rounds 3] [--users 8000]`:
 * a prototype of exact early termination by score upper bounds (see
 * `reports/bench/prune.md`), timed against the full scoring, both computing
 * only each user's top-10 score lists (floor 50 and no floor, seen items
 * excluded; no positions, no metrics). Full: `_BatchScorer` over every item,
 * 16 users per pass, and a JS scan of every score. Pruned: the items
 * permuted by `bias_i + ||q_i|| * mean ||p_u||` descending, one quad of users
 * scored block by block (256 items), each block's scores scanned in JS, the
 * quad stopping once, for each of its users, no later block's bound (a
 * precomputed suffix maximum of `bias_i + ||q_i|| t` at the grid point `t`
 * at or above `||p_u||`, per floor side, plus a slack) reaches the running
 * k-th score of its side. The two must give the same score lists (checked).
 * For scale, the evaluation's own `_UserRanker.rankRange` (both floors,
 * positions and the `above` kernel, no metrics) is timed on the same users.
 * Prints one JSON line per model.
 *
 * @module
 */
import { parseArgs } from "node:util";
import os from "node:os";
import { selectRows } from "../recommender/core/ratings.ts";
import { syntheticRatings } from "./_synthetic_size.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import { _hasRawScoring } from "../recommender/scoring/_raw_scoring.ts";
import { _BatchScorer } from "../recommender/kernels/_batch_scorer.ts";
import type { FactorView } from "../recommender/core/factor_view.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/evaluation/min_ratings.ts";
import { _UserRanker } from "../recommender/evaluation/_evaluation_ranker.ts";
import { _rankOutput } from "../recommender/evaluation/_evaluation_pool.ts";

const SIZES: Record<string, number> = { "1M": 1e6, "5M": 5e6, "10M": 1e7, "25M": 2.5e7 };
const K = 10;
const BLOCK = 256;
const GRID = 64;

/** The top K scores, descending (a plain insertion list). */
class Top {
  s = new Float64Array(K).fill(-Infinity);
  push(x: number): void {
    const s = this.s;
    if (!(x > s[K - 1]!)) return;
    let j = K - 1;
    while (j > 0 && s[j - 1]! < x) {
      s[j] = s[j - 1]!;
      j--;
    }
    s[j] = x;
  }
  get bar(): number {
    return this.s[K - 1]!;
  }
}

function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      size: { type: "string", default: "5M" },
      models: { type: "string", default: "svd,biased-mf" },
      rounds: { type: "string", default: "3" },
      users: { type: "string", default: "8000" },
    },
  });
  const { ratings } = syntheticRatings(SIZES[values.size]!);
  const split = randomSplit(ratings, { testFraction: 0.2, seed: 42 }).folds[0]!;
  const train = selectRows(ratings, split.train), test = selectRows(ratings, split.test);
  for (const name of values.models.split(",")) {
    const model = createModel(name, {});
    model.fit(train);
    if (!_hasRawScoring(model)) throw new Error(`Cannot time "${name}": no raw scores`);
    const view = model.rawFactors!()!.view;
    const n = view.itemIds.length, k = view.k;
    const counts = model.itemCounts();
    const Q = view.itemFactors, P = view.userFactors, bias = view.itemBias;
    const qn = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += Q[i * k + f]! * Q[i * k + f]!;
      qn[i] = Math.sqrt(s);
    }
    const nU = view.userIds.length, pn = new Float64Array(nU);
    let maxP = 0, meanP = 0;
    for (let r = 0; r < nU; r++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += P[r * k + f]! * P[r * k + f]!;
      pn[r] = Math.sqrt(s);
      maxP = Math.max(maxP, pn[r]!);
      meanP += pn[r]! / nU;
    }
    const b = (i: number) => bias ? bias[i]! : 0;
    const perm = Int32Array.from({ length: n }, (_, i) => i)
      .sort((x, y) => (b(y) + qn[y]! * meanP) - (b(x) + qn[x]! * meanP) || x - y);
    const pQ = new Float32Array(n * k), pBias = bias ? new Float32Array(n) : undefined;
    for (let j = 0; j < n; j++) {
      pQ.set(Q.subarray(perm[j]! * k, perm[j]! * k + k), j * k);
      if (pBias) pBias[j] = bias![perm[j]!]!;
    }
    const pView: FactorView = {
      ...view,
      itemFactors: pQ,
      itemBias: pBias,
      itemIds: Int32Array.from(perm, (i) => view.itemIds[i]!),
      itemNorms: Float32Array.from(perm, (i) => view.itemNorms[i]!),
    };
    // per side (0: floor-passing, 1: below), block and grid point: the suffix max of the item part
    const nb = Math.ceil(n / BLOCK);
    const suf = [new Float64Array((nb + 1) * GRID), new Float64Array((nb + 1) * GRID)];
    for (const s of suf) s.fill(-Infinity);
    for (let blk = nb - 1; blk >= 0; blk--) {
      for (let g = 0; g < GRID; g++) {
        const t = maxP * g / (GRID - 1);
        let a = -Infinity, c = -Infinity;
        for (let j = blk * BLOCK; j < Math.min(n, (blk + 1) * BLOCK); j++) {
          const i = perm[j]!, x = b(i) + qn[i]! * t + 1e-5 * (Math.abs(b(i)) + qn[i]! * t);
          if (counts[i]! >= DEFAULT_MIN_RATINGS) a = Math.max(a, x);
          else c = Math.max(c, x);
        }
        suf[0]![blk * GRID + g] = Math.max(a, suf[0]![(blk + 1) * GRID + g]!);
        suf[1]![blk * GRID + g] = Math.max(c, suf[1]![(blk + 1) * GRID + g]!);
      }
    }
    const known = new Set(train.userId);
    const ids = [...new Set([...test.userId].filter((u) => known.has(u)))].sort((x, y) => x - y)
      .slice(0, Number(values.users));
    const full = _BatchScorer.create(view)!, pruned = _BatchScorer.create(pView)!;
    const rows = ids.map((u) => full.row(u));
    const baseOf = (r: number) =>
      Math.fround(view.userMean ? view.userMean[r]! : view.globalMean + (view.userBias?.[r] ?? 0));
    const mark = new Uint8Array(n);
    const floorOk = Uint8Array.from(counts, (c) => c >= DEFAULT_MIN_RATINGS ? 1 : 0);
    const pFloorOk = Uint8Array.from(perm, (i) => floorOk[i]!);
    const runFull = (): Float64Array => {
      const out = new Float64Array(ids.length * 2 * K);
      for (let s0 = 0; s0 < ids.length; s0 += 16) {
        const rs = rows.slice(s0, s0 + 16);
        full.score(rs);
        for (let q = 0; q < rs.length; q++) {
          const seen = model.seenItems(ids[s0 + q]!);
          for (const i of seen) mark[i] = 1;
          const sc = full.userScores(q), tf = new Top(), tu = new Top();
          for (let i = 0; i < n; i++) {
            if (mark[i]) continue;
            const s = sc[i]!;
            if (s > tu.bar) tu.push(s);
            if (floorOk[i] && s > tf.bar) tf.push(s);
          }
          for (const i of seen) mark[i] = 0;
          out.set(tf.s, (s0 + q) * 2 * K);
          out.set(tu.s, (s0 + q) * 2 * K + K);
        }
      }
      return out;
    };
    let scoredItems = 0;
    const pMark = new Uint8Array(n), inv = new Int32Array(n);
    for (let j = 0; j < n; j++) inv[perm[j]!] = j;
    const runPruned = (): Float64Array => {
      const out = new Float64Array(ids.length * 2 * K);
      scoredItems = 0;
      for (let s0 = 0; s0 < ids.length; s0 += 4) {
        const rs = rows.slice(s0, s0 + 4), m = rs.length;
        const tf = rs.map(() => new Top()), tu = rs.map(() => new Top());
        const grid = rs.map((r) => Math.min(GRID - 1, Math.ceil(pn[r]! / maxP * (GRID - 1))));
        const base = rs.map(baseOf);
        const seens = rs.map((_, q) => model.seenItems(ids[s0 + q]!));
        const done = new Uint8Array(m);
        for (let blk = 0; blk < nb; blk++) {
          let open = 0;
          for (let q = 0; q < m; q++) {
            if (done[q]) continue;
            const o = blk * GRID + grid[q]!;
            const bf = base[q]! + suf[0]![o]!, bu = base[q]! + suf[1]![o]!;
            if (bf < tf[q]!.bar && bu < tu[q]!.bar) done[q] = 1;
            else open++;
          }
          if (open === 0) break;
          const from = blk * BLOCK, to = Math.min(n, from + BLOCK);
          pruned.score(rs, from, to);
          scoredItems += (to - from) * m;
          for (let q = 0; q < m; q++) {
            if (done[q]) continue;
            for (const i of seens[q]!) pMark[inv[i]!] = 1;
            const sc = pruned.userScores(q), f = tf[q]!, u = tu[q]!;
            for (let j = from; j < to; j++) {
              if (pMark[j]) continue;
              const s = sc[j]!;
              if (s > u.bar) u.push(s);
              if (pFloorOk[j] && s > f.bar) f.push(s);
            }
            for (const i of seens[q]!) pMark[inv[i]!] = 0;
          }
        }
        for (let q = 0; q < m; q++) {
          out.set(tf[q]!.s, (s0 + q) * 2 * K);
          out.set(tu[q]!.s, (s0 + q) * 2 * K + K);
        }
      }
      return out;
    };
    // the real ranker on the same users (positions, TopK, the `above` kernel; no metrics), for scale
    const rankUsers = {
      userIds: Int32Array.from(ids),
      relIndptr: new Int32Array(ids.length + 1),
      relMovies: new Int32Array(0),
    };
    const runRanker = () => {
      const out = _rankOutput(ids.length, 2, K, false);
      new _UserRanker(model, K, [DEFAULT_MIN_RATINGS, 0]).rankRange(0, ids.length, rankUsers, out);
    };
    const seconds: Record<string, number[]> = { full: [], pruned: [], ranker: [] };
    const loads: number[] = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      loads.push(os.loadavg()[0]!);
      let t0 = performance.now();
      const a = runFull();
      seconds.full!.push((performance.now() - t0) / 1000);
      t0 = performance.now();
      const c = runPruned();
      seconds.pruned!.push((performance.now() - t0) / 1000);
      t0 = performance.now();
      runRanker();
      seconds.ranker!.push((performance.now() - t0) / 1000);
      for (let j = 0; j < a.length; j++) {
        if (!Object.is(a[j], c[j])) throw new Error(`Cannot compare: lists differ at ${j}`);
      }
    }
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    console.log(JSON.stringify({
      size: values.size,
      model: name,
      users: ids.length,
      movies: n,
      scoredShare: r3(scoredItems / (ids.length * n)),
      seconds: {
        full: seconds.full!.map(r3),
        pruned: seconds.pruned!.map(r3),
        ranker: seconds.ranker!.map(r3),
      },
      loadAverage1m: [Math.min(...loads), Math.max(...loads)],
    }));
  }
}

if (import.meta.main) main();
