/**
 * The fitting shared by `svdpp` and `timesvdpp`: SGD over the ratings grouped
 * by user (users in a seeded shuffled order, each user's ratings shuffled
 * too), the implicit sum `|N(u)|^-1/2 sum_j y_j` formed once per user and the
 * `y_j` updated once per user (`_wasm_svdpp.ts`, or the same loop in JS),
 * per-epoch learning-rate decay and early stopping on a validation set.
 *
 * With `time` (Koren 2009, timeSVD++), the biases become
 * `b_u + alpha_u dev_u(t) + b_{u,day}` and `b_i + b_{i,bin(t)}`, where
 * `dev_u(t) = sign(t - t_u) |t - t_u|^beta` in days from the user's mean
 * rating day and `bin(t)` one of `timeBins` equal spans of the training
 * period. `predict(user, movie)` carries no time, so the fitted model folds
 * the time terms into the biases by `predictAt`: `mean` averages them over
 * the user's (the movie's) training ratings, the expected value for a rating
 * at a random time of the training period (random splits); `last` takes
 * "now" as the training data sees it, each user's drift and day bias at the
 * user's last training day and each movie's bias in the last bin (temporal
 * splits, serving). The validation loss (and so early stopping) uses the
 * same rule.
 *
 * The fitted model is a plain factor model: user factors `p_u + z_u`, user
 * bias and item bias as above, so scoring, ranking, fold-in and the API work
 * unchanged.
 *
 * @module
 */
import type { EpochRecord, FitOptions } from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { _sharedEncoding, _sharedSeenArrays } from "./_fit_setup.ts";
import { _EpochLog } from "./_epoch_log.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import { Prng } from "../core/prng.ts";
import { _instantiateWasmSvdpp } from "../kernels/_wasm_svdpp.ts";
import { _biasedFactorRmse } from "./_biased_rmse.ts";

/** The hyper-parameters both models share. */
export interface _SvdppSettings {
  readonly factors: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly learningRateDecay: number;
  readonly regularization: number;
  readonly biasRegularization: number;
  readonly implicitRegularization: number;
  readonly initStd: number;
  readonly seed: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly kernel: "auto" | "wasm" | "js";
}

/** The extra settings of the time-aware biases. */
export interface _TimeSettings {
  readonly timeBins: number;
  readonly beta: number;
  readonly timeLearningRate: number;
  readonly timeRegularization: number;
  readonly driftLearningRate: number;
  readonly driftRegularization: number;
  /** Time of a prediction: averaged over the training ratings, or the last training day. */
  readonly predictAt: "mean" | "last";
}

/** What a fit produces. */
export interface _SvdppResult {
  readonly scorer: _FactorScorer;
  readonly history: EpochRecord[];
  readonly extra: Record<string, unknown>;
  readonly hash: string;
}

const DAY = 86400;

/** Fits SVD++ (or timeSVD++ when `time` is given); pure, no I/O. */
export function _fitSvdpp(
  train: Ratings,
  settings: { model: string; svdpp: _SvdppSettings; time?: _TimeSettings },
  options: FitOptions = {},
): _SvdppResult {
  const t0 = performance.now();
  const c = settings.svdpp;
  const ts = settings.time;
  const model = settings.model;
  const d = _sharedEncoding(train, model);
  const nU = d.users.size, nI = d.items.size, n = d.r.length;
  const k = c.factors;
  const kp = (k + 3) & ~3;

  // ratings grouped by user (stable), the master order the epochs permute
  const indptr = new Int32Array(nU + 1);
  for (let e = 0; e < n; e++) indptr[d.u[e]! + 1]!++;
  for (let u = 0; u < nU; u++) indptr[u + 1]! += indptr[u]!;
  const rowOf = new Int32Array(n);
  {
    const fill = indptr.slice(0, nU);
    for (let e = 0; e < n; e++) rowOf[fill[d.u[e]!]!++] = e;
  }
  const norm = new Float32Array(nU);
  for (let u = 0; u < nU; u++) {
    const cnt = indptr[u + 1]! - indptr[u]!;
    norm[u] = cnt > 0 ? 1 / Math.sqrt(cnt) : 0;
  }

  // time features
  const tb0 = new Int32Array(n), td0 = new Int32Array(n), dev0 = new Float32Array(n);
  let nBT = 1, nBUD = 1;
  const lastDayIndex = new Int32Array(nU).fill(-1);
  const lastDev = new Float32Array(nU);
  let lastBin = 0;
  let timeInfo: Record<string, unknown> = {};
  if (ts) {
    let tMin = Infinity, tMax = -Infinity;
    for (let e = 0; e < n; e++) {
      const t = train.timestamp[e]!;
      if (t < tMin) tMin = t;
      if (t > tMax) tMax = t;
    }
    const span = tMax - tMin + 1;
    const bins = ts.timeBins;
    const binOf = (t: number) => Math.min(bins - 1, Math.floor(((t - tMin) / span) * bins));
    lastBin = binOf(tMax);
    for (let e = 0; e < n; e++) tb0[e] = d.i[e]! * bins + binOf(train.timestamp[e]!);
    nBT = nI * bins;
    const dayKey = new Map<number, number>();
    const meanDay = new Float64Array(nU);
    const lastDay = new Float64Array(nU).fill(-Infinity);
    for (let e = 0; e < n; e++) {
      const u = d.u[e]!;
      const day = Math.floor(train.timestamp[e]! / DAY);
      meanDay[u]! += day;
      if (day > lastDay[u]!) lastDay[u] = day;
    }
    for (let u = 0; u < nU; u++) {
      const cnt = indptr[u + 1]! - indptr[u]!;
      if (cnt > 0) meanDay[u] = meanDay[u]! / cnt;
    }
    const devOf = (u: number, day: number) => {
      const x = day - meanDay[u]!;
      return Math.sign(x) * Math.pow(Math.abs(x), ts.beta);
    };
    nBUD = 0;
    for (let e = 0; e < n; e++) {
      const u = d.u[e]!;
      const day = Math.floor(train.timestamp[e]! / DAY);
      const key = u * 1e6 + (day - Math.floor(tMin / DAY));
      let x = dayKey.get(key);
      if (x === undefined) dayKey.set(key, x = nBUD++);
      td0[e] = x;
      dev0[e] = devOf(u, day);
      if (day === lastDay[u]) lastDayIndex[u] = x;
    }
    nBUD = Math.max(1, nBUD);
    for (let u = 0; u < nU; u++) {
      if (Number.isFinite(lastDay[u]!)) lastDev[u] = devOf(u, lastDay[u]!);
    }
    timeInfo = { timeBins: bins, userDays: dayKey.size, lastBin };
  }

  // one buffer (byte offsets)
  let at = 0;
  const take = (count: number) => {
    const off = at;
    at += count * 4;
    return off;
  };
  const oOrd = take(nU), oIndptr = take(nU + 1), oItem = take(n), oRate = take(n);
  const oTb = take(n), oTd = take(n), oDev = take(n);
  const oP = take(nU * kp), oQ = take(nI * kp), oY = take(nI * kp);
  const oBu = take(nU), oBi = take(nI), oBt = take(nBT), oBud = take(nBUD), oAl = take(nU);
  const oStateEnd = at;
  const oNorm = take(nU), oZ = take(kp), oAcc = take(kp), oSc = take(9);
  const bytes = at;
  const wasm = c.kernel === "js" ? null : _instantiateWasmSvdpp(bytes);
  if (c.kernel === "wasm" && !wasm) {
    throw new Error(
      `Cannot fit "${model}" with kernel "wasm": this runtime has no WebAssembly SIMD; use kernel "js"`,
    );
  }
  const buffer = wasm ? wasm.memory.buffer : new ArrayBuffer(bytes);
  const f32 = (off: number, len: number) => new Float32Array(buffer, off, len);
  const i32 = (off: number, len: number) => new Int32Array(buffer, off, len);
  const ORD = i32(oOrd, nU), IND = i32(oIndptr, nU + 1), ITEM = i32(oItem, n);
  const RATE = f32(oRate, n), TB = i32(oTb, n), TD = i32(oTd, n), DEV = f32(oDev, n);
  const P = f32(oP, nU * kp), Q = f32(oQ, nI * kp), Y = f32(oY, nI * kp);
  const bu = f32(oBu, nU), bi = f32(oBi, nI), bt = f32(oBt, nBT), bud = f32(oBud, nBUD);
  const alpha = f32(oAl, nU), NORM = f32(oNorm, nU), SC = f32(oSc, 9);
  const Z = f32(oZ, kp), ACC = f32(oAcc, kp);
  IND.set(indptr);
  NORM.set(norm);
  const rng = new Prng(c.seed);
  for (let u = 0; u < nU; u++) {
    for (let f = 0; f < k; f++) P[u * kp + f] = rng.gaussian() * c.initStd;
  }
  for (let i = 0; i < nI; i++) {
    for (let f = 0; f < k; f++) Q[i * kp + f] = rng.gaussian() * c.initStd;
  }
  // y starts at zero: the first epochs fit like biased MF
  const mu = d.globalMean;
  const val = options.validation
    ? {
      u: d.users.encode(options.validation.userId),
      i: d.items.encode(options.validation.movieId),
      r: options.validation.rating,
    }
    : null;
  const userOrder = Int32Array.from({ length: nU }, (_, u) => u);
  const perm = rowOf.slice();
  const state = new Float32Array(buffer, oP, (oStateEnd - oP) / 4);
  let snapshot: Float32Array | null = null;
  const log = new _EpochLog(model, { ...c, onProgress: options.onProgress });
  let lr = c.learningRate;
  let lrT = ts?.timeLearningRate ?? 0, lrA = ts?.driftLearningRate ?? 0;
  let kernelSeconds = 0;
  const eff = { P: new Float32Array(nU * kp), bu: new Float32Array(nU), bi: new Float32Array(nI) };
  const groupedItems = new Int32Array(n);
  for (let j = 0; j < n; j++) groupedItems[j] = d.i[rowOf[j]!]!;
  const time: _TimeRule | null = ts
    ? {
      rule: ts.predictAt,
      bins: ts.timeBins,
      lastBin,
      lastDayIndex,
      lastDev,
      u: d.u,
      i: d.i,
      tb: tb0,
      td: td0,
      dev: dev0,
    }
    : null;
  const effective = () =>
    _effective({ P, Y, IND, NORM, bu, bi, bt, bud, alpha }, {
      nU,
      nI,
      kp,
      eff,
      groupedItems,
      time,
    });
  for (let epoch = 0; epoch < c.epochs; epoch++) {
    const te = performance.now();
    rng.shuffle(userOrder);
    ORD.set(userOrder);
    for (let u = 0; u < nU; u++) {
      const s = indptr[u]!, e = indptr[u + 1]!;
      for (let j = e - 1; j > s; j--) {
        const x = s + rng.below(j - s + 1);
        const tmp = perm[j]!;
        perm[j] = perm[x]!;
        perm[x] = tmp;
      }
    }
    for (let j = 0; j < n; j++) {
      const e = perm[j]!;
      ITEM[j] = d.i[e]!;
      RATE[j] = d.r[e]!;
      TB[j] = tb0[e]!;
      TD[j] = td0[e]!;
      DEV[j] = dev0[e]!;
    }
    SC.set([
      mu,
      lr,
      c.regularization,
      c.biasRegularization,
      c.implicitRegularization,
      lrT,
      ts?.timeRegularization ?? 0,
      lrA,
      ts?.driftRegularization ?? 0,
    ]);
    const tk = performance.now();
    const sse = wasm
      ? wasm.epoch(
        nU,
        oOrd,
        oIndptr,
        oItem,
        oRate,
        oTb,
        oTd,
        oDev,
        oP,
        oQ,
        oY,
        oBu,
        oBi,
        oBt,
        oBud,
        oAl,
        oNorm,
        oZ,
        oAcc,
        kp,
        oSc,
      )
      : _svdppEpochJs({
        ORD,
        IND,
        ITEM,
        RATE,
        TB,
        TD,
        DEV,
        P,
        Q,
        Y,
        bu,
        bi,
        bt,
        bud,
        alpha,
        NORM,
        Z,
        ACC,
        kp,
        SC,
      });
    kernelSeconds += (performance.now() - tk) / 1000;
    lr *= c.learningRateDecay;
    lrT *= c.learningRateDecay;
    lrA *= c.learningRateDecay;
    const trainLoss = Math.sqrt(sse / n);
    let validationLoss: number | undefined;
    if (val) {
      effective();
      validationLoss = _biasedFactorRmse(val, {
        P: eff.P,
        Q,
        bu: eff.bu,
        bi: eff.bi,
        kp,
        k,
        mu,
        scale: d.ratingScale,
      });
    }
    const verdict = log.record(epoch, trainLoss, validationLoss, (performance.now() - te) / 1000);
    if (verdict === "best") {
      snapshot = snapshot ?? new Float32Array(state.length);
      snapshot.set(state);
    } else if (verdict === "stop") break;
  }
  const history = log.history;
  if (snapshot) state.set(snapshot);
  effective();
  const userFactors = _compact(eff.P, nU, kp, k);
  const itemFactors = _compact(Q, nI, kp, k);
  const scorer = new _FactorScorer({
    users: d.users,
    items: d.items,
    k,
    userFactors,
    itemFactors,
    userBias: eff.bu.slice(),
    itemBias: eff.bi.slice(),
    ..._sharedSeenArrays(train, model),
    globalMean: mu,
    ratingScale: d.ratingScale,
    regularization: c.regularization,
  });
  return {
    scorer,
    history,
    hash: d.hash,
    extra: {
      kernel: wasm ? "wasm" : "js",
      epochsRun: history.length,
      ...log.bestExtra(),
      updatesPerSecond: (n * history.length) / Math.max(kernelSeconds, 1e-9),
      ...timeInfo,
      fitSeconds: (performance.now() - t0) / 1000,
    },
  };
}

/** The effective user factors `p_u + z_u` and the biases at the prediction time rule. */
function _effective(
  s: {
    P: Float32Array;
    Y: Float32Array;
    IND: Int32Array;
    NORM: Float32Array;
    bu: Float32Array;
    bi: Float32Array;
    bt: Float32Array;
    bud: Float32Array;
    alpha: Float32Array;
  },
  o: {
    nU: number;
    nI: number;
    kp: number;
    eff: { P: Float32Array; bu: Float32Array; bi: Float32Array };
    /** Item index per user-grouped row. */
    groupedItems: Int32Array;
    time: _TimeRule | null;
  },
): void {
  const { P, Y, IND, NORM } = s;
  const { nU, nI, kp, eff } = o;
  for (let u = 0; u < nU; u++) {
    const po = u * kp;
    const nrm = NORM[u]!;
    for (let f = 0; f < kp; f++) eff.P[po + f] = 0;
    for (let j = IND[u]!, end = IND[u + 1]!; j < end; j++) {
      const yo = o.groupedItems[j]! * kp;
      for (let f = 0; f < kp; f++) eff.P[po + f]! += Y[yo + f]!;
    }
    for (let f = 0; f < kp; f++) eff.P[po + f] = P[po + f]! + nrm * eff.P[po + f]!;
  }
  eff.bu.set(s.bu);
  eff.bi.set(s.bi);
  const t = o.time;
  if (!t) return;
  if (t.rule === "last") {
    for (let u = 0; u < nU; u++) {
      eff.bu[u]! += s.alpha[u]! * t.lastDev[u]!;
      const x = t.lastDayIndex[u]!;
      if (x >= 0) eff.bu[u]! += s.bud[x]!;
    }
    for (let i = 0; i < nI; i++) eff.bi[i]! += s.bt[i * t.bins + t.lastBin]!;
    return;
  }
  // "mean": the time terms averaged over the user's (the item's) training ratings
  const n = t.u.length;
  const su = new Float64Array(nU), cu = new Float64Array(nU);
  const si = new Float64Array(nI), ci = new Float64Array(nI);
  for (let e = 0; e < n; e++) {
    const u = t.u[e]!, i = t.i[e]!;
    su[u]! += s.alpha[u]! * t.dev[e]! + s.bud[t.td[e]!]!;
    cu[u]!++;
    si[i]! += s.bt[t.tb[e]!]!;
    ci[i]!++;
  }
  for (let u = 0; u < nU; u++) if (cu[u]! > 0) eff.bu[u]! += su[u]! / cu[u]!;
  for (let i = 0; i < nI; i++) if (ci[i]! > 0) eff.bi[i]! += si[i]! / ci[i]!;
}

/** How the time terms enter a prediction without a time. */
interface _TimeRule {
  readonly rule: "mean" | "last";
  readonly bins: number;
  readonly lastBin: number;
  readonly lastDayIndex: Int32Array;
  readonly lastDev: Float32Array;
  readonly u: Int32Array;
  readonly i: Int32Array;
  readonly tb: Int32Array;
  readonly td: Int32Array;
  readonly dev: Float32Array;
}

/** One SVD++ epoch in plain JS, the same updates as the WASM kernel; returns the SSE. */
export function _svdppEpochJs(s: {
  ORD: Int32Array;
  IND: Int32Array;
  ITEM: Int32Array;
  RATE: Float32Array;
  TB: Int32Array;
  TD: Int32Array;
  DEV: Float32Array;
  P: Float32Array;
  Q: Float32Array;
  Y: Float32Array;
  bu: Float32Array;
  bi: Float32Array;
  bt: Float32Array;
  bud: Float32Array;
  alpha: Float32Array;
  NORM: Float32Array;
  Z: Float32Array;
  ACC: Float32Array;
  kp: number;
  SC: Float32Array;
}): number {
  const { ORD, IND, ITEM, RATE, TB, TD, DEV, P, Q, Y, bu, bi, bt, bud, alpha, NORM, Z, ACC, kp } =
    s;
  const [mu, lr, reg, regB, regY, lrT, regT, lrA, regA] = s.SC as unknown as number[];
  const c = Math.fround(1 - lr! * reg!);
  const cy = Math.fround(1 - lr! * regY!);
  let sse = 0;
  for (let x = 0; x < ORD.length; x++) {
    const u = ORD[x]!;
    const s0 = IND[u]!, s1 = IND[u + 1]!;
    if (s1 <= s0) continue;
    const po = u * kp;
    const nrm = NORM[u]!;
    Z.fill(0);
    ACC.fill(0);
    for (let j = s0; j < s1; j++) {
      const yo = ITEM[j]! * kp;
      for (let f = 0; f < kp; f++) Z[f]! += Y[yo + f]!;
    }
    for (let f = 0; f < kp; f++) Z[f] = Z[f]! * nrm;
    for (let j = s0; j < s1; j++) {
      const i = ITEM[j]!;
      const qo = i * kp;
      let dot = 0;
      for (let f = 0; f < kp; f++) dot += (P[po + f]! + Z[f]!) * Q[qo + f]!;
      const tb = TB[j]!, td = TD[j]!, dev = DEV[j]!;
      const b1 = bu[u]!, b2 = bi[i]!, b3 = bt[tb]!, b4 = bud[td]!, a = alpha[u]!;
      const err = RATE[j]! - (mu! + b1 + b2 + b3 + b4 + a * dev + dot);
      sse += err * err;
      bu[u] = b1 + lr! * (err - regB! * b1);
      bi[i] = b2 + lr! * (err - regB! * b2);
      bt[tb] = b3 + lrT! * (err - regT! * b3);
      bud[td] = b4 + lrT! * (err - regT! * b4);
      alpha[u] = a + lrA! * (err * dev - regA! * a);
      const g = lr! * err;
      for (let f = 0; f < kp; f++) {
        const p = P[po + f]!, q = Q[qo + f]!;
        ACC[f]! += err * q;
        P[po + f] = c * p + g * q;
        Q[qo + f] = c * q + g * (p + Z[f]!);
      }
    }
    const g = lr! * nrm;
    for (let j = s0; j < s1; j++) {
      const yo = ITEM[j]! * kp;
      for (let f = 0; f < kp; f++) Y[yo + f] = cy * Y[yo + f]! + g * ACC[f]!;
    }
  }
  return sse;
}

/** Copies rows of stride `kp` into a dense `n x k` array. */
function _compact(A: Float32Array, n: number, kp: number, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) out.set(A.subarray(r * kp, r * kp + k), r * k);
  return out;
}
