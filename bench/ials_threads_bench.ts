/**
 * Benchmark of `ials`'s worker threads: fit seconds of `ials` (default
 * config) on ml-latest-small and on synthetic sets (`syntheticRatings`), on
 * 1 and 2 kernel threads, and of a checkout given with `--before DIR` (the
 * code before the threads, on its one thread). Each fit runs in a fresh
 * process; the processes of one round alternate between the variants, the
 * rounds reverse the order, and the report gives medians, the load average
 * around each round, and whether every variant saved the same model bytes.
 *
 * Run: `deno run -A bench/ials_threads_bench.ts [--before DIR] [--runs N]
 * [--sizes small,1e6] [--out reports/bench/ials_threads.md] [zip]`.
 *
 * @module
 */
import { renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { loadZipRatings } from "./_zip_ratings.ts";
import { syntheticRatings } from "./_synthetic_size.ts";

const _here = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

function _flag(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

/** What one child process reports. */
interface _Sample {
  seconds: number;
  /** The iterations' seconds (the part the threads split), from the fit's history. */
  iterations: number;
  sha256: string;
  threads: number;
}

async function _child(dir: string, data: string, threads: number, zip: string): Promise<void> {
  const { IALS } = await import(`${dir}/recommender/models/ials.ts`);
  const { kernelThreads } = await import(`${dir}/recommender/kernels/kernel_threads.ts`);
  kernelThreads(threads);
  const ratings = data === "small"
    ? loadZipRatings(zip).ratings
    : syntheticRatings(Number(data)).ratings;
  const m = new IALS();
  const t0 = performance.now();
  m.fit(ratings);
  const seconds = (performance.now() - t0) / 1000;
  const bytes: Uint8Array<ArrayBuffer> = (await m.save()).data;
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const sha256 = Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("");
  const iterations = (m.history as { seconds: number }[]).reduce((a, h) => a + h.seconds, 0);
  const sample: _Sample = { seconds, iterations, sha256, threads: Number(m.extra.threads ?? 1) };
  console.log(JSON.stringify(sample));
}

function _run(dir: string, data: string, threads: number, zip: string): _Sample {
  const out = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      `${_here}/deno.json`,
      fileURLToPath(import.meta.url),
      "--child",
      dir,
      "--data",
      data,
      "--threads",
      String(threads),
      zip,
    ],
    stderr: "inherit",
  }).outputSync();
  if (!out.success) {
    throw new Error(`Cannot run the ials fit in ${dir} on ${data}: exit ${out.code}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

function _median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function _main(): Promise<void> {
  const zip =
    Deno.args.find((a, i) => !a.startsWith("--") && !Deno.args[i - 1]?.startsWith("--")) ??
      `${_here}/../shared/data/ml-latest-small.zip`;
  const child = _flag("--child");
  if (child) return await _child(child, _flag("--data")!, Number(_flag("--threads")), zip);
  const before = _flag("--before");
  const runs = Number(_flag("--runs") ?? 5);
  const sizes = (_flag("--sizes") ?? "small,1e6").split(",");
  const outPath = _flag("--out") ?? `${_here}/reports/bench/ials_threads.md`;
  const variants = [
    ...(before ? [{ name: "before (1 thread)", dir: before, threads: 1 }] : []),
    { name: "threads = 1", dir: _here, threads: 1 },
    { name: "threads = 2", dir: _here, threads: 2 },
  ];
  const lines: string[] = [];
  const loads: string[] = [];
  for (const data of sizes) {
    const samples = variants.map(() => [] as _Sample[]);
    for (let r = 0; r < runs; r++) {
      const order = variants.map((_, j) => j);
      if (r % 2) order.reverse();
      const l0 = os.loadavg()[0]!;
      for (const j of order) {
        const s = _run(variants[j]!.dir, data, variants[j]!.threads, zip);
        samples[j]!.push(s);
        console.error(
          `${data} ${variants[j]!.name}: ${s.seconds.toFixed(2)} s, iterations ${
            s.iterations.toFixed(2)
          } s (${s.threads} threads)`,
        );
      }
      loads.push(`${data} round ${r + 1}: ${l0.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}`);
    }
    const shas = new Set(samples.flat().map((s) => s.sha256));
    lines.push(
      `| ${data === "small" ? "ml-latest-small" : `synthetic ${data}`} | ${
        variants.map((_, j) => {
          const xs = samples[j]!.map((s) => s.seconds);
          const its = samples[j]!.map((s) => s.iterations);
          return `${_median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}) / ${
            _median(its).toFixed(2)
          } (${Math.min(...its).toFixed(2)})`;
        }).join(" | ")
      } | ${shas.size === 1 ? "yes" : `no: ${shas.size} different`} |`,
    );
  }
  const md = [
    "# ials on worker threads: fit seconds",
    "",
    `\`deno run -A bench/ials_threads_bench.ts${
      before ? " --before DIR" : ""
    } --runs ${runs} --sizes ${
      sizes.join(",")
    }\`: \`ials\` with its default config (64 factors, 15 iterations, CG 3 steps, WASM), ` +
    "each fit in a fresh process, the variants alternating within a round and the order reversed " +
    `every other round; median (best) of ${runs} fits: seconds of the whole \`fit()\` / of its ` +
    "15 iterations (the part the threads split; the rest is the ranking models' shared setup: " +
    "encoding, biases, CSR). " +
    `${os.cpus().length} cores, shared with other jobs: load average (1 min) before and after each round below.`,
    "",
    `| data | ${variants.map((v) => v.name).join(" | ")} | same model bytes |`,
    `| --- | ${variants.map(() => "---").join(" | ")} | --- |`,
    ...lines,
    "",
    "Load average (1 min) around each round:",
    "",
    ...loads.map((l) => `- ${l}`),
    "",
  ].join("\n");
  writeFileSync(`${outPath}.tmp`, md);
  renameSync(`${outPath}.tmp`, outPath);
  console.log(md);
}

if (import.meta.main) await _main();
