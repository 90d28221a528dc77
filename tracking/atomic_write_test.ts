import assert from "node:assert/strict";
import { join } from "node:path";
import { tempPathFor, writeFileAtomic } from "../lib/atomic.ts";
import { walkFiles } from "./_walk_files.ts";
import { decodeRunJson } from "./_run_json.ts";

Deno.test("writeFileAtomic() keeps the old file and leaves no temp file when the write fails midway", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "run.json");
    await writeFileAtomic(path, '{"ok":true}');
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('{"partial":'.repeat(10_000)));
        controller.error(new Error("disk unplugged"));
      },
    });
    await assert.rejects(writeFileAtomic(path, failing), /disk unplugged/);
    assert.equal(await Deno.readTextFile(path), '{"ok":true}');
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, ["run.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run killed while logging leaves a complete run.json (SIGKILL mid-write)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = join(dir, "child.ts");
    const storeUrl = new URL("./local_store.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { LocalRunStore } from ${JSON.stringify(storeUrl)};
const store = new LocalRunStore(${JSON.stringify(join(dir, "runs"))});
const run = await store.startRun({ runName: "killed" });
console.log(run.runId);
for (let step = 0; ; step++) {
  const batch = [];
  for (let i = 0; i < 200; i++) batch.push({ key: "m" + i, value: Math.random(), step });
  await run.logMetrics(batch);
  console.log("step " + step);
}
`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", new URL("../deno.json", import.meta.url).pathname, script],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    // Wait until it has rewritten run.json (hundreds of KB) many times, then kill it without
    // warning, in the middle of the next rewrite.
    let seen = "";
    while (!/step 20\n/.test(seen)) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the child ended before 20 steps:\n${seen}`);
      seen += value;
    }
    const first = seen.split("\n")[0]!.trim();
    child.kill("SIGKILL"); // throws if the child died by itself: the test is then void
    await child.status;
    await lines.cancel();
    const runDir = join(dir, "runs", "Default", first);
    const record = decodeRunJson(await Deno.readTextFile(join(runDir, "run.json")), "run.json");
    assert.equal(record.runId, first);
    assert.equal(record.status, "RUNNING");
    assert.ok((record.metrics.m0?.length ?? 0) >= 1, "some steps were logged before the kill");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("walkFiles() leaves out the temp files of writes in progress", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "model.bin"), "m");
    await Deno.writeTextFile(tempPathFor(join(dir, "manifest.json")), "{");
    await Deno.writeTextFile(join(dir, "run.json.1a2b3c4d.tmp"), "{");
    const found = [];
    for await (const f of walkFiles(dir)) found.push(f);
    assert.deepEqual(found, [join(dir, "model.bin")]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
