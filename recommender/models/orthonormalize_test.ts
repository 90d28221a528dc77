import assert from "node:assert/strict";
import { Matrix, QrDecomposition } from "ml-matrix";
import { _orthonormalize } from "./truncated_svd.ts";
import { Prng } from "../core/prng.ts";

Deno.test("_orthonormalize() spans the same columns as a Householder QR, orthonormal to 1e-12", () => {
  const nR = 500, l = 12;
  const rng = new Prng(5);
  const Y = new Float64Array(nR * l);
  for (let j = 0; j < Y.length; j++) Y[j] = rng.gaussian();
  // Badly conditioned on purpose: column 1 nearly a copy of column 0, as after power iterations.
  for (let r = 0; r < nR; r++) Y[r * l + 1] = Y[r * l]! + 1e-7 * Y[r * l + 1]!;
  const m = new Matrix(nR, l);
  for (let r = 0; r < nR; r++) for (let a = 0; a < l; a++) m.set(r, a, Y[r * l + a]!);
  const qr = new QrDecomposition(m).orthogonalMatrix;
  const Q = _orthonormalize(Y.slice(), nR, l);
  for (let a = 0; a < l; a++) {
    for (let b = 0; b < l; b++) {
      let dot = 0, cross = 0;
      for (let r = 0; r < nR; r++) {
        dot += Q[r * l + a]! * Q[r * l + b]!;
        cross += Q[r * l + a]! * qr.get(r, b);
      }
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-12, `Q^T Q [${a},${b}] = ${dot}`);
      // Same columns up to sign: |q_a . qr_b| is 1 on the diagonal, 0 elsewhere.
      assert.ok(Math.abs(Math.abs(cross) - (a === b ? 1 : 0)) < 1e-6, `[${a},${b}] ${cross}`);
    }
  }
});
