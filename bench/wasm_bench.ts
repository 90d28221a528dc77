/**
 * Benchmark of the WebAssembly SIMD kernels (`recommender/kernels/wasm/*.wat`), for
 * comparing two checkouts of the code, e.g. before and after a kernel change:
 *
 * - load: decoding (or assembling) and compiling all five kernels, the cost
 *   every process pays once (the API, each pipeline stage);
 * - the biased-MF SGD kernel alone: M rating-updates/s, 100 factors, 5 epochs
 *   over an 80/20 training split of ml-latest-small;
 * - the scoring kernel: one `scores()` pass (every item for one user) and one
 *   `cosines()` pass, microseconds, 100 factors;
 * - whole fits whose time is mostly kernel: biased-mf, svdpp, ials (defaults).
 *
 * Each measurement runs in a fresh process; with `--before DIR` the processes
 * alternate between DIR (another checkout) and this one, `--runs` times each,
 * and the report gives medians and bests, so a load change on the shared machine hits
 * both sides alike.
 *
 * At the end the SGD kernels of both checkouts (and of `--also DIR`, a
 * candidate variant) run interleaved in one process, the fairest kernel
 * comparison on a busy machine.
 *
 * Run: `deno run -A bench/wasm_bench.ts [--before DIR] [--also DIR] [--runs N] [zip]`.
 * Writes `reports/bench/wasm.md` and `reports/bench/wasm.json`.
 *
 * @module
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { loadZipRatings } from "./_zip_ratings.ts";
import { type Ratings, selectRows } from "../recommender/core/ratings.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { Prng } from "../recommender/core/prng.ts";
import { Vocabulary } from "../recommender/core/vocabulary.ts";

const _here = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

function _flag(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

/** One process's measurements, in the units of the report. */
interface Sample {
  loadMs: number;
  sgdMUpdatesPerS: number;
  scoresUs: number;
  cosinesUs: number;
  biasedMfFitS: number;
  svdppFitS: number;
  ialsFitS: number;
}

const _labels: Record<keyof Sample, string> = {
  loadMs: "load + compile all five kernels, ms (first use in a process)",
  sgdMUpdatesPerS: "biased-mf SGD kernel, M rating-updates/s (k = 100, 5 epochs)",
  scoresUs: "scores(): every item for one user, µs (k = 100)",
  cosinesUs: "cosines(): every item against one item, µs (k = 100)",
  biasedMfFitS: "biased-mf fit, s (defaults)",
  svdppFitS: "svdpp fit, s (defaults)",
  ialsFitS: "ials fit, s (defaults)",
};

function _best(reps: number, run: () => void): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    run();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

// deno-lint-ignore no-explicit-any
type _Any = any;

/** The training part of the seeded 80/20 split of the zip's ratings. */
function _train(zipPath: string): Ratings {
  const { ratings } = loadZipRatings(zipPath);
  return selectRows(ratings, randomSplit(ratings, { testFraction: 0.2, seed: 42 }).folds[0]!.train);
}

const _K = 100, _EPOCHS = 5;

/**
 * A runner of 5 SGD epochs at k = 100 over the shuffled ratings (as in
 * bench/train_bench.ts) with the SGD kernel module `sgd` of a checkout: each
 * call restarts from the same factors and returns its time in ms and the
 * final epoch's sum of squared errors.
 */
function _sgdRunner(sgd: _Any, train: Ratings): { n: number; run: () => [number, number] } {
  const users = Vocabulary.fromIds(train.userId), items = Vocabulary.fromIds(train.movieId);
  const rng = new Prng(1);
  const order = rng.shuffle(Int32Array.from({ length: train.rating.length }, (_, e) => e));
  const sh = selectRows(train, order);
  const u = users.encode(sh.userId), i = items.encode(sh.movieId), r = sh.rating;
  const k = _K, n = r.length;
  const init = (len: number) => Float32Array.from({ length: len }, () => rng.gaussian() * 0.1);
  const w = sgd._instantiateWasmSgd(
    (users.size * k + items.size * k + users.size + items.size + 3 * n) * 4,
  );
  const f32 = new Float32Array(w.memory.buffer), i32 = new Int32Array(w.memory.buffer);
  const offP = 0, offQ = users.size * k, offBu = offQ + items.size * k;
  const offBi = offBu + users.size, offU = offBi + items.size, offI = offU + n, offR = offI + n;
  const P = init(users.size * k), Q = init(items.size * k);
  i32.set(u, offU);
  i32.set(i, offI);
  f32.set(r, offR);
  return {
    n,
    run: () => {
      f32.set(P, offP);
      f32.set(Q, offQ);
      f32.fill(0, offBu, offU);
      const t = performance.now();
      let sse = 0;
      for (let e = 0; e < _EPOCHS; e++) {
        sse = w.epoch(
          n,
          offU * 4,
          offI * 4,
          offR * 4,
          offP * 4,
          offQ * 4,
          offBu * 4,
          offBi * 4,
          k,
          3.5,
          0.005,
          0.02,
          0.02,
        );
      }
      return [performance.now() - t, sse];
    },
  };
}

/** Measures the checkout at `root` in this process (the `--measure` mode). */
async function measure(root: string, zipPath: string): Promise<Sample> {
  const mod = (p: string): Promise<_Any> => import(`file://${root}/recommender/${p}`);
  const [wSgd, wScores, wSvdpp, wIals, registry] = await Promise.all([
    mod("_wasm_sgd.ts"),
    mod("_wasm_scores.ts"),
    mod("_wasm_svdpp.ts"),
    mod("_wasm_ials.ts"),
    mod("model_registry.ts"),
  ]);
  // load: bytes of every kernel, compiled, as the loaders do on first use
  const t = performance.now();
  for (
    const bytes of [
      wScores._scoresModuleBytes,
      wSgd._sgdModuleBytes,
      wSvdpp._svdppModuleBytes,
      wIals._ialsApplyBytes,
      wIals._ialsRowsumBytes,
    ]
  ) new WebAssembly.Module(bytes());
  const loadMs = performance.now() - t;

  const train = _train(zipPath);
  const sgd = _sgdRunner(wSgd, train);
  const sgdMs = Math.min(...Array.from({ length: 5 }, () => sgd.run()[0]));

  // scoring kernel: ml-latest-small's item count, k = 100
  const k = _K, nItems = Vocabulary.fromIds(train.movieId).size;
  const rng = new Prng(2);
  const init = (len: number) => Float32Array.from({ length: len }, () => rng.gaussian() * 0.1);
  const q = init(nItems * k), bias = init(nItems), norms = new Float32Array(nItems);
  for (let j = 0; j < nItems; j++) {
    let s = 0;
    for (let f = 0; f < k; f++) s += q[j * k + f]! ** 2;
    norms[j] = Math.sqrt(s);
  }
  const sc = wScores._WasmScores.create(q, k, bias, norms);
  const user = init(k);
  const passes = 200;
  const scoresUs = _best(5, () => {
    for (let p = 0; p < passes; p++) sc.scores(user, 0);
  }) * 1000 / passes;
  const cosinesUs = _best(5, () => {
    for (let p = 0; p < passes; p++) sc.cosines(p % nItems);
  }) * 1000 / passes;

  const fit = (name: string, reps: number) =>
    _best(reps, () => registry.createModel(name).fit(train)) / 1000;
  return {
    loadMs,
    sgdMUpdatesPerS: (sgd.n * _EPOCHS) / (sgdMs / 1000) / 1e6,
    scoresUs,
    cosinesUs,
    biasedMfFitS: fit("biased-mf", 3),
    svdppFitS: fit("svdpp", 3),
    ialsFitS: fit("ials", 2),
  };
}

/**
 * The SGD kernels of several checkouts in one process, their runs
 * interleaved `reps` times: the fairest comparison of the kernels alone on a
 * busy machine. Median and best M rating-updates/s and the final SSE, per root.
 */
async function sgdInterleaved(
  roots: string[],
  zipPath: string,
  reps: number,
): Promise<Array<{ root: string; median: number; best: number; sse: number }>> {
  const mods = await Promise.all(roots.map((r) => import(`file://${r}/recommender/_wasm_sgd.ts`)));
  const train = _train(zipPath);
  const runners = mods.map((m) => _sgdRunner(m, train));
  const times: number[][] = roots.map(() => []), sse: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    runners.forEach((r, j) => {
      const [ms, s] = r.run();
      times[j]!.push(ms);
      sse[j] = s;
    });
  }
  const rate = (ms: number) => (runners[0]!.n * _EPOCHS) / (ms / 1000) / 1e6;
  return roots.map((root, j) => ({
    root,
    median: rate(_median(times[j]!)),
    best: rate(Math.min(...times[j]!)),
    sse: sse[j]!,
  }));
}

function _median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function _spawn(root: string, zipPath: string): Promise<Sample> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      `${root}/deno.json`,
      fileURLToPath(import.meta.url),
      "--measure",
      root,
      zipPath,
    ],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Cannot measure ${root}: the bench process failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

const _positional = Deno.args.filter((a, j) =>
  !a.startsWith("--") &&
  !["--before", "--runs", "--measure", "--also"].includes(Deno.args[j - 1] ?? "")
);
const zipPath = _positional[0] ?? fileURLToPath(
  new URL("../../shared/data/ml-latest-small.zip", import.meta.url),
);

if (_flag("--measure") !== undefined) {
  console.log(JSON.stringify(await measure(_flag("--measure")!, zipPath)));
} else {
  const before = _flag("--before");
  const runs = Number(_flag("--runs") ?? 5);
  const sides = before ? [["before", before], ["after", _here]] : [["this checkout", _here]];
  const samples: Record<string, Sample[]> = Object.fromEntries(sides.map(([s]) => [s, []]));
  const loads: number[] = [];
  for (let run = 0; run < runs; run++) {
    for (const [side, root] of sides) {
      loads.push(os.loadavg()[0]!);
      const s = await _spawn(root!, zipPath);
      samples[side!]!.push(s);
      console.log(`${side} run ${run + 1}/${runs}: ${JSON.stringify(s)}`);
    }
  }
  const also = _flag("--also");
  const interleavedRoots = [...(before ? [before] : []), _here, ...(also ? [also] : [])];
  const interleavedReps = 60;
  const interleaved = await sgdInterleaved(interleavedRoots, zipPath, interleavedReps);
  const sideOf = (root: string) =>
    root === before ? "before" : root === _here ? (before ? "after" : "this checkout") : root;
  const measures = Object.keys(_labels) as (keyof Sample)[];
  const stat = (pick: (xs: number[], m: keyof Sample) => number) =>
    Object.fromEntries(
      Object.entries(samples).map(([side, ss]) => [
        side,
        Object.fromEntries(measures.map((m) => [m, pick(ss.map((s) => s[m]), m)])),
      ]),
    ) as unknown as Record<string, Sample>;
  const medians = stat((xs) => _median(xs));
  const bests = stat((xs, m) => m === "sgdMUpdatesPerS" ? Math.max(...xs) : Math.min(...xs));
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const machine =
    `${cpu}, ${os.cpus().length} cores (shared with other jobs), Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, ${Deno.build.os}/${Deno.build.arch}`;
  const names = Object.keys(samples);
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
  const md = [
    "# WebAssembly kernels benchmark",
    "",
    `Machine: ${machine}. 1-minute load average at each process start: median ${
      _median(loads).toFixed(1)
    }, range ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}.`,
    "",
    `Median and best (the process least disturbed by other jobs) over ${runs} fresh processes per side${
      before ? ", before and after alternating" : ""
    }; inside a process each timing is the best of its repetitions (SGD and scoring 5, fits 3, ials 2). Data: ml-latest-small, random 80/20 by rating, seed 42, training part. Run: \`deno run -A bench/wasm_bench.ts${
      before ? " --before DIR" : ""
    } --runs ${runs}\`.`,
    "",
    `| measurement | ${names.map((s) => `${s}: median`).join(" | ")} | ${
      names.map((s) => `${s}: best`).join(" | ")
    } |`,
    `|---|${names.map(() => "---|---|").join("")}`,
    ...measures.map((m) =>
      `| ${_labels[m]} | ${names.map((s) => fmt(medians[s]![m])).join(" | ")} | ${
        names.map((s) => fmt(bests[s]![m])).join(" | ")
      } |`
    ),
    "",
    `The SGD kernel alone again, ${interleavedRoots.length} checkouts loaded in one process and their runs interleaved (${interleavedReps} runs of 5 epochs each), so a load change hits all alike; the SSE of the 5th epoch shows whether the results are bit-identical:`,
    "",
    "| SGD kernel of | median M rating-updates/s | best | SSE after 5 epochs |",
    "|---|---|---|---|",
    ...interleaved.map((r) =>
      `| ${sideOf(r.root)} | ${fmt(r.median)} | ${fmt(r.best)} | ${r.sse} |`
    ),
    "",
  ].join("\n");
  const report = {
    generatedAt: new Date().toISOString(),
    machine,
    runs,
    loads,
    samples,
    medians,
    bests,
    sgdInterleaved: interleaved,
  };
  const dir = fileURLToPath(new URL("../reports/bench/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  for (
    const [file, text] of [
      ["wasm.md", md],
      ["wasm.json", JSON.stringify(report, null, 2) + "\n"],
    ] as const
  ) {
    writeFileSync(`${dir}${file}.tmp`, text);
    renameSync(`${dir}${file}.tmp`, `${dir}${file}`);
  }
  console.log(md);
}
