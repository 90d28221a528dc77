/**
 * Benchmark of `biased-mf`'s DSGD strata on worker threads: fit seconds of
 * `biased-mf` (default config: 100 factors, 37 epochs, 4 strata) on
 * ml-latest-small and on synthetic sets (`syntheticRatings`), on 1 and 2
 * kernel threads, and of a checkout given with `--before DIR` (the code
 * before the strata, on its one thread). `--min-work N` sets the work from
 * which the workers start (`_sgdParallel.minWork`; ml-latest-small is below
 * the default). Each fit runs in a fresh process; the processes of one round
 * alternate between the variants, the rounds reverse the order, and the
 * report gives medians, the SGD updates per second, the load average around
 * each round, and whether the variants of this checkout saved the same
 * model bytes.
 *
 * Run: `deno run -A bench/sgd_threads_bench.ts [--before DIR] [--runs N]
 * [--sizes small,1e6,5e6] [--min-work N] [--out reports/bench/dsgd_runs.md] [zip]`.
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
  /** Seconds of the SGD updates (the part the threads split): updates / updates per second. */
  updates: number;
  updatesPerSecond: number;
  sha256: string;
  threads: number;
}

/** How a child fits. */
interface _RunOptions {
  threads: number;
  minWork: number | undefined;
  zip: string;
}

async function _child(dir: string, data: string, options: _RunOptions): Promise<void> {
  const mod = await import(`${dir}/recommender/models/biased_mf.ts`);
  const { kernelThreads } = await import(`${dir}/recommender/kernels/kernel_threads.ts`);
  kernelThreads(options.threads);
  if (options.minWork !== undefined && mod._sgdParallel) {
    mod._sgdParallel.minWork = options.minWork;
  }
  const ratings = data === "small"
    ? loadZipRatings(options.zip).ratings
    : syntheticRatings(Number(data)).ratings;
  const m = new mod.BiasedMF();
  const t0 = performance.now();
  m.fit(ratings);
  const seconds = (performance.now() - t0) / 1000;
  const bytes: Uint8Array<ArrayBuffer> = (await m.save()).data;
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const sha256 = Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("");
  const updatesPerSecond = Number(m.extra.updatesPerSecond);
  const sample: _Sample = {
    seconds,
    updates: (ratings.rating.length * m.history.length) / updatesPerSecond,
    updatesPerSecond,
    sha256,
    threads: Number(m.extra.threads ?? 1),
  };
  console.log(JSON.stringify(sample));
}

function _run(dir: string, data: string, options: _RunOptions): _Sample {
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
      String(options.threads),
      ...(options.minWork !== undefined ? ["--min-work", String(options.minWork)] : []),
      options.zip,
    ],
    stderr: "inherit",
  }).outputSync();
  if (!out.success) {
    throw new Error(`Cannot run the biased-mf fit in ${dir} on ${data}: exit ${out.code}`);
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
  const minWorkFlag = _flag("--min-work");
  const minWork = minWorkFlag === undefined ? undefined : Number(minWorkFlag);
  const child = _flag("--child");
  if (child) {
    return await _child(child, _flag("--data")!, {
      threads: Number(_flag("--threads")),
      minWork,
      zip,
    });
  }
  const before = _flag("--before");
  const runs = Number(_flag("--runs") ?? 3);
  const sizes = (_flag("--sizes") ?? "small,1e6,5e6").split(",");
  const outPath = _flag("--out") ?? `${_here}/reports/bench/dsgd_runs.md`;
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
        const v = variants[j]!;
        const s = _run(v.dir, data, { threads: v.threads, minWork, zip });
        samples[j]!.push(s);
        console.error(
          `${data} ${v.name}: ${s.seconds.toFixed(2)} s, updates ${s.updates.toFixed(2)} s, ${
            (s.updatesPerSecond / 1e6).toFixed(1)
          }M/s (${s.threads} threads)`,
        );
      }
      loads.push(`${data} round ${r + 1}: ${l0.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}`);
    }
    const after = variants.flatMap((v, j) => (v.dir === _here ? samples[j]! : []));
    const shas = new Set(after.map((s) => s.sha256));
    lines.push(
      `| ${data === "small" ? "ml-latest-small" : `synthetic ${data}`} | ${
        variants.map((_, j) => {
          const xs = samples[j]!.map((s) => s.seconds);
          const up = samples[j]!.map((s) => s.updatesPerSecond / 1e6);
          const th = [...new Set(samples[j]!.map((s) => s.threads))].join(",");
          return `${_median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}) / ${
            _median(up).toFixed(1)
          }M [${th}]`;
        }).join(" | ")
      } | ${shas.size === 1 ? "yes" : `no: ${shas.size} different`} |`,
    );
  }
  const md = [
    "# biased-mf DSGD strata on worker threads: fit seconds",
    "",
    `\`deno run -A bench/sgd_threads_bench.ts${before ? " --before DIR" : ""} --runs ${runs} ` +
    `--sizes ${sizes.join(",")}${minWork !== undefined ? ` --min-work ${minWork}` : ""}\`: ` +
    "`biased-mf` with its default config (100 factors, 37 epochs, user-blocks order, and after " +
    "the change 4 strata; WASM), no validation, each fit in a fresh process, the variants " +
    "alternating within a round and the order reversed every other round. Cells: median (best) " +
    `seconds of the whole \`fit()\` over ${runs} fits / median SGD updates per second (the part ` +
    "the threads split; with strata it includes the gather of each cell's order, which runs on " +
    "the threads too, before it does not) [threads that ran]. " +
    `${os.cpus().length} cores, shared with other jobs: load average (1 min) around each round below.`,
    "",
    `| data | ${variants.map((v) => v.name).join(" | ")} | same model bytes (this checkout) |`,
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
