import assert from "node:assert/strict";
import { z } from "zod";
import { Prng } from "../core/prng.ts";
import { sampleConfig, searchSpace } from "./search_space.ts";

const schema = z.object({
  factors: z.number().int().positive().max(500).default(50).meta({
    tune: { min: 8, max: 256, log: true },
  }),
  reg: z.number().nonnegative().meta({ tune: { min: 0.001, max: 0.5 } }).default(0.05),
  kernel: z.enum(["js", "wasm"]).default("wasm").meta({ tune: { values: ["js", "wasm"] } }),
  seed: z.number().int().default(42),
}).strict();

Deno.test("searchSpace() reads number and choice ranges through default() in key order", () => {
  assert.deepEqual(searchSpace(schema), [
    { kind: "number", key: "factors", min: 8, max: 256, log: true, integer: true },
    { kind: "number", key: "reg", min: 0.001, max: 0.5, log: false, integer: false },
    { kind: "choice", key: "kernel", values: ["js", "wasm"] },
  ]);
});

Deno.test("searchSpace() rejects ranges the field itself would refuse", async (t) => {
  const cases: Array<[string, z.ZodType, RegExp]> = [
    ["empty", z.object({ a: z.number().meta({ tune: { min: 2, max: 1 } }) }), /is empty/],
    ["log at 0", z.object({ a: z.number().meta({ tune: { min: 0, max: 1, log: true } }) }), /log/],
    [
      "outside",
      z.object({ a: z.number().max(1).meta({ tune: { min: 0, max: 2 } }) }),
      /range end 2/,
    ],
    ["bad choice", z.object({ a: z.enum(["x"]).meta({ tune: { values: ["y"] } }) }), /choice "y"/],
    ["malformed", z.object({ a: z.number().meta({ tune: { lo: 1 } }) }), /tune metadata/],
  ];
  for (const [name, s, re] of cases) {
    await t.step(name, () => assert.throws(() => searchSpace(s, "m"), re));
  }
});

Deno.test("sampleConfig() stays in range, rounds integers, is seeded and parses", () => {
  const space = searchSpace(schema);
  const a = Array.from({ length: 200 }, (_, j) => sampleConfig(space, new Prng(j)));
  for (const c of a) {
    const f = c.factors as number;
    assert.ok(Number.isInteger(f) && f >= 8 && f <= 256);
    assert.ok((c.reg as number) >= 0.001 && (c.reg as number) <= 0.5);
    assert.ok(schema.safeParse(c).success);
  }
  assert.deepEqual(sampleConfig(space, new Prng(3)), sampleConfig(space, new Prng(3)));
  // log sampling: about half the draws below the geometric mean sqrt(8 * 256) = 45
  const below = a.filter((c) => (c.factors as number) < 45).length;
  assert.ok(below > 70 && below < 130, `${below} of 200 below 45`);
  assert.deepEqual(new Set(a.map((c) => c.kernel)), new Set(["js", "wasm"]));
});
