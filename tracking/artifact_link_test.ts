import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalRunStore } from "./local_store.ts";

Deno.test("logArtifact() links model files into runs/ instead of copying their bytes", async () => {
  const dir = await Deno.makeTempDir();
  const model = join(dir, "models/als");
  await Deno.mkdir(model, { recursive: true });
  await Deno.writeTextFile(join(model, "factors.bin"), "0123456789");
  const store = new LocalRunStore(join(dir, "runs"));
  const run = await store.startRun({ runName: "als" });
  await run.logArtifact({ localPath: model, artifactPath: "model" });
  const record = await run.end("FINISHED");
  const logged = join(store.artifactsDir(record), "model/factors.bin");
  assert.equal((await Deno.stat(logged)).ino, (await Deno.stat(join(model, "factors.bin"))).ino);
  // The pipeline replaces outputs by rename: the logged file keeps the old bytes.
  await Deno.writeTextFile(join(dir, "new.bin"), "new");
  await Deno.rename(join(dir, "new.bin"), join(model, "factors.bin"));
  assert.equal(await Deno.readTextFile(logged), "0123456789");
});
