/**
 * Dense symmetric positive-definite solves for the small k x k (or (k+1) x
 * (k+1)) systems of ALS, fold-in and explanations: Cholesky factorization in place and
 * forward/back substitution, on Float64Array, no allocation beyond the result.
 *
 * @module
 */

/**
 * Factors the row-major `d x d` SPD matrix `a` in place into its lower
 * Cholesky factor L (the upper triangle is left as is). A pivot that is not
 * positive (a singular system) is replaced by `floor`, so the solve always
 * returns a finite answer.
 */
export function _choleskyInPlace(a: Float64Array, d: number, floor = 1e-10): void {
  for (let j = 0; j < d; j++) {
    const rj = j * d;
    let s = a[rj + j]!;
    for (let p = 0; p < j; p++) s -= a[rj + p]! * a[rj + p]!;
    const ljj = Math.sqrt(s > floor ? s : floor);
    a[rj + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      const ri = i * d;
      let t = a[ri + j]!;
      for (let p = 0; p < j; p++) t -= a[ri + p]! * a[rj + p]!;
      a[ri + j] = t / ljj;
    }
  }
}

/** Solves `L L^T x = b` in place in `b`, with L from {@linkcode _choleskyInPlace}. */
export function _choleskySolveInPlace(l: Float64Array, b: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    const ri = i * d;
    for (let p = 0; p < i; p++) s -= l[ri + p]! * b[p]!;
    b[i] = s / l[ri + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let p = i + 1; p < d; p++) s -= l[p * d + i]! * b[p]!;
    b[i] = s / l[i * d + i]!;
  }
}
