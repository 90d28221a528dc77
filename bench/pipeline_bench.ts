/**
 * Pipeline benchmark: the whole cold pipeline (etl -> evaluate with the
 * default models, plus tracking and the report) on ml-latest-small in a fresh
 * project folder, then the all-cached second run. Wall time of the process
 * and the pipeline's own time (what it prints) are recorded, best of N.
 *
 * Run: `deno task bench` (all benchmarks) or `deno run -A bench/pipeline_bench.ts [zip] [--reps N]`.
 * Writes `reports/bench/pipeline.md` and `reports/bench/pipeline.json`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import os from "node:os";
import { join } from "node:path";
import { writeTextAtomic } from "../lib/atomic.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { reps: { type: "string", default: "3" } },
  allowPositionals: true,
});
const zip = positionals[0] ??
  new URL("../../shared/data/ml-latest-small.zip", import.meta.url).pathname;
const reps = Number(values.reps);
const PIPELINE = new URL("../pipeline.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

interface Timing {
  readonly wall: number;
  readonly pipeline: number;
  readonly stages: Record<string, number>;
}

async function runOnce(cwd: string): Promise<Timing> {
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, PIPELINE, "--dataset", zip],
    cwd,
    env: { NO_COLOR: "1", MLFLOW_TRACKING_URI: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = (performance.now() - started) / 1000;
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) throw new Error(`pipeline failed:\n${new TextDecoder().decode(out.stderr)}`);
  const seconds = (s: string) =>
    s.endsWith("ms") ? Number(s.slice(0, -2)) / 1000 : Number(s.replace(/s$/, ""));
  const total = /pipeline finished in ([\d.]+m?s)/.exec(text)?.[1];
  const stages: Record<string, number> = {};
  for (const m of text.matchAll(/^(\w+)\s+(ran|cached)\s+([\d.]+s)/gm)) {
    stages[m[1]!] = seconds(m[3]!);
  }
  return { wall, pipeline: total ? seconds(total) : NaN, stages };
}

const cold: Timing[] = [];
const warm: Timing[] = [];
for (let i = 0; i < reps; i++) {
  const dir = await Deno.makeTempDir({ prefix: "movierec-bench-" });
  cold.push(await runOnce(dir));
  warm.push(await runOnce(dir));
  await Deno.remove(dir, { recursive: true });
  console.error(
    `rep ${i + 1}/${reps}: cold ${cold.at(-1)!.wall.toFixed(2)} s wall, cached ${
      warm.at(-1)!.pipeline.toFixed(3)
    } s pipeline`,
  );
}
const best = (xs: Timing[]) => xs.reduce((a, b) => (b.wall < a.wall ? b : a));
const b1 = best(cold), b2 = best(warm);
const machine = `${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores, load average ${
  os.loadavg().map((l) => l.toFixed(1)).join(" ")
}; Deno ${Deno.version.deno}`;
const md = `# Pipeline benchmark

Machine: ${machine}. Data: ${zip.split("/").pop()} (100,836 ratings), default params (random 80/20
split, models ${"global-mean, popularity, baseline, svd, biased-mf, als"}), fresh project folder
each repetition, tracking to the local store. Best of ${reps} by wall time.

| run | process wall time | pipeline time (printed) |
|---|---|---|
| cold (etl -> evaluate, track, report) | ${b1.wall.toFixed(2)} s | ${b1.pipeline.toFixed(2)} s |
| second run (every stage cached, track, report) | ${b2.wall.toFixed(2)} s | ${
  b2.pipeline.toFixed(3)
} s |

Stage times of the best cold run: ${
  Object.entries(b1.stages).map(([s, t]) => `${s} ${t.toFixed(2)} s`).join(", ")
}.

Stage times of the best cached run: ${
  Object.entries(b2.stages).map(([s, t]) => `${s} ${t.toFixed(3)} s`).join(", ")
}.
`;
const dir = new URL("../reports/bench/", import.meta.url).pathname;
await writeTextAtomic(join(dir, "pipeline.md"), md);
await writeTextAtomic(
  join(dir, "pipeline.json"),
  JSON.stringify({ machine, reps, cold, warm }, null, 2) + "\n",
);
console.log(md);
