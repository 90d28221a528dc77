/**
 * `deno task bench`: the scale benchmark, one harness. For each data size
 * (ml-latest-small and synthetic 1M, 5M, 10M, 25M ratings shaped like
 * ml-25m) a child process measures each piece several times after a
 * warm-up: data generation, the split, hashing the training data cold and
 * through the stat cache, every model's fit (and, apart from it, the kernel:
 * the sum of the per-epoch times the model records, i.e. without encoding,
 * CSR building and factor initialisation), evaluate (predictions and
 * all-items ranking for every test user, on `kernelThreads()` threads), and on ml-latest-small the cached
 * no-op of the real pipeline. Median, min and max, throughput and the child's
 * peak RSS are kept.
 *
 * Writes `reports/bench/results.json` (merged by size, so big sizes can be
 * run separately) and `reports/bench/scale.html` (log-log charts with fitted
 * exponents).
 *
 * Run: `deno task bench [--quick] [--sizes small,1M,5M] [--reps N] [--models a,b]`
 * (`--quick`: ml-latest-small only, for CI). Timings are noisy on a shared
 * machine: the load average is recorded with each size.
 *
 * @module
 */
import { parseArgs } from "node:util";
import os from "node:os";
import { join } from "node:path";
import { writeTextAtomic } from "../lib/atomic.ts";
import { hashPath } from "../dag/hash.ts";
import { StatCache } from "../dag/stat_cache.ts";
import { ratingsToFrame } from "../stages/ratings_frame.ts";
import { type Ratings, ratingsLength, selectRows } from "../recommender/core/ratings.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import { evaluateModel } from "../recommender/evaluation/evaluation.ts";
import { kernelThreads } from "../recommender/kernels/kernel_threads.ts";
import { _loadMovieLensSmall } from "../recommender/core/_test_data.ts";
import { fitPowerLaw, renderScalePage, type ScalePoint } from "./_scale_chart.ts";
import { syntheticRatings } from "./_synthetic_size.ts";

/** Synthetic sizes by label: ratings, with ml-25m's ratings per user and a catalog that grows like MovieLens'. */
const SIZES: Record<string, number> = {
  "1M": 1e6,
  "5M": 5e6,
  "10M": 1e7,
  "25M": 2.5e7,
};
const ALL_MODELS = ["baseline", "svd", "biased-mf", "als", "ials", "item-knn", "ease"];
const BIG_MODELS = ["baseline", "svd", "biased-mf", "als", "ials"];
const EVALUATED = ["biased-mf", "als"];

const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const SMALL_ZIP = new URL("../../shared/data/ml-latest-small.zip", import.meta.url).pathname;
const OUT_DIR = new URL("../reports/bench/", import.meta.url).pathname;

/** One piece at one size. */
interface Piece {
  readonly piece: string;
  readonly seconds: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Relative spread (max - min) / median. */
  readonly spread: number;
  /** Units per second at the median, e.g. ratings/s. */
  readonly throughput?: { readonly value: number; readonly unit: string };
  /** RSS of the child after the piece, MiB. */
  readonly rssMiB: number;
  readonly note?: string;
}

/** Everything measured at one size. */
interface SizeResult {
  readonly size: string;
  readonly ratings: number;
  readonly users: number;
  readonly movies: number;
  readonly reps: number;
  readonly warmup: number;
  readonly threads: number;
  readonly peakRssMiB: number;
  readonly loadAverage: readonly number[];
  readonly measuredAt: string;
  readonly pieces: Piece[];
  readonly skipped: string[];
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const rssMiB = () => Deno.memoryUsage().rss / 2 ** 20;

function peakRssMiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return m ? Number(m[1]) / 1024 : rssMiB();
  } catch {
    return rssMiB();
  }
}

function piece(
  name: string,
  seconds: number[],
  extra: { units?: number; unit?: string; note?: string } = {},
): Piece {
  const med = median(seconds);
  return {
    piece: name,
    seconds: seconds.map((s) => Number(s.toFixed(4))),
    median: med,
    min: Math.min(...seconds),
    max: Math.max(...seconds),
    spread: med > 0 ? (Math.max(...seconds) - Math.min(...seconds)) / med : 0,
    ...(extra.units !== undefined && med > 0
      ? { throughput: { value: extra.units / med, unit: extra.unit ?? "items/s" } }
      : {}),
    rssMiB: Number(rssMiB().toFixed(1)),
    ...(extra.note ? { note: extra.note } : {}),
  };
}

/** Runs `f` `warmup` times unmeasured, then `reps` times measured; returns seconds. */
function timed<T>(
  f: () => T,
  options: { reps: number; warmup: number; after?: (value: T) => void },
): number[] {
  for (let w = 0; w < options.warmup; w++) options.after?.(f());
  const out: number[] = [];
  for (let r = 0; r < options.reps; r++) {
    const t0 = performance.now();
    const v = f();
    out.push((performance.now() - t0) / 1000);
    options.after?.(v);
  }
  return out;
}

/**
 * A copy of the project's code (tracked and untracked files git does not
 * ignore) in a temporary folder, `node_modules` linked: the pipeline bench
 * runs it, so edits made in the working tree meanwhile do not change stage
 * keys between the cold run and the no-ops.
 */
async function codeSnapshot(): Promise<string> {
  const root = new URL("../", import.meta.url).pathname;
  const out = await new Deno.Command("git", {
    args: ["ls-files", "-co", "--exclude-standard", "-z"],
    cwd: root,
    stdout: "piped",
  }).output();
  if (!out.success) throw new Error("Cannot snapshot the code: git ls-files failed");
  const snap = await Deno.makeTempDir({ prefix: "movierec-bench-code-" });
  for (const rel of new TextDecoder().decode(out.stdout).split("\0").filter(Boolean)) {
    const to = join(snap, rel);
    await Deno.mkdir(join(to, ".."), { recursive: true });
    await Deno.copyFile(join(root, rel), to).catch(() => {}); // deleted meanwhile
  }
  await Deno.symlink(join(root, "node_modules"), join(snap, "node_modules"));
  return snap;
}

async function pipelineNoop(reps: number, warmup: number): Promise<Piece[]> {
  const dir = await Deno.makeTempDir({ prefix: "movierec-bench-" });
  const code = await codeSnapshot();
  const run = async () => {
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        join(code, "deno.json"),
        join(code, "pipeline.ts"),
        "--dataset",
        SMALL_ZIP,
        "--set",
        "tracking.enabled=false",
      ],
      cwd: dir,
      env: { NO_COLOR: "1", MLFLOW_TRACKING_URI: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const wall = (performance.now() - t0) / 1000;
    if (!out.success) {
      throw new Error(
        `Cannot bench the pipeline: it failed:\n${new TextDecoder().decode(out.stderr)}`,
      );
    }
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    const m = /pipeline finished in ([\d.]+)(m?s)/.exec(text);
    const printed = m ? Number(m[1]) / (m[2] === "ms" ? 1000 : 1) : NaN;
    return { wall, printed };
  };
  try {
    const cold = await run();
    const walls: number[] = [], printed: number[] = [];
    for (let w = 0; w < warmup; w++) await run();
    for (let r = 0; r < reps; r++) {
      const t = await run();
      walls.push(t.wall);
      printed.push(t.printed);
    }
    return [
      piece("pipeline cold (tracking off)", [cold.wall], { note: "one run, process wall time" }),
      piece("pipeline no-op (process wall)", walls),
      piece("pipeline no-op (DAG, printed)", printed, {
        note: "the runner's own time: keys, stat cache, lock; without Deno start-up",
      }),
    ];
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(code, { recursive: true }).catch(() => {});
  }
}

async function child(
  size: string,
  flags: { reps: number; warmup: number; models: string[]; pipeline: boolean },
) {
  const pieces: Piece[] = [];
  const skipped: string[] = [];
  const { reps, warmup } = flags;
  let ratings: Ratings, movies: number;
  if (size === "small") {
    ratings = _loadMovieLensSmall();
    movies = new Set(ratings.movieId).size;
  } else {
    const n = SIZES[size];
    if (!n) throw new Error(`Cannot bench size "${size}": expected small or ${Object.keys(SIZES)}`);
    const gen = syntheticRatings(n);
    ratings = gen.ratings;
    movies = gen.movies;
    pieces.push(
      piece("generate", [gen.seconds], { units: ratingsLength(ratings), unit: "ratings/s" }),
    );
  }
  const n = ratingsLength(ratings);
  const users = new Set(ratings.userId).size;
  let split = randomSplit(ratings, { testFraction: 0.2, seed: 42 });
  const splitSeconds = timed(
    () => (split = randomSplit(ratings, { testFraction: 0.2, seed: 42 })),
    {
      reps: 1,
      warmup: 0,
    },
  );
  pieces.push(piece("split", splitSeconds, { units: n, unit: "ratings/s" }));
  const fold = split.folds[0]!;
  const train = selectRows(ratings, fold.train), test = selectRows(ratings, fold.test);

  // Hashing: the training ratings as Parquet, cold (every byte) and through a settled stat cache.
  const dir = await Deno.makeTempDir({ prefix: "movierec-bench-hash-" });
  try {
    const file = join(dir, "train.parquet");
    ratingsToFrame(train).writeParquet(file);
    const bytes = (await Deno.stat(file)).size;
    const cold: number[] = [];
    for (let r = 0; r < warmup + reps; r++) {
      const t0 = performance.now();
      await hashPath(file);
      if (r >= warmup) cold.push((performance.now() - t0) / 1000);
    }
    pieces.push(
      piece("hash cold (train.parquet)", cold, { units: bytes / 2 ** 20, unit: "MiB/s" }),
    );
    const old = new Date(Date.now() - 3600_000);
    await Deno.utime(file, old, old);
    const store = join(dir, "stat.json");
    const first = new StatCache(store);
    await first.hashPath(file);
    await first.save();
    const warm: number[] = [];
    for (let r = 0; r < warmup + reps; r++) {
      const cache = new StatCache(store);
      const t0 = performance.now();
      await cache.hashPath(file);
      if (r >= warmup) warm.push((performance.now() - t0) / 1000);
      if (cache.stats.hashed !== 0) throw new Error("Cannot bench the stat cache: it re-hashed");
    }
    pieces.push(piece("hash via stat cache (hit)", warm, { note: `${bytes} bytes not read` }));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }

  for (const name of flags.models) {
    const kernel: number[] = [];
    let last: ReturnType<typeof createModel> | undefined;
    let epochs = 0;
    const seconds = timed(() => {
      const m = createModel(name, {});
      m.fit(train);
      return m;
    }, {
      reps,
      warmup,
      after: (m) => {
        last = m;
        const h = m.history ?? [];
        epochs = h.length;
        if (h.length > 0) kernel.push(h.reduce((s, e) => s + (e.seconds ?? 0), 0));
      },
    });
    pieces.push(piece(`fit ${name}`, seconds, { units: ratingsLength(train), unit: "ratings/s" }));
    const measuredKernel = kernel.slice(-reps);
    if (measuredKernel.length === reps && measuredKernel.some((s) => s > 0)) {
      pieces.push(
        piece(`kernel ${name}`, measuredKernel, {
          units: ratingsLength(train) * epochs,
          unit: "rating-epochs/s",
          note: `${epochs} epochs; fit minus kernel = encoding, CSR, initialisation`,
        }),
      );
    }
    if (EVALUATED.includes(name) && last) {
      const model = last;
      const testUsers = new Set(test.userId).size;
      // with the model's bytes, evaluate ranks on kernelThreads() threads, as the stage does
      const artifact = await model.save();
      const ev = timed(() => evaluateModel(model, train, test, { k: 10, artifact }), {
        reps,
        warmup: Math.min(warmup, 1),
      });
      pieces.push(
        piece(`evaluate ${name}`, ev, {
          units: testUsers,
          unit: "users/s",
          note: `${testUsers} test users x ${movies} movies ranked`,
        }),
      );
    }
    console.error(`[bench ${size}] ${name}: fit median ${median(seconds).toFixed(2)} s`);
  }
  if (size === "small" && flags.pipeline) {
    pieces.push(...(await pipelineNoop(reps, warmup)));
  }
  const result: SizeResult = {
    size,
    ratings: n,
    users,
    movies,
    reps,
    warmup,
    threads: kernelThreads(),
    peakRssMiB: Number(peakRssMiB().toFixed(1)),
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    measuredAt: new Date().toISOString(),
    pieces,
    skipped,
  };
  console.log(JSON.stringify(result));
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      sizes: { type: "string" },
      reps: { type: "string" },
      warmup: { type: "string" },
      models: { type: "string" },
      "no-pipeline": { type: "boolean", default: false },
      child: { type: "string" },
    },
  });
  const sizes = values.quick ? ["small"] : (values.sizes ?? "small,1M").split(",");
  if (values.child) {
    const big = values.child !== "small" && SIZES[values.child]! >= 5e6;
    const reps = Number(values.reps ?? (big ? 1 : 3));
    const warmup = Number(values.warmup ?? (big ? 0 : 1));
    const models = values.models?.split(",") ?? (big ? BIG_MODELS : ALL_MODELS);
    await child(values.child, { reps, warmup, models, pipeline: !values["no-pipeline"] });
    return;
  }
  const resultsPath = join(OUT_DIR, "results.json");
  let results: SizeResult[] = [];
  try {
    results = JSON.parse(await Deno.readTextFile(resultsPath)).sizes ?? [];
  } catch {
    // first run
  }
  for (const size of sizes) {
    console.error(`[bench] ${size} ...`);
    const args = [
      "run",
      "-A",
      "--config",
      CONFIG,
      new URL(import.meta.url).pathname,
      "--child",
      size,
    ];
    for (const k of ["reps", "warmup", "models"] as const) {
      if (values[k] !== undefined) args.push(`--${k}`, values[k]!);
    }
    if (values["no-pipeline"]) args.push("--no-pipeline");
    const out = await new Deno.Command(Deno.execPath(), {
      args,
      stdout: "piped",
      stderr: "inherit",
    })
      .output();
    if (!out.success) throw new Error(`Cannot bench size ${size}: the child process failed`);
    const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
    const r = JSON.parse(line) as SizeResult;
    results = [...results.filter((x) => x.size !== size), r].sort((a, b) => a.ratings - b.ratings);
    const machine = machineLine();
    await writeTextAtomic(
      resultsPath,
      JSON.stringify({ machine, sizes: results }, null, 2) + "\n",
    );
    await writeTextAtomic(join(OUT_DIR, "scale.html"), page(results, machine));
    console.error(`[bench] ${size}: peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
    for (const p of r.pieces) {
      console.log(
        `${size.padEnd(6)} ${p.piece.padEnd(34)} median ${
          p.median.toFixed(3).padStart(8)
        } s  range ${p.min.toFixed(3)}-${p.max.toFixed(3)}${
          p.throughput ? `  ${p.throughput.value.toExponential(2)} ${p.throughput.unit}` : ""
        }`,
      );
    }
  }
  const points = toPoints(results);
  for (const name of new Set(points.map((p) => p.piece))) {
    const ps = points.filter((p) => p.piece === name);
    const fit = fitPowerLaw(ps.map((p) => p.ratings), ps.map((p) => p.median));
    if (fit) console.log(`exponent ${name}: ${fit.exponent.toFixed(2)}`);
  }
}

function machineLine(): string {
  return `${
    os.cpus()[0]?.model ?? "cpu"
  }, ${os.cpus().length} cores (shared with other work: timings are noisy), ${
    (os.totalmem() / 2 ** 30).toFixed(0)
  } GiB; Deno ${Deno.version.deno}`;
}

function toPoints(results: readonly SizeResult[]): ScalePoint[] {
  return results.flatMap((r) =>
    r.pieces.filter((p) => !p.piece.startsWith("pipeline")).map((p) => ({
      piece: p.piece,
      ratings: r.ratings,
      median: p.median,
      min: p.min,
      max: p.max,
    }))
  );
}

function page(results: readonly SizeResult[], machine: string): string {
  const notes = results.map((r) =>
    `${r.size}: ${r.ratings.toLocaleString("en")} ratings, ${r.users.toLocaleString("en")} users, ${
      r.movies.toLocaleString("en")
    } movies; ${r.reps} rep(s) after ${r.warmup} warm-up(s); ${r.threads} kernel thread(s); peak RSS ${
      r.peakRssMiB.toFixed(0)
    } MiB; load average ${r.loadAverage.join(" ")} at ${r.measuredAt}${
      r.skipped.length ? `; not run: ${r.skipped.join("; ")}` : ""
    }`
  );
  const noop =
    results.find((r) => r.size === "small")?.pieces.filter((p) => p.piece.startsWith("pipeline")) ??
      [];
  for (const p of noop) {
    notes.push(
      `ml-latest-small ${p.piece}: median ${p.median.toFixed(3)} s (${p.min.toFixed(3)}-${
        p.max.toFixed(3)
      })`,
    );
  }
  return renderScalePage(toPoints(results), { machine, notes });
}

if (import.meta.main) await main();
