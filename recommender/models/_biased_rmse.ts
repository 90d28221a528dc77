/**
 * RMSE of a biased factor model's clipped predictions on encoded ratings
 * (dense user/item indices; -1 for an id unknown to the model, which then
 * gets the biases it has). Shared by the per-epoch losses of biased-mf and als.
 *
 * @module
 */
import { _wasmSse } from "../kernels/_wasm_rmse.ts";

/** Encoded ratings: dense indices (-1 = unknown) and values. */
export interface _EncodedRatings {
  readonly u: Int32Array;
  readonly i: Int32Array;
  readonly r: Float32Array;
}

/** The model's parameters; factor rows have stride `kp` (default `k`, SIMD padding otherwise). */
export interface _BiasedFactors {
  readonly P: Float32Array;
  readonly Q: Float32Array;
  readonly bu: Float32Array;
  readonly bi: Float32Array;
  readonly k: number;
  readonly kp?: number;
  readonly mu: number;
  readonly scale: readonly [number, number];
}

/**
 * Root mean squared error of the clipped predictions; NaN for no ratings.
 *
 * The same bits as {@linkcode _biasedFactorRmseScalar}: each prediction is
 * the same f64 chain (`mu`, `+ bu`, `+ bi`, then `+ P[f] * Q[f]` for f in
 * order; a product of two f32 is exact in f64), clipped, and the squared
 * errors are added in rating order. It runs in the WebAssembly SIMD kernel
 * `kernels/wasm/rmse.wat` (two ratings per f64x2 lane pair, four at once),
 * or where the runtime has none in {@linkcode _biasedFactorRmseJs}.
 */
export function _biasedFactorRmse(data: _EncodedRatings, m: _BiasedFactors): number {
  const n = data.r.length;
  if (n === 0) return NaN;
  const se = _wasmSse({
    ...data,
    P: m.P,
    Q: m.Q,
    bu: m.bu,
    bi: m.bi,
    k: m.k,
    kp: m.kp ?? m.k,
    mu: m.mu,
    lo: m.scale[0],
    hi: m.scale[1],
  });
  return se === null ? _biasedFactorRmseJs(data, m) : Math.sqrt(se / n);
}

/**
 * {@linkcode _biasedFactorRmse} in JS, the same bits: four ratings' chains
 * run interleaved, so the CPU overlaps their additions instead of waiting on
 * one chain's latency; a group of four with an unknown id takes the
 * one-rating path.
 */
export function _biasedFactorRmseJs(data: _EncodedRatings, m: _BiasedFactors): number {
  const [lo, hi] = m.scale;
  const k = m.k, kp = m.kp ?? k, mu = m.mu;
  const { P, Q, bu, bi } = m;
  const U = data.u, I = data.i, R = data.r;
  const n = R.length;
  let se = 0;
  let e = 0;
  for (; e + 4 <= n; e += 4) {
    const u0 = U[e]!, u1 = U[e + 1]!, u2 = U[e + 2]!, u3 = U[e + 3]!;
    const i0 = I[e]!, i1 = I[e + 1]!, i2 = I[e + 2]!, i3 = I[e + 3]!;
    if ((u0 | u1 | u2 | u3 | i0 | i1 | i2 | i3) < 0) {
      for (let j = e; j < e + 4; j++) {
        const err = _clippedOne(j, data, m) - R[j]!;
        se += err * err;
      }
      continue;
    }
    let p0 = mu + bu[u0]! + bi[i0]!;
    let p1 = mu + bu[u1]! + bi[i1]!;
    let p2 = mu + bu[u2]! + bi[i2]!;
    let p3 = mu + bu[u3]! + bi[i3]!;
    const a0 = u0 * kp, a1 = u1 * kp, a2 = u2 * kp, a3 = u3 * kp;
    const b0 = i0 * kp, b1 = i1 * kp, b2 = i2 * kp, b3 = i3 * kp;
    for (let f = 0; f < k; f++) {
      p0 += P[a0 + f]! * Q[b0 + f]!;
      p1 += P[a1 + f]! * Q[b1 + f]!;
      p2 += P[a2 + f]! * Q[b2 + f]!;
      p3 += P[a3 + f]! * Q[b3 + f]!;
    }
    p0 = p0 < lo ? lo : p0 > hi ? hi : p0;
    p1 = p1 < lo ? lo : p1 > hi ? hi : p1;
    p2 = p2 < lo ? lo : p2 > hi ? hi : p2;
    p3 = p3 < lo ? lo : p3 > hi ? hi : p3;
    const e0 = p0 - R[e]!, e1 = p1 - R[e + 1]!, e2 = p2 - R[e + 2]!, e3 = p3 - R[e + 3]!;
    se += e0 * e0;
    se += e1 * e1;
    se += e2 * e2;
    se += e3 * e3;
  }
  for (; e < n; e++) {
    const err = _clippedOne(e, data, m) - R[e]!;
    se += err * err;
  }
  return n > 0 ? Math.sqrt(se / n) : NaN;
}

/** The clipped prediction of rating `e`, one rating at a time (unknown ids get what they have). */
function _clippedOne(e: number, data: _EncodedRatings, m: _BiasedFactors): number {
  const [lo, hi] = m.scale;
  const kp = m.kp ?? m.k;
  const u = data.u[e]!, i = data.i[e]!;
  let p = m.mu;
  if (u >= 0) p += m.bu[u]!;
  if (i >= 0) p += m.bi[i]!;
  if (u >= 0 && i >= 0) {
    const po = u * kp, qo = i * kp;
    for (let f = 0; f < m.k; f++) p += m.P[po + f]! * m.Q[qo + f]!;
  }
  return p < lo ? lo : p > hi ? hi : p;
}

/**
 * The plain loop, one rating at a time: the reference {@linkcode _biasedFactorRmse}
 * equals bit for bit (tests and the bench compare them).
 */
export function _biasedFactorRmseScalar(data: _EncodedRatings, m: _BiasedFactors): number {
  const [lo, hi] = m.scale;
  const kp = m.kp ?? m.k;
  let se = 0;
  const n = data.r.length;
  for (let e = 0; e < n; e++) {
    const u = data.u[e]!, i = data.i[e]!;
    let p = m.mu;
    if (u >= 0) p += m.bu[u]!;
    if (i >= 0) p += m.bi[i]!;
    if (u >= 0 && i >= 0) {
      const po = u * kp, qo = i * kp;
      for (let f = 0; f < m.k; f++) p += m.P[po + f]! * m.Q[qo + f]!;
    }
    p = p < lo ? lo : p > hi ? hi : p;
    const err = p - data.r[e]!;
    se += err * err;
  }
  return n > 0 ? Math.sqrt(se / n) : NaN;
}
