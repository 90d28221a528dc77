/**
 * The inverse of a dense symmetric positive-definite matrix (EASE's Gram
 * matrix), by Cholesky: `A = L L^T`, `A^-1 = L^-T L^-1`. Row-major
 * Float64Array, every inner loop a contiguous axpy or dot over rows, about
 * n^3 / 2 multiply-adds in all. Measured against ml-matrix in
 * `bench/ranking_bench.ts`.
 *
 * {@linkcode _spdWorkspace} is the fast path: the same algorithm blocked for
 * the caches and run by the WebAssembly SIMD kernel `wasm/spd_update.wat`,
 * each entry still subtracting its products one at a time in the same order,
 * so its inverse is bit-identical to {@linkcode _spdInverseInPlace}'s (the
 * JS loop it falls back to without WebAssembly SIMD).
 *
 * @module
 */
import { _lazyModule } from "./_wasm_module.ts";

const _update = _lazyModule("spd_update");

type _UpdateFn = (
  out: number,
  ldo: number,
  a: number,
  sa: number,
  sp: number,
  r: number,
  rs: number,
  x: number,
  ldx: number,
  m: number,
  k: number,
  w: number,
) => void;

/** Rows of a Cholesky panel and of the row blocks of steps 2 and 3. */
const _NB = 64;
/** Columns of an update tile, and products per kernel call (cache blocking). */
const _CT = 256, _KB = 128;
/** WebAssembly memory limit (4 GiB) less the scratch. */
const _MAX_BYTES = 2 ** 32 - 2 ** 26;

/** A dense SPD matrix to fill in place, then invert in place. */
export interface _SpdWorkspace {
  /** The row-major `n x n` matrix: write the SPD matrix, read the inverse after `invert()`. */
  readonly matrix: Float64Array;
  /** True when the WebAssembly SIMD kernel inverts (false: the JS loop). */
  readonly simd: boolean;
  /** Replaces `matrix` by its inverse (full symmetric); throws like {@linkcode _spdInverseInPlace}. */
  invert(): void;
}

/**
 * A workspace for inverting an `n x n` SPD matrix: its matrix lives in the
 * kernel's memory (no copy), with a scratch for `L^-1` of which mostly the
 * lower triangle is touched: the resident peak is that of the JS loop
 * (about 15 bytes per entry, measured at n = 2500).
 *
 * @example
 * ```ts
 * import { _spdWorkspace } from "./_spd_inverse.ts";
 * const w = _spdWorkspace(2);
 * w.matrix.set([4, 2, 2, 3]);
 * w.invert();
 * if (Math.abs(w.matrix[0]! - 0.375) > 1e-12) throw new Error("inverse of [[4, 2], [2, 3]]");
 * ```
 */
export function _spdWorkspace(n: number): _SpdWorkspace {
  const module = _update();
  const scratch = 16 + 8 * n + 8 * _NB + 8 * _NB * n + 64;
  const bytes = scratch + 16 * n * n;
  if (module !== null && bytes <= _MAX_BYTES) {
    let memory: WebAssembly.Memory | null = null;
    try {
      memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    } catch {
      memory = null; // no room for one block: the JS loop's arrays may still fit
    }
    if (memory !== null) {
      const update = new WebAssembly.Instance(module, { env: { mem: memory } }).exports
        .update as _UpdateFn;
      return _wasmWorkspace(n, memory, update);
    }
  }
  const matrix = new Float64Array(n * n);
  return { matrix, simd: false, invert: () => _spdInverseInPlace(matrix, n) };
}

function _wasmWorkspace(
  n: number,
  memory: WebAssembly.Memory,
  update: _UpdateFn,
): _SpdWorkspace {
  const f = new Float64Array(memory.buffer);
  // element offsets: 1, -1, 1 / L_ii, a column of a panel, a panel transposed, A, Z
  const ONE = 0, MINUS = 1, INV = 2, COL = INV + n, LT = (COL + _NB + 1) & ~1;
  const A = (LT + _NB * n + 1) & ~1, Z = A + n * n;
  f[ONE] = 1;
  f[MINUS] = -1;
  const matrix = f.subarray(A, A + n * n);
  const upd = (
    out: number,
    ldo: number,
    a: number,
    sa: number,
    sp: number,
    r: number,
    rs: number,
    x: number,
    ldx: number,
    m: number,
    k: number,
    w: number,
  ) => update(out * 8, ldo * 8, a * 8, sa * 8, sp * 8, r * 8, rs * 8, x * 8, ldx * 8, m, k, w);
  const invert = () => {
    // 1. Cholesky, right-looking by panels of _NB columns; each entry subtracts
    //    L_ip L_jp in ascending p, as the row-oriented dots of the JS loop do.
    for (let k0 = 0; k0 < n; k0 += _NB) {
      const k1 = Math.min(k0 + _NB, n);
      for (let j = k0; j < k1; j++) {
        const s = f[A + j * n + j]!;
        if (!(s > 0)) {
          throw new RangeError(
            `Cannot invert matrix: pivot ${j} is ${s}, the matrix is not positive definite; increase the regularization`,
          );
        }
        const ljj = Math.sqrt(s);
        f[A + j * n + j] = ljj;
        const inv = 1 / ljj;
        for (let i = j + 1; i < n; i++) f[A + i * n + j] = f[A + i * n + j]! * inv;
        if (j + 1 < k1) {
          for (let c = j + 1; c < k1; c++) f[COL + c - j - 1] = f[A + c * n + j]!;
          const o = A + (j + 1) * n;
          upd(o + j + 1, n, o + j, n, 0, ONE, 0, COL, 0, n - j - 1, 1, k1 - j - 1);
        }
      }
      if (k1 === n) break;
      for (let c = k1; c < n; c++) {
        for (let p = k0; p < k1; p++) f[LT + (p - k0) * n + c] = f[A + c * n + p]!;
      }
      for (let c0 = k1; c0 < n; c0 += _CT) {
        const w = Math.min(_CT, n - c0);
        upd(A + c0 * n + c0, n, A + c0 * n + k0, n, 1, ONE, 0, LT + c0, n, n - c0, k1 - k0, w);
      }
    }
    // 2. Z = L^-1 by row blocks: z_ic -= (L_ip / L_ii) z_pc in ascending p.
    // only the lower triangle of Z is ever written: zero just that (its upper
    // pages then stay untouched, out of the resident set)
    for (let i = 0; i < n; i++) f.fill(0, Z + i * n, Z + i * n + i + 1);
    for (let i = 0; i < n; i++) f[INV + i] = 1 / f[A + i * n + i]!;
    for (let i0 = 0; i0 < n; i0 += _NB) {
      const i1 = Math.min(i0 + _NB, n);
      for (let c0 = 0; c0 < i0; c0 += _CT) {
        const w = Math.min(_CT, i0 - c0);
        for (let p0 = c0; p0 < i0; p0 += _KB) {
          const k = Math.min(_KB, i0 - p0);
          upd(
            Z + i0 * n + c0,
            n,
            A + i0 * n + p0,
            n,
            1,
            INV + i0,
            1,
            Z + p0 * n + c0,
            n,
            i1 - i0,
            k,
            w,
          );
        }
      }
      for (let i = i0; i < i1; i++) f[Z + i * n + i] = f[INV + i]!;
      for (let c0 = 0; c0 < i1; c0 += _CT) {
        for (let i = Math.max(i0 + 1, c0 + 1); i < i1; i++) {
          const w = Math.min(c0 + _CT, i) - c0;
          upd(
            Z + i * n + c0,
            0,
            A + i * n + i0,
            0,
            1,
            INV + i,
            0,
            Z + i0 * n + c0,
            n,
            1,
            i - i0,
            w,
          );
        }
      }
    }
    // 3. A^-1 = Z^T Z, lower tiles: a_ic += z_pi z_pc in ascending p, then mirror.
    f.fill(0, A, A + n * n);
    for (let i0 = 0; i0 < n; i0 += _NB) {
      const i1 = Math.min(i0 + _NB, n);
      for (let c0 = 0; c0 < i1; c0 += _CT) {
        const w = Math.min(_CT, i1 - c0);
        for (let p0 = i0; p0 < n; p0 += _KB) {
          const k = Math.min(_KB, n - p0);
          upd(
            A + i0 * n + c0,
            n,
            Z + p0 * n + i0,
            1,
            n,
            MINUS,
            0,
            Z + p0 * n + c0,
            n,
            i1 - i0,
            k,
            w,
          );
        }
      }
    }
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < i; c++) f[A + c * n + i] = f[A + i * n + c]!;
    }
  };
  return { matrix, simd: true, invert };
}

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
