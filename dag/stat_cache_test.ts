import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import { hashPath, sha256 } from "./hash.ts";
import { runPipeline } from "./runner.ts";
import { defineStage, type Stage } from "./stage.ts";
import { StatCache } from "./stat_cache.ts";

const OLD = new Date("2020-01-01T00:00:00Z");
const LATER = new Date("2021-06-01T00:00:00Z");

/** A file whose mtime is long before now, so its entry is not racy. */
async function oldFile(path: string, text: string, mtime = OLD): Promise<void> {
  await Deno.writeTextFile(path, text);
  await Deno.utime(path, mtime, mtime);
}

Deno.test("StatCache re-hashes a file rewritten with the same size and a touched mtime", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "ratings.bin");
  const store = join(dir, "stat.json");
  await oldFile(file, "aaaa");
  const first = new StatCache(store);
  assert.equal(await first.hashFile(file), sha256("aaaa"));
  await first.save();
  const inode = (await Deno.stat(file)).ino;
  // In place (same inode), same size, other bytes, a different mtime.
  await oldFile(file, "bbbb", LATER);
  assert.equal((await Deno.stat(file)).ino, inode);
  const second = new StatCache(store);
  assert.equal(await second.hashFile(file), sha256("bbbb"));
  assert.equal(second.stats.hashed, 1);
});

Deno.test("StatCache reads an unchanged file once, in this run and the next", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "a.txt");
  const store = join(dir, "stat.json");
  await oldFile(file, "hello");
  const first = new StatCache(store);
  await first.hashFile(file);
  await first.hashFile(file);
  assert.deepEqual(first.stats, { hits: 1, hashed: 1, bytesHashed: 5 });
  await first.save();
  const second = new StatCache(store);
  assert.equal(await second.hashFile(file), sha256("hello"));
  assert.deepEqual(second.stats, { hits: 1, hashed: 0, bytesHashed: 0 });
});

Deno.test("StatCache does not trust a stored entry hashed within RACY_MS of the file's mtime", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "fresh.txt");
  const store = join(dir, "stat.json");
  await Deno.writeTextFile(file, "new"); // mtime = now, hashed right away
  const first = new StatCache(store);
  await first.hashFile(file);
  await first.save();
  // Changed within the same timestamp tick: size and mtime as recorded.
  const { mtime } = await Deno.stat(file);
  await Deno.writeTextFile(file, "NEW");
  await Deno.utime(file, mtime!, mtime!);
  const second = new StatCache(store);
  assert.equal(await second.hashFile(file), sha256("NEW"));
});

Deno.test("StatCache.hashPath() of a folder equals hashPath(), timings left out", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "model/sub"), { recursive: true });
  await Deno.writeTextFile(join(dir, "model/a.json"), "{}");
  await Deno.writeTextFile(join(dir, "model/sub/b.bin"), "xyz");
  await Deno.writeTextFile(join(dir, "model/timings.json"), '{"fitSeconds":1}');
  const cache = new StatCache();
  const before = await cache.hashPath(join(dir, "model"));
  assert.equal(before, await hashPath(join(dir, "model")));
  await Deno.writeTextFile(join(dir, "model/timings.json"), '{"fitSeconds":2}');
  assert.equal(await cache.hashPath(join(dir, "model")), before);
  assert.equal(await cache.hashPath(join(dir, "missing")), undefined);
});

Deno.test("runPipeline() sees an output edited in place with the same size through the stat cache", async () => {
  const root = await Deno.makeTempDir();
  const stage = defineStage({
    name: "a",
    description: "writes a fixed text",
    deps: [],
    outs: ["out/a.txt"],
    params: z.object({}),
    code: import.meta.url,
    async run(ctx) {
      await Deno.writeTextFile(ctx.outputs["out/a.txt"]!, "1234");
    },
  }) as unknown as Stage;
  const run = (runId: string) =>
    runPipeline([stage], { root, params: { a: {} }, runId, log: () => {} });
  assert.equal((await run("r1")).outcomes[0]!.status, "ran");
  const out = join(root, "out/a.txt");
  await Deno.utime(out, OLD, OLD);
  assert.equal((await run("r2")).outcomes[0]!.status, "cached"); // entry now stored and settled
  assert.equal((await run("r3")).outcomes[0]!.status, "cached"); // from the stat cache
  await oldFile(out, "9999", LATER);
  const fourth = await runPipeline([stage], {
    root,
    params: { a: {} },
    runId: "r4",
    dryRun: true,
    log: () => {},
  });
  assert.deepEqual(fourth.plan[0]!.reasons, ["output out/a.txt was modified"]);
});
