import assert from "node:assert/strict";
import { compileKernels, kernelsDir, kernelsModule, readKernelSources } from "./build.ts";

Deno.test("_kernels.ts is what `deno task wasm` makes from the .wat sources", async () => {
  const sources = readKernelSources();
  assert.deepEqual(Object.keys(sources), [
    "als_solve",
    "batch_scores",
    "ease_rows",
    "ials_apply",
    "ials_rowsum",
    "rmse",
    "scores",
    "sgd",
    "spd_update",
    "svd",
    "svdpp",
  ]);
  const expected = kernelsModule(await compileKernels(sources));
  const committed = Deno.readTextFileSync(new URL("_kernels.ts", kernelsDir));
  assert.equal(
    committed,
    expected,
    "recommender/kernels/wasm/_kernels.ts differs from its .wat sources: run `deno task wasm`",
  );
});

Deno.test("compileKernels() names the .wat file that does not compile", async () => {
  await assert.rejects(
    compileKernels({ bad: "(module (func (i32.add (i32.const 1))))" }),
    /Cannot compile recommender\/kernels\/wasm\/bad\.wat: /,
  );
});
