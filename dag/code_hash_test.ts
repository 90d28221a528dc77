import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CodeHasher, codeInputs, type DenoLock, type ModuleGraph } from "./code_hash.ts";

/** A graph of two stages: `a.ts` reaches ml-matrix (and its dependency), `b.ts` only zod. */
const GRAPH: ModuleGraph = {
  modules: [
    {
      specifier: "file:///p/a.ts",
      kind: "esm",
      dependencies: [
        { specifier: "./shared.ts", code: { specifier: "file:///p/shared.ts" } },
        { specifier: "ml-matrix", code: { specifier: "npm:/ml-matrix@6.15.1" } },
        // Type-only: nothing of it runs.
        { specifier: "./types.ts" },
      ],
    },
    {
      specifier: "file:///p/b.ts",
      kind: "esm",
      dependencies: [{ specifier: "./shared.ts", code: { specifier: "file:///p/shared.ts" } }],
    },
    {
      specifier: "file:///p/shared.ts",
      kind: "esm",
      dependencies: [
        { specifier: "zod", code: { specifier: "npm:/zod@4.6.7" } },
        { specifier: "node:path", code: { specifier: "node:path" } },
      ],
    },
    { specifier: "file:///p/types.ts", kind: "esm" },
    { specifier: "npm:/ml-matrix@6.15.1", kind: "npm", npmPackage: "ml-matrix@6.15.1" },
    { specifier: "npm:/zod@4.6.7", kind: "npm", npmPackage: "zod@4.6.7" },
  ],
  npmPackages: {
    "ml-matrix@6.15.1": { dependencies: ["is-any-array@3.0.0"] },
    "is-any-array@3.0.0": { dependencies: [] },
    "zod@4.6.7": { dependencies: [] },
  },
};

const LOCK: DenoLock = {
  npm: {
    "ml-matrix@6.15.1": { integrity: "sha512-matrix" },
    "is-any-array@3.0.0": { integrity: "sha512-any" },
    "zod@4.6.7": { integrity: "sha512-zod" },
  },
};

Deno.test("codeInputs() follows code imports to local files and the locked packages they reach", () => {
  const a = codeInputs(GRAPH, "file:///p/a.ts", LOCK);
  assert.deepEqual(a.files, ["/p/a.ts", "/p/shared.ts"]);
  assert.deepEqual(a.locked, {
    "npm:is-any-array@3.0.0": "sha512-any",
    "npm:ml-matrix@6.15.1": "sha512-matrix",
    "npm:zod@4.6.7": "sha512-zod",
  });
  const b = codeInputs(GRAPH, "file:///p/b.ts", LOCK);
  assert.deepEqual(b.files, ["/p/b.ts", "/p/shared.ts"]);
  assert.deepEqual(Object.keys(b.locked), ["npm:zod@4.6.7"]);
});

Deno.test("a changed locked package changes the code of the stages that reach it, only those", () => {
  // A dependency of ml-matrix upgraded in deno.lock (new integrity), as `deno install` would write.
  const upgraded: DenoLock = {
    npm: { ...LOCK.npm, "is-any-array@3.0.0": { integrity: "sha512-any-v2" } },
  };
  const before = (e: string) => JSON.stringify(codeInputs(GRAPH, e, LOCK));
  const after = (e: string) => JSON.stringify(codeInputs(GRAPH, e, upgraded));
  assert.notEqual(after("file:///p/a.ts"), before("file:///p/a.ts"));
  assert.equal(after("file:///p/b.ts"), before("file:///p/b.ts"));
});

Deno.test("CodeHasher: the real train stage's key follows ml-matrix's lock entry, split's does not", async () => {
  const lock = JSON.parse(
    await Deno.readTextFile(new URL("../deno.lock", import.meta.url)),
  ) as { npm: Record<string, { integrity: string }> };
  const id = Object.keys(lock.npm).find((k) => k.startsWith("ml-matrix@"));
  assert.ok(id, "deno.lock pins ml-matrix");
  const changed = {
    ...lock,
    npm: { ...lock.npm, [id]: { ...lock.npm[id]!, integrity: "sha512-another-build" } },
  };
  const train = new URL("../stages/train.ts", import.meta.url).href;
  const split = new URL("../stages/split.ts", import.meta.url).href;
  const asLocked = new CodeHasher({ lock });
  const asChanged = new CodeHasher({ lock: changed });
  await asLocked.prepare([train, split]);
  const t0 = await asLocked.hashFiles(train), t1 = await asChanged.hashFiles(train);
  const s0 = await asLocked.hashFiles(split), s1 = await asChanged.hashFiles(split);
  assert.notEqual(t1.hash, t0.hash, "train reaches ml-matrix");
  assert.equal(t0.files[`npm:${id}`], lock.npm[id]!.integrity);
  assert.equal(s1.hash, s0.hash, "split does not");
  assert.equal(s0.files[`npm:${id}`], undefined);
  assert.ok(
    "../recommender/models/als.ts" in t0.files,
    "local files are named from the stage's folder",
  );
});

Deno.test("CodeHasher finds dynamic imports and sees an import added to a kept graph", async () => {
  const dir = await Deno.makeTempDir();
  const url = (name: string) => pathToFileURL(join(dir, name)).href;
  await Deno.writeTextFile(
    join(dir, "stage.ts"),
    `export async function run() { return (await import("./lazy.ts")).value; }\n`,
  );
  await Deno.writeTextFile(join(dir, "lazy.ts"), `export const value = 1;\n`);
  await Deno.writeTextFile(join(dir, "later.ts"), `export const other = 2;\n`);
  const cacheFile = join(dir, ".cache", "code_graph.json");
  const first = await new CodeHasher({ cacheFile }).hashFiles(url("stage.ts"));
  assert.deepEqual(Object.keys(first.files).sort(), ["lazy.ts", "stage.ts"]);
  // The kept graph is used while no listed file changed ...
  const again = await new CodeHasher({ cacheFile }).hashFiles(url("stage.ts"));
  assert.equal(again.hash, first.hash);
  // ... and built again when one did: its new import counts.
  await Deno.writeTextFile(
    join(dir, "lazy.ts"),
    `export { other } from "./later.ts";\nexport const value = 1;\n`,
  );
  const edited = await new CodeHasher({ cacheFile }).hashFiles(url("stage.ts"));
  assert.deepEqual(Object.keys(edited.files).sort(), ["later.ts", "lazy.ts", "stage.ts"]);
  await Deno.remove(dir, { recursive: true });
});
