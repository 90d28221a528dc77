import assert from "node:assert/strict";
import { _gramRows, type _IalsFit, _IalsRows, _mirrorUpper } from "./_ials_kernel.ts";
import { _IalsKernel } from "./_wasm_ials.ts";
import { Prng } from "../core/prng.ts";

// References: the plain one-at-a-time loops the faster kernels must match bit for bit.

/** `_gramRows` a row of M at a time. */
function gramReference(M: Float32Array, k: number, from: number, to: number): Float64Array {
  const G = new Float64Array(k * k);
  for (let i = 0; i < M.length / k; i++) {
    for (let a = from; a < to; a++) {
      const ma = M[i * k + a]!;
      if (ma === 0) continue;
      for (let b = a; b < k; b++) G[a * k + b]! += ma * M[i * k + b]!;
    }
  }
  return G;
}

/** The WASM `apply` (`out = G v + lambda v + sum ext (y . v) y`) in float32, a row and a positive at a time. */
function applyReference(
  s: { G: Float64Array; Y: Float32Array; k: number; lambda: number },
  v: Float32Array,
  row: { idx: Int32Array; ext: Float32Array },
): Float32Array {
  const { G, Y, k, lambda } = s, kp = (k + 3) & ~3, f = Math.fround;
  const at = (m: ArrayLike<number>, r: number, c: number) => (c < k ? f(m[r * k + c]!) : 0);
  // an f32x4 dot: lane l sums the columns l, l + 4, ...; then (l0 + l1) + (l2 + l3)
  const dot = (x: (c: number) => number) => {
    const lane = [0, 0, 0, 0];
    for (let c = 0; c < kp; c++) lane[c % 4] = f(lane[c % 4]! + f(x(c) * (c < k ? v[c]! : 0)));
    return f(f(lane[0]! + lane[1]!) + f(lane[2]! + lane[3]!));
  };
  const out = new Float32Array(k);
  for (let a = 0; a < k; a++) {
    out[a] = f(dot((c) => at(G, a, c)) + f(lambda * v[a]!));
  }
  for (let p = 0; p < row.idx.length; p++) {
    const i = row.idx[p]!;
    const sc = f(dot((c) => at(Y, i, c)) * row.ext[p]!);
    for (let c = 0; c < k; c++) out[c] = f(out[c]! + f(sc * Y[i * k + c]!));
  }
  return out;
}

/** The users' loss terms, one a, b, f and p at a time. */
function lossReference(fit: _IalsFit, u: number): number {
  const { k, gram: G } = fit;
  const [Y, X] = fit.factors;
  const { indptr, indices } = fit.rows[1];
  const o = u * k;
  let q = 0, n2 = 0;
  for (let a = 0; a < k; a++) {
    const xa = X[o + a]!;
    n2 += xa * xa;
    let t = 0;
    for (let b = 0; b < k; b++) t += G[a * k + b]! * X[o + b]!;
    q += xa * t;
  }
  let loss = q + fit.lambdas[1][u]! * n2;
  for (let p = indptr[u]!; p < indptr[u + 1]!; p++) {
    let d = 0;
    for (let f = 0; f < k; f++) d += X[o + f]! * Y[indices[p]! * k + f]!;
    const c = 1 + fit.extra[1][p]!;
    loss += c * (1 - d) * (1 - d) - d * d;
  }
  return loss;
}

function gaussians(rng: Prng, n: number, zeros = 0): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() < zeros ? 0 : rng.gaussian()));
}

/** A random CSR of `nRows` rows with 0 to 9 positives each over `nCols` columns. */
function randomRows(rng: Prng, nRows: number, nCols: number) {
  const indptr = new Int32Array(nRows + 1), idx: number[] = [];
  for (let r = 0; r < nRows; r++) {
    const n = r % 10;
    for (let x = 0; x < n; x++) idx.push(rng.below(nCols));
    indptr[r + 1] = idx.length;
  }
  const indices = Int32Array.from(idx);
  const extra = Float32Array.from(indices, () => 0.5 * (1 + rng.below(10)));
  return { nRows, nCols, indptr, indices, extra };
}

Deno.test("_gramRows() four rows at a time gives the bits of a row at a time", async (t) => {
  const rng = new Prng(7);
  for (const [n, k, zeros] of [[0, 4, 0], [3, 5, 0], [37, 16, 0], [101, 13, 0.1], [64, 64, 0.02]]) {
    await t.step(`n ${n}, k ${k}, zeros ${zeros}`, () => {
      const M = gaussians(rng, n! * k!, zeros);
      for (const [from, to] of [[0, k!], [1, Math.ceil(k! / 2)]]) {
        const G = new Float64Array(k! * k!).fill(NaN);
        _gramRows(M, G, { k: k!, from: from!, to: to! });
        const want = gramReference(M, k!, from!, to!);
        for (let x = from! * k!; x < to! * k!; x++) {
          assert.ok(Object.is(G[x], want[x]), `entry ${x}`);
        }
      }
    });
  }
});

Deno.test("the iALS WASM apply and rowsum give the bits of one positive at a time", async (t) => {
  const rng = new Prng(11);
  for (const k of [5, 16, 64]) {
    await t.step(`k ${k}`, () => {
      const nY = 40;
      const Y = gaussians(rng, nY * k);
      const G = new Float64Array(k * k);
      _gramRows(Y, G, { k, from: 0, to: k });
      _mirrorUpper(G, k);
      const rows = randomRows(rng, 10, nY);
      const kernel = _IalsKernel.create(k, nY, [rows, rows]);
      if (kernel === null) return; // no WebAssembly SIMD: the JS path has its own tests
      kernel.load(Y, nY, G);
      for (let r = 0; r < rows.nRows; r++) {
        const a = rows.indptr[r]!, b = rows.indptr[r + 1]!;
        const row = { idx: rows.indices.subarray(a, b), ext: rows.extra.subarray(a, b) };
        const v = gaussians(rng, k);
        kernel.v.fill(0);
        kernel.v.set(v);
        const lambda = 0.25 * (r + 1);
        kernel.apply(1, a, b, lambda);
        const want = applyReference({ G, Y, k, lambda }, v, row);
        for (let f = 0; f < k; f++) assert.ok(Object.is(kernel.out[f], want[f]), `apply ${r}/${f}`);
        kernel.rowsum(0, a, b);
        for (let f = 0; f < k; f++) {
          let s = 0;
          for (let p = 0; p < row.idx.length; p++) {
            s = Math.fround(
              s + Math.fround(Math.fround(1 + row.ext[p]!) * Y[row.idx[p]! * k + f]!),
            );
          }
          assert.ok(Object.is(kernel.out[f], s), `rowsum ${r}/${f}`);
        }
      }
    });
  }
});

Deno.test("the users' half-step writes the bits of the one-at-a-time loss", async (t) => {
  for (const k of [6, 16]) {
    await t.step(`k ${k}`, () => {
      const rng = new Prng(k);
      const nU = 23, nI = 30;
      const byUser = randomRows(rng, nU, nI);
      const X = gaussians(rng, nU * k), Y = gaussians(rng, nI * k);
      const G = new Float64Array(k * k);
      _gramRows(Y, G, { k, from: 0, to: k });
      _mirrorUpper(G, k);
      const fit: _IalsFit = {
        k,
        solver: "cg",
        cgSteps: 2,
        wasm: true,
        rows: [
          { nRows: nI, nCols: nU, indptr: new Int32Array(nI + 1), indices: new Int32Array(0) },
          byUser,
        ],
        extra: [new Float32Array(0), byUser.extra],
        lambdas: [new Float64Array(nI), Float64Array.from({ length: nU }, (_, u) => 0.1 * u)],
        factors: [Y, X],
        gram: G,
        rowLoss: new Float64Array(nU),
      };
      new _IalsRows(fit, { rows: [[0, nI], [0, nU]], gram: [0, k] }).solve(1);
      for (let u = 0; u < nU; u++) {
        assert.ok(Object.is(fit.rowLoss[u], lossReference(fit, u)), `user ${u}`);
      }
    });
  }
});
