import assert from "node:assert/strict";
import { _randomizedSvd, TruncatedSVD } from "./truncated_svd.ts";
import { buildCsr } from "../core/csr.ts";
import { Prng } from "../core/prng.ts";
import { _loadMovieLensSmall } from "../core/_test_data.ts";
import { _svdModuleBytes } from "../kernels/_wasm_svd.ts";

/** The index of the first element where a and b differ (bit for bit), or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) return i;
  }
  return -1;
}

Deno.test("svd saves the same bytes with the WebAssembly kernels as with the JS loops on ml-latest-small", async () => {
  const train = _loadMovieLensSmall();
  const saved = [];
  for (const kernel of ["js", "wasm"] as const) {
    const m = new TruncatedSVD();
    m._kernel = kernel;
    m.fit(train);
    saved.push(await m.save());
  }
  const [js, wasm] = saved;
  assert.ok(js!.data.length > 4_000_000, "the model holds ml-latest-small's factors");
  assert.equal(firstDifference(js!.data, wasm!.data), -1, "the saved arrays differ");
  const strip = (m: unknown) =>
    JSON.stringify(m, (k, v) => k === "fitSeconds" || k === "trainedAt" ? undefined : v);
  assert.equal(strip(wasm!.manifest), strip(js!.manifest));
});

Deno.test("_randomizedSvd() gives bit-identical factors with either kernel", async (t) => {
  // A sparse random matrix with empty rows and columns, exact zeros and repeated entries.
  const rng = new Prng(11);
  const nRows = 61, nCols = 47;
  const rows: number[] = [], cols: number[] = [], vals: number[] = [];
  for (let r = 0; r < nRows; r++) {
    if (r % 13 === 5) continue; // an empty row
    for (let c = 0; c < nCols; c++) {
      if (c % 11 === 3 || rng.next() > 0.3) continue; // columns 3, 14, ... stay empty
      rows.push(r);
      cols.push(c);
      vals.push(r % 7 === 0 ? 0 : Math.fround(rng.gaussian()));
    }
  }
  rows.push(2, 2);
  cols.push(4, 4);
  vals.push(0.5, -0.25);
  const X = buildCsr(Int32Array.from(rows), Int32Array.from(cols), Float32Array.from(vals), {
    nRows,
    nCols,
  });
  // l below, at and above one 8-column panel, l not a multiple of 8, k == l
  for (
    const [k, l, powerIterations] of [[1, 1, 0], [3, 8, 2], [5, 9, 1], [17, 23, 4], [30, 30, 3]]
  ) {
    await t.step(`k=${k} l=${l} q=${powerIterations}`, () => {
      const opts = { k: k!, l: l!, powerIterations: powerIterations!, seed: 3 };
      const js = _randomizedSvd(X, { ...opts, kernel: "js" });
      const wasm = _randomizedSvd(X, { ...opts, kernel: "wasm" });
      assert.ok(js.sigma[0]! > 0);
      assert.equal(firstDifference(js.sigma, wasm.sigma), -1, "sigma");
      assert.equal(firstDifference(js.P, wasm.P), -1, "P");
      assert.equal(firstDifference(js.Q, wasm.Q), -1, "Q");
    });
  }
});

Deno.test("_svdModuleBytes() is a valid WebAssembly module", () => {
  assert.ok(WebAssembly.validate(_svdModuleBytes()));
});
