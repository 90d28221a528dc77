/**
 * `deno run -A bench/prune_share.ts [--sizes 5M] [--models svd,biased-mf] [--sample 2000]`:
 * how much of the evaluation's scoring an exact early termination by score
 * upper bounds could skip (issue 17, the LEMP-style idea of
 * `reports/bench/prune.md`). For a random sample of test users known in
 * train, it scores every item exactly (the batch scorer, the bits of the
 * ranking), finds the final k-th score of the floored list (floor 50) and of
 * the unfloored one, and bounds each item's score by Cauchy-Schwarz:
 * `base_u + bias_i + ||q_i|| ||p_u||` (f64, plus a slack for the f32
 * rounding). It reports the share of unseen items that would still have to
 * be scored:
 *
 * - `ideal`: the items whose bound reaches the final bar of their list (a
 *   floor-passing item: the floored k-th; an item below the floor: the
 *   unfloored k-th, the unfloored list being seeded with the floored top k):
 *   the least any bound-based order can score;
 * - `scan:<order>`: a simulated scan over blocks of 256 items in one fixed
 *   order shared by all users (what a 16-user batch needs), with running
 *   top-k lists, stopping before a block once no later block's bound (its
 *   largest bias plus its largest norm times `||p_u||`, per floor side)
 *   reaches the running bar of its side. Orders: `norm` (||q_i|| descending)
 *   and `mixed` (bias_i + ||q_i|| * mean ||p_u|| descending).
 *
 * Prints one JSON line per size and model.
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
import { DEFAULT_MIN_RATINGS } from "../recommender/evaluation/min_ratings.ts";

const SIZES: Record<string, number> = { "1M": 1e6, "5M": 5e6, "10M": 1e7, "25M": 2.5e7 };
const K = 10;
const BLOCK = 256;

/** Mulberry32: a small seeded generator for the user sample. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The k-th largest of a running list kept in descending order (-Infinity below k). */
class Bar {
  readonly s: number[] = [];
  push(x: number): void {
    const s = this.s;
    if (s.length === K && !(x > s[K - 1]!)) return;
    let j = s.length < K ? s.length : K - 1;
    if (s.length < K) s.push(x);
    while (j > 0 && s[j - 1]! < x) {
      s[j] = s[j - 1]!;
      j--;
    }
    s[j] = x;
  }
  get value(): number {
    return this.s.length < K ? -Infinity : this.s[K - 1]!;
  }
}

function quantiles(xs: number[]): Record<string, number> {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const r = (x: number) => Math.round(x * 10000) / 10000;
  return {
    mean: r(mean),
    p10: r(q(0.1)),
    p50: r(q(0.5)),
    p90: r(q(0.9)),
    max: r(s[s.length - 1]!),
  };
}

function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "5M" },
      models: { type: "string", default: "svd,biased-mf" },
      sample: { type: "string", default: "2000" },
    },
  });
  for (const size of values.sizes.split(",")) {
    const n0 = SIZES[size];
    if (!n0) throw new Error(`Cannot bench size "${size}": expected one of ${Object.keys(SIZES)}`);
    const { ratings } = syntheticRatings(n0);
    const split = randomSplit(ratings, { testFraction: 0.2, seed: 42 }).folds[0]!;
    const train = selectRows(ratings, split.train), test = selectRows(ratings, split.test);
    for (const name of values.models.split(",")) {
      const load0 = os.loadavg()[0]!;
      const model = createModel(name, {});
      const t0 = performance.now();
      model.fit(train);
      const fitSeconds = (performance.now() - t0) / 1000;
      if (!_hasRawScoring(model)) throw new Error(`Cannot measure "${name}": no raw scores`);
      const factors = model.rawFactors?.() ?? null;
      if (!factors) throw new Error(`Cannot measure "${name}": no factors`);
      const view = factors.view;
      const scorer = _BatchScorer.create(view)!;
      const n = view.itemIds.length, k = view.k;
      const counts = model.itemCounts();
      const Q = view.itemFactors, P = view.userFactors, bias = view.itemBias;
      const qn = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let f = 0; f < k; f++) s += Q[i * k + f]! * Q[i * k + f]!;
        qn[i] = Math.sqrt(s);
      }
      const known = new Set(train.userId);
      const ids = [...new Set([...test.userId].filter((u) => known.has(u)))].sort((a, b) => a - b);
      const rand = rng(7);
      const sample: number[] = [];
      const want = Math.min(Number(values.sample), ids.length);
      const taken = new Set<number>();
      while (sample.length < want) {
        const j = Math.floor(rand() * ids.length);
        if (!taken.has(j)) {
          taken.add(j);
          sample.push(ids[j]!);
        }
      }
      const pn = (r: number) => {
        let s = 0;
        for (let f = 0; f < k; f++) s += P[r * k + f]! * P[r * k + f]!;
        return Math.sqrt(s);
      };
      let meanPn = 0;
      for (const u of sample) meanPn += pn(scorer.row(u));
      meanPn /= sample.length;
      // fixed orders shared by every user
      const byKey = (key: (i: number) => number) => {
        const o = Array.from({ length: n }, (_, i) => i);
        o.sort((a, b) => key(b) - key(a) || a - b);
        return Int32Array.from(o);
      };
      const orders: Record<string, Int32Array> = {
        norm: byKey((i) => qn[i]!),
        mixed: byKey((i) => (bias ? bias[i]! : 0) + qn[i]! * meanPn),
      };
      // per order and block: the largest bias and norm of its floor-passing and below-floor items
      const blocks: Record<
        string,
        { bA: Float64Array; nA: Float64Array; bB: Float64Array; nB: Float64Array }
      > = {};
      const nb = Math.ceil(n / BLOCK);
      for (const [o, order] of Object.entries(orders)) {
        const bA = new Float64Array(nb).fill(-Infinity), nA = new Float64Array(nb);
        const bB = new Float64Array(nb).fill(-Infinity), nB = new Float64Array(nb);
        for (let j = 0; j < n; j++) {
          const i = order[j]!, blk = (j / BLOCK) | 0, b = bias ? bias[i]! : 0;
          if (counts[i]! >= DEFAULT_MIN_RATINGS) {
            bA[blk] = Math.max(bA[blk]!, b);
            nA[blk] = Math.max(nA[blk]!, qn[i]!);
          } else {
            bB[blk] = Math.max(bB[blk]!, b);
            nB[blk] = Math.max(nB[blk]!, qn[i]!);
          }
        }
        blocks[o] = { bA, nA, bB, nB };
      }
      const ideal: number[] = [], idealFloored: number[] = [];
      const scan: Record<string, number[]> = {
        norm: [],
        mixed: [],
        "norm+exact": [],
        "mixed+exact": [],
      };
      /** Per order: the blocks each user of the sample needs (a 16-user batch scans the most of its users). */
      const scanBlocks: Record<string, number[]> = {
        norm: [],
        mixed: [],
        "norm+exact": [],
        "mixed+exact": [],
      };
      const seenMark = new Uint8Array(n);
      const t1 = performance.now();
      for (let s0 = 0; s0 < sample.length; s0 += 16) {
        const users = sample.slice(s0, s0 + 16);
        const rows = users.map((u) => scorer.row(u));
        scorer.score(rows);
        for (let b = 0; b < users.length; b++) {
          const u = users[b]!, r = rows[b]!;
          const sc = scorer.userScores(b);
          const seen = model.seenItems(u);
          for (let j = 0; j < seen.length; j++) seenMark[seen[j]!] = 1;
          const base = Math.fround(
            view.userMean ? view.userMean[r]! : view.globalMean + (view.userBias?.[r] ?? 0),
          );
          const p = pn(r);
          // slack: the f32 dot (k products, k adds), the bias add and the base add, relative
          const slack = (x: number) => 1e-5 * (Math.abs(base) + Math.abs(x)) + 1e-6;
          const barF = new Bar(), barU = new Bar();
          let unseen = 0;
          for (let i = 0; i < n; i++) {
            if (seenMark[i]) continue;
            unseen++;
            if (counts[i]! >= DEFAULT_MIN_RATINGS) barF.push(sc[i]!);
            barU.push(sc[i]!);
          }
          const bf = barF.value, bu = barU.value;
          let need = 0, needF = 0;
          for (let i = 0; i < n; i++) {
            if (seenMark[i]) continue;
            const item = (bias ? bias[i]! : 0) + qn[i]! * p;
            const bound = base + item + slack(item);
            if (counts[i]! >= DEFAULT_MIN_RATINGS) {
              if (bound >= bf) {
                need++;
                needF++;
              }
            } else if (bound >= bu) need++;
          }
          ideal.push(need / unseen);
          idealFloored.push(needF / unseen);
          for (const o of Object.keys(scan)) {
            const exact = o.endsWith("+exact");
            const { bA, nA, bB, nB } = blocks[exact ? o.slice(0, -6) : o]!;
            const order = orders[exact ? o.slice(0, -6) : o]!;
            // suffix bounds per side (exact: the largest item bound of the block, per user)
            const sufA = new Float64Array(nb + 1).fill(-Infinity);
            const sufB = new Float64Array(nb + 1).fill(-Infinity);
            for (let blk = nb - 1; blk >= 0; blk--) {
              let a = bA[blk]! + nA[blk]! * p, c = bB[blk]! + nB[blk]! * p;
              if (exact) {
                a = c = -Infinity;
                const end = Math.min(n, (blk + 1) * BLOCK);
                for (let j = blk * BLOCK; j < end; j++) {
                  const i = order[j]!, x = (bias ? bias[i]! : 0) + qn[i]! * p;
                  if (counts[i]! >= DEFAULT_MIN_RATINGS) a = Math.max(a, x);
                  else c = Math.max(c, x);
                }
              }
              // a side without items in the block (-Infinity) bounds nothing
              if (a > -Infinity) sufA[blk] = Math.max(sufA[blk + 1]!, base + a + slack(a));
              else sufA[blk] = sufA[blk + 1]!;
              if (c > -Infinity) sufB[blk] = Math.max(sufB[blk + 1]!, base + c + slack(c));
              else sufB[blk] = sufB[blk + 1]!;
            }
            const runF = new Bar(), runU = new Bar();
            let scored = 0, blk = 0;
            for (; blk < nb; blk++) {
              if (sufA[blk]! < runF.value && sufB[blk]! < runU.value) break;
              const end = Math.min(n, (blk + 1) * BLOCK);
              for (let j = blk * BLOCK; j < end; j++) {
                const i = order[j]!;
                if (seenMark[i]) continue;
                scored++;
                if (counts[i]! >= DEFAULT_MIN_RATINGS) runF.push(sc[i]!);
                runU.push(sc[i]!);
              }
            }
            if (blk === nb && (runF.value !== bf || runU.value !== bu)) throw new Error("bug");
            scan[o]!.push(scored / unseen);
            scanBlocks[o]!.push(blk);
          }
          for (let j = 0; j < seen.length; j++) seenMark[seen[j]!] = 0;
        }
      }
      console.log(JSON.stringify({
        size,
        model: name,
        factors: k,
        users: ids.length,
        sampled: sample.length,
        movies: n,
        passingFloor: counts.filter((c) => c >= DEFAULT_MIN_RATINGS).length,
        meanUserNorm: Math.round(meanPn * 1000) / 1000,
        fitSeconds: Math.round(fitSeconds),
        measureSeconds: Math.round((performance.now() - t1) / 100) / 10,
        share: {
          ideal: quantiles(ideal),
          idealFlooredOnly: quantiles(idealFloored),
          ...Object.fromEntries(Object.keys(scan).map((o) => [`scan:${o}`, quantiles(scan[o]!)])),
          ...Object.fromEntries(
            Object.keys(scan).map((o) => {
              const per: number[] = [];
              const b = scanBlocks[o]!;
              for (let j = 0; j < b.length; j += 16) per.push(Math.max(...b.slice(j, j + 16)) / nb);
              return [`batch16:${o}`, quantiles(per)];
            }),
          ),
          // the 4-user kernel's work when each quad stops at its own last block: random quads,
          // and quads of users sorted by their stop within each batch of 16 (an oracle grouping)
          ...Object.fromEntries(
            Object.keys(scan).flatMap((o) => {
              const b = scanBlocks[o]!, rand: number[] = [], sorted: number[] = [];
              for (let j = 0; j < b.length; j += 4) rand.push(Math.max(...b.slice(j, j + 4)) / nb);
              for (let j = 0; j < b.length; j += 16) {
                const g = b.slice(j, j + 16).sort((x, y) => x - y);
                for (let q = 0; q < g.length; q += 4) {
                  sorted.push(Math.max(...g.slice(q, q + 4)) / nb);
                }
              }
              return [[`quad:${o}`, quantiles(rand)], [`quadSorted16:${o}`, quantiles(sorted)]];
            }),
          ),
        },
        loadAverage1m: [load0, os.loadavg()[0]!],
      }));
    }
  }
}

if (import.meta.main) main();
