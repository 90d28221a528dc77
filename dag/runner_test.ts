import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import { buildGraph, GraphError } from "./graph.ts";
import { readLock } from "./lock_file.ts";
import { acquireProcessLock, BusyError } from "./process_lock.ts";
import { runPipeline } from "./runner.ts";
import { defineStage, type Stage } from "./stage.ts";

/** A tiny real pipeline: a -> b -> c, plus d (independent of b and c). Each appends to a log. */
function makeStages(root: string, options: { failIn?: string } = {}): Stage[] {
  const log = join(root, "ran.log");
  const note = (name: string) => Deno.writeTextFileSync(log, name + "\n", { append: true });
  const copyStage = (name: string, dep: string | undefined, out: string) =>
    defineStage({
      name,
      description: `stage ${name}`,
      deps: dep ? [dep] : [],
      outs: [out],
      params: z.object({ factor: z.number().default(1) }),
      code: import.meta.url,
      async run(ctx) {
        note(name);
        const input = dep ? await Deno.readTextFile(ctx.inputs[dep]!) : "seed";
        await Deno.writeTextFile(ctx.outputs[out]!, `${input}|${name}*${ctx.params.factor}`);
        if (options.failIn === name) throw new Error(`${name} blew up after writing`);
      },
    });
  return [
    copyStage("a", undefined, "out/a.txt"),
    copyStage("b", "out/a.txt", "out/b.txt"),
    copyStage("c", "out/b.txt", "out/c.txt"),
    copyStage("d", "out/a.txt", "out/d.txt"),
  ];
}

function params(over: Record<string, number> = {}) {
  return Object.fromEntries(["a", "b", "c", "d"].map((s) => [s, { factor: over[s] ?? 1 }]));
}

const ran = async (root: string) => {
  const text = await Deno.readTextFile(join(root, "ran.log")).catch(() => "");
  await Deno.remove(join(root, "ran.log")).catch(() => {});
  return text.split("\n").filter(Boolean).sort();
};

const quiet = () => {};
const statuses = (outcomes: readonly { stage: string; status: string }[]) =>
  outcomes.map((o) => `${o.stage}:${o.status}`).sort();

Deno.test("runPipeline() caches every stage on the second run", async () => {
  const root = await Deno.makeTempDir();
  const stages = makeStages(root);
  const first = await runPipeline(stages, { root, params: params(), runId: "r1", log: quiet });
  assert.equal(first.ok, true);
  assert.deepEqual(await ran(root), ["a", "b", "c", "d"]);
  const second = await runPipeline(stages, { root, params: params(), runId: "r2", log: quiet });
  assert.deepEqual(second.outcomes.map((o) => o.status), ["cached", "cached", "cached", "cached"]);
  assert.deepEqual(second.outcomes.map((o) => o.producedBy), ["r1", "r1", "r1", "r1"]);
  assert.deepEqual(await ran(root), []);
});

Deno.test("runPipeline() re-runs exactly the stages downstream of a changed param", async () => {
  const root = await Deno.makeTempDir();
  const stages = makeStages(root);
  await runPipeline(stages, { root, params: params(), runId: "r1", log: quiet });
  await ran(root);
  const result = await runPipeline(stages, {
    root,
    params: params({ b: 2 }),
    runId: "r2",
    log: quiet,
  });
  assert.deepEqual(await ran(root), ["b", "c"]);
  assert.deepEqual(statuses(result.outcomes), ["a:cached", "b:ran", "c:ran", "d:cached"]);
  assert.equal(await Deno.readTextFile(join(root, "out/c.txt")), "seed|a*1|b*2|c*1");
});

Deno.test("runPipeline() --dry-run names the changed param, the changed output and upstream runs", async () => {
  const root = await Deno.makeTempDir();
  const stages = makeStages(root);
  await runPipeline(stages, { root, params: params(), runId: "r1", log: quiet });
  await ran(root);
  await Deno.writeTextFile(join(root, "out/d.txt"), "edited by hand");
  const { plan } = await runPipeline(stages, {
    root,
    params: params({ b: 3 }),
    runId: "r2",
    dryRun: true,
    log: quiet,
  });
  const reasons = Object.fromEntries(
    plan.map((d) => [d.stage, `${d.run}: ${d.reasons.join("; ")}`]),
  );
  assert.match(reasons.a!, /^false: cached/);
  assert.match(reasons.b!, /^true: params changed \(b\.factor: 1 -> 3\)/);
  assert.match(reasons.c!, /^true: upstream stage b will run/);
  assert.match(reasons.d!, /^true: output out\/d\.txt was modified/);
  assert.deepEqual(await ran(root), [], "a dry run runs nothing");
});

Deno.test("runPipeline() re-runs a stage whose code changed", async () => {
  const root = await Deno.makeTempDir();
  const codeFile = join(root, "stage_code.ts");
  await Deno.writeTextFile(codeFile, "export const version = 1;\n");
  const stage = { ...makeStages(root)[0]!, code: `file://${codeFile}` } as Stage;
  await runPipeline([stage], { root, params: params(), runId: "r1", log: quiet });
  await Deno.writeTextFile(codeFile, "export const version = 2;\n");
  const { plan } = await runPipeline([stage], {
    root,
    params: params(),
    runId: "r2",
    dryRun: true,
    log: quiet,
  });
  assert.deepEqual(plan[0]!.reasons, ["code changed: stage_code.ts"]);
});

Deno.test("runPipeline() names the imported file whose change re-runs a stage", async () => {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(join(root, "lib"));
  const codeFile = join(root, "stage_code.ts");
  await Deno.writeTextFile(codeFile, 'import { k } from "./lib/model.ts";\nexport const v = k;\n');
  await Deno.writeTextFile(join(root, "lib/model.ts"), "export const k = 1;\n");
  const stage = { ...makeStages(root)[0]!, code: `file://${codeFile}` } as Stage;
  await runPipeline([stage], { root, params: params(), runId: "r1", log: quiet });
  await Deno.writeTextFile(join(root, "lib/model.ts"), "export const k = 2;\n");
  const lines: string[] = [];
  await runPipeline([stage], { root, params: params(), runId: "r2", log: (l) => lines.push(l) });
  assert.ok(
    lines.some((l) => l.includes("running: code changed: lib/model.ts")),
    lines.join("\n"),
  );
});

Deno.test("buildGraph() refuses cycles, missing inputs and shared outputs", async (t) => {
  const s = (name: string, deps: string[], outs: string[]) =>
    ({
      name,
      description: name,
      deps,
      outs,
      params: z.object({}),
      code: import.meta.url,
      run: async () => {},
    }) as Stage;
  await t.step("cycle", () => {
    assert.throws(
      () =>
        buildGraph([s("x", ["q"], ["p"]), s("y", ["p"], ["r"]), s("z", ["r"], ["q"])], () => false),
      (e: Error) => e instanceof GraphError && /cycle: (x|y|z) -> .* -> \1/.test(e.message),
    );
  });
  await t.step("missing input", () => {
    assert.throws(
      () => buildGraph([s("x", ["nowhere.csv"], ["p"])], () => false),
      /Stage "x" needs "nowhere.csv", but no stage produces it/,
    );
  });
  await t.step("two writers", () => {
    assert.throws(
      () => buildGraph([s("x", [], ["data"]), s("y", [], ["data/sub"])], () => false),
      /both write/,
    );
  });
});

Deno.test("runPipeline() leaves no output and no lock entry when a stage fails after writing", async () => {
  const root = await Deno.makeTempDir();
  const result = await runPipeline(makeStages(root, { failIn: "b" }), {
    root,
    params: params(),
    runId: "r1",
    log: quiet,
  });
  assert.equal(result.ok, false);
  // Fail fast, like DVC: nothing new starts after a failure.
  assert.deepEqual(statuses(result.outcomes), ["a:ran", "b:failed", "c:skipped", "d:skipped"]);
  await assert.rejects(Deno.stat(join(root, "out/b.txt")));
  const leftovers = [...Deno.readDirSync(join(root, "out"))].map((e) => e.name).filter((n) =>
    n.includes("tmp")
  );
  assert.deepEqual(leftovers, []);
  const lock = await readLock(join(root, "pipeline.lock"));
  assert.equal(lock.stages.b, undefined);
  assert.ok(lock.stages.a);
  const again = await runPipeline(makeStages(root), {
    root,
    params: params(),
    runId: "r2",
    log: quiet,
  });
  assert.equal(again.outcomes.find((o) => o.stage === "b")!.status, "ran");
});

Deno.test("runPipeline() killed mid-stage leaves nothing that a later run treats as cached", async () => {
  const root = await Deno.makeTempDir();
  const script = join(root, "slow.ts");
  const runner = new URL("./runner.ts", import.meta.url).href;
  const stageMod = new URL("./stage.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `
import { z } from "zod";
import { runPipeline } from "${runner}";
import { defineStage } from "${stageMod}";
const slow = defineStage({
  name: "slow", description: "writes half, then hangs", deps: [], outs: ["out/big.txt"],
  params: z.object({}), code: import.meta.url,
  async run(ctx) {
    await Deno.writeTextFile(ctx.outputs["out/big.txt"], "half of it");
    console.log("WROTE");
    // Hangs until killed: the test never writes to this stdin (no clock could end it first).
    await Deno.stdin.read(new Uint8Array(1));
  },
});
await runPipeline([slow], { root: ${
      JSON.stringify(root)
    }, params: { slow: {} }, runId: "killed", log: () => {} });
`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", new URL("../deno.json", import.meta.url).pathname, script],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("WROTE")) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
  }
  child.kill("SIGKILL");
  await child.status;
  await child.stdin.close().catch(() => {});
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  assert.ok(seen.includes("WROTE"), "the child reached the middle of the stage");
  await assert.rejects(Deno.stat(join(root, "out/big.txt")), "no output under its final name");
  const lock = await readLock(join(root, "pipeline.lock"));
  assert.equal(lock.stages.slow, undefined, "no lock entry");
});

Deno.test("runPipeline() with jobs=2 runs independent stages at the same time", async () => {
  const root = await Deno.makeTempDir();
  const events: string[] = [];
  // p waits for q and q waits for p: only a runner that runs them concurrently finishes.
  let pStarted!: () => void, qStarted!: () => void;
  const pIn = new Promise<void>((r) => (pStarted = r));
  const qIn = new Promise<void>((r) => (qStarted = r));
  const mk = (name: string, arrive: () => void, waitFor: Promise<void>) =>
    defineStage({
      name,
      description: name,
      deps: [],
      outs: [`out/${name}`],
      params: z.object({}),
      code: import.meta.url,
      async run(ctx) {
        events.push(`start ${name}`);
        arrive();
        await waitFor;
        await Deno.writeTextFile(ctx.outputs[`out/${name}`]!, name);
        events.push(`end ${name}`);
      },
    });
  const result = await runPipeline([mk("p", pStarted, qIn), mk("q", qStarted, pIn)], {
    root,
    params: { p: {}, q: {} },
    runId: "r",
    jobs: 2,
    log: quiet,
  });
  assert.equal(result.ok, true);
  assert.deepEqual(
    events.slice(0, 2).sort(),
    ["start p", "start q"],
    "both started before either ended",
  );
});

Deno.test("acquireProcessLock() refuses a second pipeline in the same project", async () => {
  const root = await Deno.makeTempDir();
  const release = await acquireProcessLock(root);
  await assert.rejects(
    acquireProcessLock(root),
    (e: Error) => e instanceof BusyError && /Another pipeline run \(pid \d+/.test(e.message),
  );
  release();
  const again = await acquireProcessLock(root);
  again();
});

Deno.test("acquireProcessLock() takes over a lock left by a dead process", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(
    join(root, ".pipeline.running"),
    JSON.stringify({ pid: 999_999_999, startedAt: "then" }),
  );
  const release = await acquireProcessLock(root);
  const owner = JSON.parse(await Deno.readTextFile(join(root, ".pipeline.running")));
  assert.equal(owner.pid, Deno.pid, "the lock now names this process");
  release();
  await assert.rejects(Deno.stat(join(root, ".pipeline.running")), "released");
});

Deno.test("runPipeline() with workers runs CPU-bound stages in parallel threads", async () => {
  const root = await Deno.makeTempDir();
  const stageMod = new URL("./stage.ts", import.meta.url).href;
  const module = join(root, "busy_stages.ts");
  // A barrier across threads: each stage marks that it started, then blocks its thread (no
  // await) until the other stage's mark appears. Run one after the other in one thread, the
  // first would wait for ever (it gives up after a minute and fails); in parallel threads both
  // pass. No clock decides the outcome.
  await Deno.writeTextFile(
    module,
    `
import { z } from "zod";
import { defineStage } from "${stageMod}";
const mark = (name: string) => ${JSON.stringify(root)} + "/started-" + name;
const seen = (path: string) => { try { Deno.statSync(path); return true; } catch { return false; } };
const pause = new Int32Array(new SharedArrayBuffer(4));
const busy = (name: string, other: string) => defineStage({
  name, description: "blocks its thread until the other stage runs", deps: [],
  outs: [\`out/\${name}.json\`], params: z.object({}), code: import.meta.url,
  async run(ctx) {
    Deno.writeTextFileSync(mark(name), "");
    let polls = 0;
    while (!seen(mark(other))) {
      if (++polls > 60_000) throw new Error(\`\${name}: \${other} never ran while \${name} held its thread\`);
      Atomics.wait(pause, 0, 0, 1); // blocks this thread for 1 ms, never yields to the event loop
    }
    ctx.progress.info(\`\${name} saw \${other}\`);
    await Deno.writeTextFile(ctx.outputs[\`out/\${name}.json\`], JSON.stringify({ polls }));
  },
});
export const left = busy("left", "right");
export const right = busy("right", "left");
`,
  );
  const mod = await import(`file://${module}`);
  const lines: string[] = [];
  const result = await runPipeline([mod.left, mod.right], {
    root,
    params: { left: {}, right: {} },
    runId: "r",
    jobs: 2,
    workers: true,
    log: (l) => lines.push(l),
  });
  assert.equal(result.ok, true, lines.join("\n"));
  assert.ok(
    lines.some((x) => x.includes("[left] left saw right")),
    "progress relayed from the worker",
  );
  assert.ok(lines.some((x) => x.includes("[right] right saw left")), lines.join("\n"));
});

Deno.test("runPipeline() with workers reports a stage's error and keeps nothing", async () => {
  const root = await Deno.makeTempDir();
  const stageMod = new URL("./stage.ts", import.meta.url).href;
  const module = join(root, "failing_stage.ts");
  await Deno.writeTextFile(
    module,
    `
import { z } from "zod";
import { defineStage } from "${stageMod}";
export const broken = defineStage({
  name: "broken", description: "fails", deps: [], outs: ["out/x.txt"],
  params: z.object({}), code: import.meta.url,
  async run(ctx) {
    await Deno.writeTextFile(ctx.outputs["out/x.txt"], "partial");
    throw new Error("Cannot read ratings.csv: line 3 is bad");
  },
});
`,
  );
  const mod = await import(`file://${module}`);
  const result = await runPipeline([mod.broken], {
    root,
    params: { broken: {} },
    runId: "r",
    jobs: 2,
    workers: true,
    log: quiet,
  });
  assert.equal(result.ok, false);
  assert.equal(result.outcomes[0]!.error, "Cannot read ratings.csv: line 3 is bad");
  await assert.rejects(Deno.stat(join(root, "out/x.txt")));
});

Deno.test("runPipeline() restores outputs from the run cache when a param goes back to an earlier value", async () => {
  const root = await Deno.makeTempDir();
  const stages = makeStages(root);
  const runCache = join(root, ".cache/runs");
  await runPipeline(stages, { root, params: params(), runId: "r1", runCache, log: quiet });
  const original = await Deno.readTextFile(join(root, "out/c.txt"));
  await runPipeline(stages, { root, params: params({ b: 2 }), runId: "r2", runCache, log: quiet });
  await ran(root);
  const { plan } = await runPipeline(stages, {
    root,
    params: params(),
    runId: "r3",
    runCache,
    dryRun: true,
    log: quiet,
  });
  assert.match(
    plan.find((d) => d.stage === "b")!.reasons.join(";"),
    /in the run cache: would restore/,
  );
  const back = await runPipeline(stages, {
    root,
    params: params(),
    runId: "r3",
    runCache,
    log: quiet,
  });
  assert.deepEqual(await ran(root), [], "nothing recomputed");
  assert.deepEqual(statuses(back.outcomes), ["a:cached", "b:restored", "c:restored", "d:cached"]);
  assert.equal(back.outcomes.find((o) => o.stage === "b")!.producedBy, "r1");
  assert.equal(await Deno.readTextFile(join(root, "out/c.txt")), original);
  // The restored outputs are recorded like a run: the next run is all cached.
  const again = await runPipeline(stages, {
    root,
    params: params(),
    runId: "r4",
    runCache,
    log: quiet,
  });
  assert.deepEqual(statuses(again.outcomes), ["a:cached", "b:cached", "c:cached", "d:cached"]);
  // --force ignores the run cache.
  await runPipeline(stages, {
    root,
    params: params({ b: 2 }),
    runId: "r5",
    runCache,
    force: true,
    only: "b",
    log: quiet,
  });
  assert.deepEqual(await ran(root), ["b"]);
});

Deno.test("runPipeline() never restores a run cache entry whose content changed; it runs instead", async (t) => {
  const root = await Deno.makeTempDir();
  const stages = makeStages(root);
  const runCache = join(root, ".cache/runs");
  await runPipeline(stages, { root, params: params(), runId: "r1", runCache, log: quiet });
  await ran(root);
  await t.step("an output edited in place (the cache holds a hard link to it)", async () => {
    const file = await Deno.open(join(root, "out/a.txt"), { write: true });
    await file.write(new TextEncoder().encode("CORRUPT"));
    file.close();
    const lines: string[] = [];
    const r = await runPipeline(stages, {
      root,
      params: params(),
      runId: "r2",
      runCache,
      log: (l) => lines.push(l),
    });
    assert.equal(r.outcomes.find((o) => o.stage === "a")!.status, "ran");
    assert.ok(lines.some((l) => l.includes("run cache entry dropped")), lines.join("\n"));
    assert.equal(await Deno.readTextFile(join(root, "out/a.txt")), "seed|a*1");
    await ran(root);
  });
  await t.step("a damaged cache entry", async () => {
    await runPipeline(stages, {
      root,
      params: params({ d: 5 }),
      runId: "r3",
      runCache,
      log: quiet,
    });
    for await (const e of Deno.readDir(join(runCache, "d"))) {
      await Deno.remove(join(runCache, "d", e.name, "outs"), { recursive: true }).catch(() => {});
    }
    await ran(root);
    const r = await runPipeline(stages, {
      root,
      params: params(),
      runId: "r4",
      runCache,
      log: quiet,
    });
    assert.equal(r.ok, true);
    assert.equal(r.outcomes.find((o) => o.stage === "d")!.status, "ran");
    assert.equal(await Deno.readTextFile(join(root, "out/d.txt")), "seed|a*1|d*1");
  });
});

Deno.test("runPipeline() runs an always, reporting stage in place, after a failure too", async () => {
  const root = await Deno.makeTempDir();
  const seen: string[][] = [];
  const recorder = defineStage({
    name: "record",
    section: "shared",
    description: "appends one line per invocation to a store it keeps in place",
    deps: ["out/c.txt"],
    outs: ["store"],
    params: z.object({ label: z.string().default("x") }),
    code: import.meta.url,
    always: true,
    reporting: true,
    async run(ctx) {
      seen.push(ctx.history.map((o) => `${o.stage}:${o.status}`));
      await Deno.mkdir(ctx.outputs["store"]!, { recursive: true });
      await Deno.writeTextFile(join(ctx.outputs["store"]!, "runs.log"), `${ctx.runId}\n`, {
        append: true,
      });
      if (ctx.params.label === "boom") throw new Error("the store is down");
      return { summary: `recorded ${ctx.runId}` };
    },
  });
  const all = (over: { failIn?: string; label?: string } = {}) => ({
    stages: [...makeStages(root, over), recorder],
    params: { ...params(), shared: { label: over.label ?? "x" } },
  });
  const run = (runId: string, over: { failIn?: string; label?: string } = {}) => {
    const { stages, params } = all(over);
    return runPipeline(stages, { root, params, runId, log: quiet });
  };
  const first = await run("r1");
  assert.equal(first.ok, true);
  const lockPath = join(root, "pipeline.lock");
  const entry = (await readLock(lockPath)).stages["record"];
  assert.equal(entry?.always, true);
  assert.deepEqual(entry?.params, { label: "x" });
  assert.deepEqual(entry?.outs, {});
  assert.equal(first.outcomes.find((o) => o.stage === "record")?.key, entry?.key);
  // Cached upstream, the store grows in place and the lock stays byte for byte.
  const lockText = await Deno.readTextFile(lockPath);
  const second = await run("r2");
  assert.deepEqual(statuses(second.outcomes), [
    "a:cached",
    "b:cached",
    "c:cached",
    "d:cached",
    "record:ran",
  ]);
  assert.equal(await Deno.readTextFile(lockPath), lockText);
  assert.equal(await Deno.readTextFile(join(root, "store/runs.log")), "r1\nr2\n");
  // A failure upstream: the rest is skipped, the reporting stage still runs and sees it.
  await Deno.remove(join(root, "out/b.txt")); // b must run again, and fails
  const failed = await run("r3", { failIn: "b" });
  assert.equal(failed.ok, false);
  assert.equal(failed.outcomes.find((o) => o.stage === "c")?.status, "skipped");
  assert.equal(failed.outcomes.find((o) => o.stage === "record")?.status, "ran");
  assert.ok(seen.at(-1)!.includes("b:failed") && seen.at(-1)!.includes("c:skipped"));
  // Its own failure is shown, does not fail the pipeline and leaves its store alone.
  const own = await run("r4", { label: "boom" });
  assert.equal(own.ok, true);
  assert.equal(own.outcomes.find((o) => o.stage === "record")?.status, "failed");
  assert.equal(await Deno.readTextFile(join(root, "store/runs.log")), "r1\nr2\nr3\nr4\n");
});
