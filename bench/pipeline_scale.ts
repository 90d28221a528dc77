/**
 * The whole pipeline at scale: etl -> evaluate with the default model set
 * (tracking off) on a synthetic set shaped like MovieLens
 * (`_synthetic_size.ts`: 25M ratings is ml-25m's 162k users x 59k movies),
 * in a fresh project folder, one cold run. It records the process's wall
 * and CPU time, its peak resident memory (VmHWM of `/proc/<pid>/status`,
 * read every 200 ms: worker threads are in the same process), every stage's
 * time, and each model's share: its fit and holdout measurement (from its
 * `timings.json`) and its evaluation (the evaluate stage's lines); then the
 * cached no-op: the same command again, three times.
 *
 * Run: `deno task bench:pipeline-scale [--size 25M] [--models a,b] [--keep]`.
 * Writes `reports/bench/pipeline_scale_<size>.md` and `.json`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import os from "node:os";
import { join } from "node:path";
import { writeTextAtomic } from "../lib/atomic.ts";
import { syntheticSize } from "./_synthetic_size.ts";

const SIZES: Record<string, number> = { "1M": 1e6, "5M": 5e6, "10M": 1e7, "25M": 2.5e7 };

const { values } = parseArgs({
  args: Deno.args,
  options: {
    size: { type: "string", default: "25M" },
    models: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const ratings = SIZES[values.size!] ?? Number(values.size);
if (!(ratings >= 1000)) {
  throw new Error(`Unknown --size ${values.size}: use one of ${Object.keys(SIZES).join(", ")}`);
}
const shape = syntheticSize(ratings);
const PIPELINE = new URL("../pipeline.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const OUT = new URL("../reports/bench/", import.meta.url).pathname;

/** Seconds of a duration as the pipeline prints it: `850ms`, `4.2s`, `1m45s`, `1h02m`. */
export function parseDuration(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:([\d.]+)(ms|s))?$/.exec(text.trim());
  if (!m) return NaN;
  const [, h, min, v, unit] = m;
  return Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 +
    (v ? Number(v) / (unit === "ms" ? 1000 : 1) : 0);
}

async function procStatus(pid: number): Promise<{ hwmKiB: number; cpuSeconds: number } | null> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    return {
      hwmKiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0),
      cpuSeconds: ticks / 100,
    };
  } catch {
    return null; // exited
  }
}

const dir = await Deno.makeTempDir({ prefix: "movierec-scale-" });
const sets = [
  "etl.dataset=synthetic",
  `etl.synthetic.users=${shape.users}`,
  `etl.synthetic.movies=${shape.movies}`,
  `etl.synthetic.ratingsPerUser=${shape.ratingsPerUser}`,
  "tracking.enabled=false",
  ...(values.models ? [`train.models=[${values.models}]`] : []),
];
console.error(
  `pipeline at ${values.size}: ${shape.users.toLocaleString("en-US")} users x ${
    shape.movies.toLocaleString("en-US")
  } movies in ${dir}`,
);
const started = performance.now();
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--config", CONFIG, PIPELINE, ...sets.flatMap((s) => ["--set", s])],
  cwd: dir,
  env: { NO_COLOR: "1", MLFLOW_TRACKING_URI: "" },
  stdout: "piped",
  stderr: "piped",
}).spawn();
let peakKiB = 0, cpuSeconds = 0;
const log: string[] = [];
const pump = async (stream: ReadableStream<Uint8Array>, echo: boolean) => {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      log.push(line);
      if (echo && !line.includes("%)")) console.error(line);
    }
  }
  if (rest) log.push(rest);
};
const sampling = (async () => {
  for (;;) {
    const s = await procStatus(child.pid);
    if (!s) return;
    peakKiB = Math.max(peakKiB, s.hwmKiB);
    cpuSeconds = s.cpuSeconds;
    const done = await Promise.race([
      child.status.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 200)),
    ]);
    if (done) return;
  }
})();
const [status] = await Promise.all([
  child.status,
  pump(child.stdout, false),
  pump(child.stderr, true),
  sampling,
]);
const wall = (performance.now() - started) / 1000;
const text = log.join("\n");
if (!status.success) {
  throw new Error(`The pipeline failed (exit ${status.code}); its folder is kept: ${dir}`);
}

// The cached no-op: the same command again in the same folder (every stage cached), 3 times.
const noop: { wallSeconds: number; dagSeconds: number }[] = [];
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  const again = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, PIPELINE, ...sets.flatMap((s) => ["--set", s])],
    cwd: dir,
    env: { NO_COLOR: "1", MLFLOW_TRACKING_URI: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallSeconds = (performance.now() - t0) / 1000;
  const out = new TextDecoder().decode(again.stdout);
  if (!again.success || /^(etl|features|split|train|select|evaluate)\s+ran\s/m.test(out)) {
    throw new Error(`The no-op run was not a no-op (exit ${again.code}); folder kept: ${dir}`);
  }
  const dag = /pipeline finished in (\S+)/.exec(out)?.[1];
  noop.push({ wallSeconds, dagSeconds: dag ? parseDuration(dag) : NaN });
}

const stages: Record<string, number> = {};
for (const m of text.matchAll(/^(\w+)\s+(ran|cached)\s+(\S+)/gm)) {
  stages[m[1]!] = parseDuration(m[3]!);
}
interface ModelShare {
  fitSeconds: number;
  holdoutSeconds: number;
  evaluateSeconds: number;
}
const models: Record<string, ModelShare> = {};
for await (const e of Deno.readDir(join(dir, "data/models"))) {
  if (!e.isDirectory) continue;
  try {
    const t = JSON.parse(await Deno.readTextFile(join(dir, "data/models", e.name, "timings.json")));
    models[e.name] = {
      fitSeconds: t.fitSeconds,
      holdoutSeconds: Number(t.other?.validationSeconds ?? 0),
      evaluateSeconds: NaN,
    };
  } catch {
    // not a model folder
  }
}
for (const m of text.matchAll(/\[evaluate\] (\S+) fold 1: .*\(predict (\S+), rank (\S+)\)/g)) {
  if (models[m[1]!]) {
    models[m[1]!]!.evaluateSeconds = parseDuration(m[2]!) + parseDuration(m[3]!);
  }
}
const total = Object.values(models).reduce(
  (s, m) => s + m.fitSeconds + m.holdoutSeconds + (m.evaluateSeconds || 0),
  0,
);
const machine = `${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores, ${
  (os.totalmem() / 2 ** 30).toFixed(0)
} GiB; load average at the end ${
  os.loadavg().map((l) => l.toFixed(1)).join(" ")
}; Deno ${Deno.version.deno}`;
const result = {
  size: values.size,
  shape,
  machine,
  measuredAt: new Date().toISOString(),
  wallSeconds: wall,
  cpuSeconds,
  peakRssMiB: peakKiB / 1024,
  stages,
  models,
  noop,
};
const fmt = (s: number) => (Number.isFinite(s) ? s.toFixed(1) : "-");
const rows = Object.entries(models).sort((a, b) =>
  (b[1].fitSeconds + b[1].holdoutSeconds + (b[1].evaluateSeconds || 0)) -
  (a[1].fitSeconds + a[1].holdoutSeconds + (a[1].evaluateSeconds || 0))
);
const md = `# The pipeline at ${values.size} ratings (synthetic)

${machine}. Data: the synthetic generator at ${shape.users.toLocaleString("en-US")} users x ${
  shape.movies.toLocaleString("en-US")
} movies, ${shape.ratingsPerUser} ratings per user (ml-25m's shape at 25M), seed ${shape.seed}.
Default params (random 80/20 split, holdout 10%, ${
  values.models ? `models ${values.models}` : "the default model set"
}), tracking off, one cold run in a fresh folder (\`deno task bench:pipeline-scale --size ${values.size}\`).

| wall | CPU (user + system) | CPU / wall | peak RSS |
|---|---|---|---|
| ${fmt(wall)} s (${(wall / 60).toFixed(1)} min) | ${fmt(cpuSeconds)} s | ${
  (cpuSeconds / wall).toFixed(2)
} | ${(peakKiB / 2 ** 20).toFixed(2)} GiB |

Stages: ${Object.entries(stages).map(([s, t]) => `${s} ${fmt(t)} s`).join(", ")}.

Cached no-op (the same command again, every stage cached), 3 runs: ${
  noop.map((n) => `${n.wallSeconds.toFixed(2)} s`).join(", ")
} for the whole process (${noop.map((n) => `${n.dagSeconds.toFixed(2)} s`).join(", ")} in the DAG).

Each model's share (fit: both passes; holdout: measuring the holdout fit; evaluate: predict and
rank the test set). The train stage fits models on worker threads side by side, so the fit
column adds up to more than the stage's wall time.

| model | fit (s) | holdout (s) | evaluate (s) | share of model time |
|---|---|---|---|---|
${
  rows.map(([name, m]) =>
    `| ${name} | ${fmt(m.fitSeconds)} | ${fmt(m.holdoutSeconds)} | ${fmt(m.evaluateSeconds)} | ${
      (100 * (m.fitSeconds + m.holdoutSeconds + (m.evaluateSeconds || 0)) / total).toFixed(1)
    }% |`
  ).join("\n")
}
`;
const base = `pipeline_scale_${values.size}`;
await writeTextAtomic(join(OUT, `${base}.md`), md);
await writeTextAtomic(join(OUT, `${base}.json`), JSON.stringify(result, null, 2) + "\n");
console.log(md);
if (values.keep) console.error(`kept ${dir}`);
else await Deno.remove(dir, { recursive: true });
