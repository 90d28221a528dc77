/**
 * Marginal statistics of a ratings table, for comparing the synthetic
 * generator with MovieLens (its test and the benchmark use them).
 *
 * @module
 */

/** Gini coefficient of non-negative counts (0 = all equal, near 1 = one holds all). */
export function _gini(counts: ArrayLike<number>): number {
  const xs = Float64Array.from(counts).sort();
  const n = xs.length;
  let s = 0, t = 0;
  for (let i = 0; i < n; i++) {
    s += (2 * (i + 1) - n - 1) * xs[i]!;
    t += xs[i]!;
  }
  return t > 0 ? s / (n * t) : 0;
}

/** Count of each distinct id. */
export function _countsById(ids: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let j = 0; j < ids.length; j++) m.set(ids[j]!, (m.get(ids[j]!) ?? 0) + 1);
  return m;
}

/** Share of each half star 0.5..5 (10 bins). */
export function _halfStarShares(ratings: ArrayLike<number>): number[] {
  const bins = new Array<number>(10).fill(0);
  for (let j = 0; j < ratings.length; j++) {
    const b = Math.round(ratings[j]! * 2) - 1;
    if (b >= 0 && b < 10) bins[b]!++;
  }
  return bins.map((c) => c / Math.max(1, ratings.length));
}

/** Total variation distance of two distributions (half the L1 distance). */
export function _totalVariation(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < Math.max(a.length, b.length); j++) s += Math.abs((a[j] ?? 0) - (b[j] ?? 0));
  return s / 2;
}

/** Spearman rank correlation of two equal-length samples (ties by order). */
export function _spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const rank = (v: ArrayLike<number>) => {
    const idx = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a]! - v[b]!);
    const r = new Float64Array(v.length);
    idx.forEach((i, k) => (r[i] = k));
    return r;
  };
  const rx = rank(x), ry = rank(y);
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) (mx += rx[i]! / n), (my += ry[i]! / n);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
