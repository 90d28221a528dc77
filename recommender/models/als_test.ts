import assert from "node:assert/strict";
import { ALS } from "./als.ts";
import { kernelThreads } from "../kernels/kernel_threads.ts";
import { _loadMovieLensSmall } from "../core/_test_data.ts";

async function fitWith(threads: number): Promise<Uint8Array> {
  const before = kernelThreads();
  kernelThreads(threads);
  const m = new ALS({ factors: 8, iterations: 3 });
  try {
    m.fit(_loadMovieLensSmall());
  } finally {
    kernelThreads(before);
  }
  return (await m.save()).data;
}

Deno.test("ALS.fit() on two threads saves the same bytes as on one", async () => {
  const one = await fitWith(1);
  const two = await fitWith(2);
  assert.equal(one.length, two.length);
  assert.ok(one.every((b, j) => b === two[j]), "factors differ between 1 and 2 threads");
});

Deno.test("ALS.fit() on three threads (two workers) saves the same bytes as on one", async () => {
  const one = await fitWith(1);
  const three = await fitWith(3);
  assert.ok(one.every((b, j) => b === three[j]), "factors differ between 1 and 3 threads");
});
