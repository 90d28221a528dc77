/**
 * The inverse of a dense symmetric positive-definite matrix (EASE's Gram
 * matrix), by Cholesky: `A = L L^T`, `A^-1 = L^-T L^-1`. Row-major
 * Float64Array, every inner loop a contiguous axpy or dot over rows, about
 * n^3 / 2 multiply-adds in all. Measured against ml-matrix in
 * `bench/ranking_bench.ts`.
 *
 * @module
 */

/**
 * Inverts the row-major `n x n` SPD matrix `a` in place (full symmetric
 * result). Throws when a pivot is not positive (the matrix is not positive
 * definite: raise the ridge).
 */
export function _spdInverseInPlace(a: Float64Array, n: number): void {
  if (a.length < n * n) {
    throw new RangeError(`Cannot invert matrix: it holds ${a.length} values, need ${n * n}`);
  }
  // 1. Cholesky, lower triangle (row-oriented, dots over contiguous row prefixes).
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let s = a[rj + j]!;
    for (let p = 0; p < j; p++) s -= a[rj + p]! * a[rj + p]!;
    if (!(s > 0)) {
      throw new RangeError(
        `Cannot invert matrix: pivot ${j} is ${s}, the matrix is not positive definite; increase the regularization`,
      );
    }
    const ljj = Math.sqrt(s);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let t = a[ri + j]!;
      for (let p = 0; p < j; p++) t -= a[ri + p]! * a[rj + p]!;
      a[ri + j] = t * inv;
    }
  }
  // 2. Z = L^-1 (lower), row by row: Z_i = (e_i - sum_{p<i} L_ip Z_p) / L_ii, into a scratch.
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const inv = 1 / a[ri + i]!;
    for (let p = 0; p < i; p++) {
      const l = a[ri + p]! * inv;
      if (l === 0) continue;
      const rp = p * n;
      for (let c = 0; c <= p; c++) z[ri + c]! -= l * z[rp + c]!;
    }
    z[ri + i] = inv;
  }
  // 3. A^-1 = Z^T Z: a sum of rank-one updates by the rows of Z (lower triangle), then mirror.
  a.fill(0, 0, n * n);
  for (let p = 0; p < n; p++) {
    const rp = p * n;
    for (let i = 0; i <= p; i++) {
      const zi = z[rp + i]!;
      if (zi === 0) continue;
      const ri = i * n;
      for (let c = 0; c <= i; c++) a[ri + c]! += zi * z[rp + c]!;
    }
  }
  for (let i = 0; i < n; i++) for (let c = 0; c < i; c++) a[c * n + i] = a[i * n + c]!;
}
