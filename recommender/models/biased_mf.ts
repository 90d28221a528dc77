/**
 * `biased-mf`: Funk SVD with a global mean and user/item biases, trained by
 * regularised SGD in a seeded random order, with a per-epoch learning-rate
 * decay and early stopping on a validation set. The default order is
 * cache-friendly: users are dealt into blocks of {@linkcode BiasedMfConfig.blockUsers}
 * once, and every epoch visits the blocks in a new random order with each
 * block's ratings shuffled, so the user factors being updated stay in cache
 * (at 25M ratings the user factors are 65 MB, far beyond it) and the ratings
 * are gathered from one contiguous range at a time; `order: "shuffled"` is
 * the plain global shuffle. The epoch runs in a
 * WebAssembly SIMD kernel (`_wasm_sgd.ts`) when available, else in an
 * unrolled typed-array JS loop.
 *
 * The user-blocks order is stratified as in DSGD (Gemulla et al. 2011) so
 * that both cores can train: users and items are dealt into
 * {@linkcode BiasedMfConfig.strata} groups each (seeded, balanced by ratings),
 * and an epoch is S sub-epochs; sub-epoch t visits the cells (user group g,
 * item group (g + t) mod S) for g = 0..S-1, which share no user and no item,
 * each cell in the user-blocks order above. With the WASM kernel, the cells
 * of a sub-epoch run on up to S of `kernelThreads()` threads when the fit is
 * big enough ({@linkcode _sgdParallel}, `_sgd_pool.ts`), and the factors and
 * the loss history are bit-identical on any number of threads (the squared
 * errors are summed per cell, then over the cells in order): S is part of
 * the config, never the machine's core count. With `strata: 1` the order is
 * the unstratified user-blocks order of before, bit for bit.
 *
 * @module
 */
import { z } from "zod";
import type { FitOptions, ModelArtifact } from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import { _FactorModel } from "./_factor_model.ts";
import { _sharedEncoding, _sharedSeenArrays } from "./_fit_setup.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import { _ArtifactReader } from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";
import { Prng } from "../core/prng.ts";
import { _instantiateWasmSgd, _sgdModule } from "../kernels/_wasm_sgd.ts";
import { _SgdPool } from "../kernels/_sgd_pool.ts";
import { _gatherCell, _gatherStrata, _strata } from "../kernels/_sgd_strata.ts";
import { kernelThreads } from "../kernels/kernel_threads.ts";
import { _EpochLog } from "./_epoch_log.ts";
import { _biasedFactorRmse } from "./_biased_rmse.ts";

/**
 * Work (ratings x padded factors x epochs) from which the cells of a
 * sub-epoch run on worker threads: about a second of one thread's updates,
 * so that the workers' start (tens of ms) pays for itself. An object so that
 * tests can lower it.
 */
export const _sgdParallel: { minWork: number } = { minWork: 1e9 };

/** Config of {@linkcode BiasedMF}. */
export const biasedMfConfigSchema = z.object({
  /** Number of latent factors. */
  factors: z.number().int().positive().max(2000).default(100),
  /** Maximum number of epochs. */
  epochs: z.number().int().positive().max(10000).default(37),
  /** Initial SGD learning rate. */
  learningRate: z.number().positive().max(1).default(0.02),
  /** Learning rate multiplier applied after every epoch (1 = constant). */
  learningRateDecay: z.number().positive().max(1).default(0.97),
  /** L2 regularization of the factors. */
  regularization: z.number().nonnegative().max(100).default(0.1),
  /** L2 regularization of the biases. */
  biasRegularization: z.number().nonnegative().max(100).default(0.02),
  /** Standard deviation of the initial factors. */
  initStd: z.number().nonnegative().max(10).default(0.1),
  /** Seed of the initialization and the shuffles. */
  seed: z.number().int().default(42),
  /** Early stopping: epochs without validation improvement before stopping. */
  patience: z.number().int().positive().default(3),
  /** Early stopping: smallest validation RMSE decrease that counts as improvement. */
  minDelta: z.number().nonnegative().default(1e-4),
  /**
   * Order of the updates in an epoch: `user-blocks` (cache-friendly, see the
   * module doc) or `shuffled` (every rating in a global random order).
   */
  order: z.enum(["user-blocks", "shuffled"]).default("user-blocks"),
  /** Users per block of the `user-blocks` order. */
  blockUsers: z.number().int().positive().default(256),
  /**
   * Strata S of the `user-blocks` order (DSGD, see the module doc): at most
   * S threads train at once, and the result does not depend on how many do.
   * A fixed 4, not the machine's cores, so that a fit is the same everywhere;
   * 1 is the unstratified order.
   */
  strata: z.number().int().positive().max(64).default(4),
  /** SGD kernel: WebAssembly SIMD, plain JS, or wasm when the runtime has it. */
  kernel: z.enum(["auto", "wasm", "js"]).default("auto"),
}).strict();

/** Parsed config of {@linkcode BiasedMF}. */
export type BiasedMfConfig = z.output<typeof biasedMfConfigSchema>;

/**
 * The `biased-mf` model.
 *
 * @example
 * ```ts
 * import { BiasedMF } from "./biased_mf.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new BiasedMF({ factors: 4, epochs: 5 });
 * m.fit(ratingsFromColumns({ userId: [1, 1, 2], movieId: [10, 20, 10], rating: [4, 2, 5] }));
 * if (m.history.length !== 5) throw new Error("expected one record per epoch");
 * ```
 */
export class BiasedMF extends _FactorModel<BiasedMfConfig> {
  readonly name = "biased-mf";

  constructor(config: z.input<typeof biasedMfConfigSchema> = {}) {
    super(_parseConfig(biasedMfConfigSchema, config, "biased-mf"));
  }

  protected get _regularization(): number {
    return this.config.regularization;
  }

  fit(train: Ratings, options: FitOptions = {}): void {
    const t0 = performance.now();
    const c = this.config;
    const d = _sharedEncoding(train, this.name);
    const nU = d.users.size, nI = d.items.size, n = d.r.length;
    const k = c.factors;
    const kp = (k + 3) & ~3; // padded stride for 4-wide SIMD
    // one buffer: P | Q | bu | bi | U | I | R
    const offP = 0;
    const offQ = offP + nU * kp * 4;
    const offBu = offQ + nI * kp * 4;
    const offBi = offBu + nU * 4;
    const offU = offBi + nI * 4;
    const offI = offU + n * 4;
    const offR = offI + n * 4;
    const bytes = offR + n * 4;
    const wasm = c.kernel === "js" ? null : _instantiateWasmSgd(bytes);
    if (c.kernel === "wasm" && !wasm) {
      throw new Error(
        'Cannot fit "biased-mf" with kernel "wasm": this runtime has no WebAssembly SIMD; use kernel "js"',
      );
    }
    const buffer = wasm ? wasm.memory.buffer : new ArrayBuffer(bytes);
    const P = new Float32Array(buffer, offP, nU * kp);
    const Q = new Float32Array(buffer, offQ, nI * kp);
    const bu = new Float32Array(buffer, offBu, nU);
    const bi = new Float32Array(buffer, offBi, nI);
    const U = new Int32Array(buffer, offU, n);
    const I = new Int32Array(buffer, offI, n);
    const R = new Float32Array(buffer, offR, n);
    const rng = new Prng(c.seed);
    for (let u = 0; u < nU; u++) {
      for (let f = 0; f < k; f++) P[u * kp + f] = rng.gaussian() * c.initStd;
    }
    for (let i = 0; i < nI; i++) {
      for (let f = 0; f < k; f++) Q[i * kp + f] = rng.gaussian() * c.initStd;
    }
    const mu = d.globalMean;
    const strata = c.order === "user-blocks"
      ? _strata(d, { nUsers: nU, nItems: nI, strata: c.strata, blockUsers: c.blockUsers, rng })
      : null;
    if (strata) {
      // factor rows and biases in the strata's order (see _Strata)
      _permuteRows(P, { at: strata.userAt, stride: kp });
      _permuteRows(Q, { at: strata.itemAt, stride: kp });
    }
    const val = options.validation
      ? {
        u: _renumber(d.users.encode(options.validation.userId), strata?.userAt),
        i: _renumber(d.items.encode(options.validation.movieId), strata?.itemAt),
        r: options.validation.rating,
      }
      : null;
    const order = strata ? null : Int32Array.from({ length: n }, (_, e) => e);
    // cells of the epoch in stratum order (one cell for the shuffled order)
    const S = strata ? c.strata : 1;
    const cellStart = strata ? strata.cellStart : Int32Array.of(0, n);
    const cellSse = new Float64Array(S * S);
    const layout = {
      n,
      offU,
      offI,
      offR,
      offP,
      offQ,
      offBu,
      offBi,
      kp,
      mu,
      reg: c.regularization,
      regBias: c.biasRegularization,
    };
    const threads = wasm && S > 1 && n * kp * c.epochs >= _sgdParallel.minWork
      ? Math.min(kernelThreads(), S)
      : 1;
    const log = new _EpochLog(this.name, { ...c, onProgress: options.onProgress });
    let snapshot: Float32Array | null = null;
    const state = new Float32Array(buffer, 0, offU / 4); // P | Q | bu | bi
    let lr = c.learningRate;
    let updateSeconds = 0;
    const pool = threads > 1
      ? _SgdPool.open(wasm!, {
        module: _sgdModule()!,
        layout,
        order: strata!,
      }, threads)
      : undefined;
    try {
      for (let epoch = 0; epoch < c.epochs; epoch++) {
        const te = performance.now();
        // one stratum: the order of the epoch from the fit's stream, as before;
        // more: each cell's own stream, gathered with the cell (below)
        if (strata && S === 1) _gatherStrata(strata, { U, I, R, rng });
        else if (order) {
          rng.shuffle(order);
          for (let j = 0; j < n; j++) {
            const e = order[j]!;
            U[j] = d.u[e]!;
            I[j] = d.i[e]!;
            R[j] = d.r[e]!;
          }
        }
        const tk = performance.now();
        for (let t = 0; t < S; t++) {
          if (pool) {
            pool.stratum(t, { epoch, lr });
            cellSse.set(pool.sse.subarray(t * S, t * S + S), t * S);
            continue;
          }
          for (let g = 0; g < S; g++) {
            const p = t * S + g;
            const from = cellStart[p]!, to = cellStart[p + 1]!;
            if (strata && S > 1) _gatherCell(strata, { U, I, R, p, epoch });
            cellSse[p] = wasm
              ? wasm.epoch(
                to - from,
                offU + 4 * from,
                offI + 4 * from,
                offR + 4 * from,
                offP,
                offQ,
                offBu,
                offBi,
                kp,
                mu,
                lr,
                c.regularization,
                c.biasRegularization,
              )
              : _sgdEpochJs({
                U: U.subarray(from, to),
                I: I.subarray(from, to),
                R: R.subarray(from, to),
                P,
                Q,
                bu,
                bi,
                kp,
                mu,
                lr,
                reg: c.regularization,
                regBias: c.biasRegularization,
              });
          }
        }
        // the SGD pass (with several strata, the cells' gathers too, as they run on the threads)
        updateSeconds += (performance.now() - tk) / 1000;
        // summed in cell order, whichever thread ran each cell
        let sse = 0;
        for (let p = 0; p < cellSse.length; p++) sse += cellSse[p]!;
        lr *= c.learningRateDecay;
        const trainLoss = Math.sqrt(sse / n);
        let validationLoss: number | undefined;
        if (val) {
          validationLoss = _biasedFactorRmse(val, {
            P,
            Q,
            bu,
            bi,
            kp,
            k,
            mu,
            scale: d.ratingScale,
          });
        }
        const seconds = (performance.now() - te) / 1000;
        const verdict = log.record(epoch, trainLoss, validationLoss, seconds);
        if (verdict === "best") {
          snapshot = snapshot ?? new Float32Array(state.length);
          snapshot.set(state);
        } else if (verdict === "stop") break;
      }
    } finally {
      pool?.close();
    }
    if (snapshot) state.set(snapshot);
    // compact the padded rows to k floats
    const userFactors = _compact(P, { n: nU, kp, k, at: strata?.userAt });
    const itemFactors = _compact(Q, { n: nI, kp, k, at: strata?.itemAt });
    const seen = _sharedSeenArrays(train, this.name);
    this._scorer = new _FactorScorer({
      users: d.users,
      items: d.items,
      k,
      userFactors,
      itemFactors,
      userBias: _compact(bu, { n: nU, kp: 1, k: 1, at: strata?.userAt }),
      itemBias: _compact(bi, { n: nI, kp: 1, k: 1, at: strata?.itemAt }),
      ...seen,
      globalMean: mu,
      ratingScale: d.ratingScale,
      regularization: c.regularization,
    });
    this._trainDataHash = d.hash;
    const history = log.history;
    this.history = history;
    const updates = n * history.length;
    this._extra = {
      kernel: wasm ? "wasm" : "js",
      threads: pool?.threads ?? 1,
      epochsRun: history.length,
      ...log.bestExtra(),
      updatesPerSecond: updates / updateSeconds,
      fitSeconds: (performance.now() - t0) / 1000,
    };
  }

  /** Loads a saved `biased-mf` model, validating the file. */
  static load(artifact: ModelArtifact): BiasedMF {
    const r = new _ArtifactReader(artifact, "biased-mf");
    return new BiasedMF(r.manifest.config as z.input<typeof biasedMfConfigSchema>)._restore(r);
  }
}

/** One SGD epoch in plain JS over flat Float32Arrays (4-way unrolled); returns the SSE. */
export function _sgdEpochJs(s: {
  U: Int32Array;
  I: Int32Array;
  R: Float32Array;
  P: Float32Array;
  Q: Float32Array;
  bu: Float32Array;
  bi: Float32Array;
  kp: number;
  mu: number;
  lr: number;
  reg: number;
  regBias: number;
}): number {
  const { U, I, R, P, Q, bu, bi, kp, mu, lr, reg, regBias } = s;
  const n = R.length;
  const c = Math.fround(1 - lr * reg);
  let sse = 0;
  for (let j = 0; j < n; j++) {
    const u = U[j]!, i = I[j]!;
    const po = u * kp, qo = i * kp;
    let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    for (let f = 0; f < kp; f += 4) {
      d0 += P[po + f]! * Q[qo + f]!;
      d1 += P[po + f + 1]! * Q[qo + f + 1]!;
      d2 += P[po + f + 2]! * Q[qo + f + 2]!;
      d3 += P[po + f + 3]! * Q[qo + f + 3]!;
    }
    const b1 = bu[u]!, b2 = bi[i]!;
    const err = R[j]! - (mu + b1 + b2 + d0 + d1 + d2 + d3);
    sse += err * err;
    bu[u] = b1 + lr * (err - regBias * b1);
    bi[i] = b2 + lr * (err - regBias * b2);
    const g = lr * err;
    for (let f = 0; f < kp; f += 4) {
      const p0 = P[po + f]!, p1 = P[po + f + 1]!, p2 = P[po + f + 2]!, p3 = P[po + f + 3]!;
      const q0 = Q[qo + f]!, q1 = Q[qo + f + 1]!, q2 = Q[qo + f + 2]!, q3 = Q[qo + f + 3]!;
      P[po + f] = c * p0 + g * q0;
      P[po + f + 1] = c * p1 + g * q1;
      P[po + f + 2] = c * p2 + g * q2;
      P[po + f + 3] = c * p3 + g * q3;
      Q[qo + f] = c * q0 + g * p0;
      Q[qo + f + 1] = c * q1 + g * p1;
      Q[qo + f + 2] = c * q2 + g * p2;
      Q[qo + f + 3] = c * q3 + g * p3;
    }
  }
  return sse;
}

/** Moves row `x` (of `stride` floats) of `A` to row `at[x]`, in place. */
function _permuteRows(A: Float32Array, options: { at: Int32Array; stride: number }): void {
  const { at, stride } = options;
  const copy = A.slice();
  for (let x = 0; x < at.length; x++) {
    A.set(copy.subarray(x * stride, (x + 1) * stride), at[x]! * stride);
  }
}

/** Indices mapped through `at` (-1, unknown, stays -1); the same array without `at`. */
function _renumber(index: Int32Array, at: Int32Array | undefined): Int32Array {
  if (!at) return index;
  for (let e = 0; e < index.length; e++) {
    const x = index[e]!;
    if (x >= 0) index[e] = at[x]!;
  }
  return index;
}

/** Copies `n` rows of stride `kp` into a dense `n x k` array, row `x` from row `at[x]` when given. */
function _compact(
  A: Float32Array,
  options: { n: number; kp: number; k: number; at: Int32Array | undefined },
): Float32Array {
  const { n, kp, k, at } = options;
  const out = new Float32Array(n * k);
  for (let x = 0; x < n; x++) {
    const row = at ? at[x]! : x;
    out.set(A.subarray(row * kp, row * kp + k), x * k);
  }
  return out;
}
