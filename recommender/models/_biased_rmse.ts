/**
 * RMSE of a biased factor model's clipped predictions on encoded ratings
 * (dense user/item indices; -1 for an id unknown to the model, which then
 * gets the biases it has). Shared by the per-epoch losses of biased-mf and als.
 *
 * @module
 */

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

/** Root mean squared error of the clipped predictions; NaN for no ratings. */
export function _biasedFactorRmse(data: _EncodedRatings, m: _BiasedFactors): number {
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
