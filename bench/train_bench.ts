/**
 * Training benchmark: fits every model on a seeded random 80/20 split of
 * ml-latest-small and reports RMSE, MAE and fit time, plus the biased-MF SGD
 * throughput at 100 factors for three kernels (a naive JS port, the unrolled
 * typed-array JS loop, the WebAssembly SIMD kernel).
 *
 * Run: `deno task bench:train` (or `deno run -A bench/train_bench.ts [zip] [--quick]`).
 * Writes `reports/bench/train.md` and `reports/bench/train.json`.
 *
 * @module
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import { type Ratings, selectRows } from "../recommender/core/ratings.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import { _sgdEpochJs } from "../recommender/models/biased_mf.ts";
import { _instantiateWasmSgd } from "../recommender/kernels/_wasm_sgd.ts";
import { Prng } from "../recommender/core/prng.ts";
import { Vocabulary } from "../recommender/core/vocabulary.ts";
import { _score } from "../recommender/core/_test_data.ts";
import { loadZipRatings } from "./_zip_ratings.ts";

const args = Deno.args.filter((a) => !a.startsWith("--"));
const quick = Deno.args.includes("--quick");
const zipPath = args[0] ??
  new URL("../../shared/data/ml-latest-small.zip", import.meta.url).pathname;
const reps = quick ? 1 : 3;

/** The "before" kernel: a textbook port with arrays of rows and per-factor updates. */
function naiveEpoch(
  s: {
    u: Int32Array;
    i: Int32Array;
    r: Float32Array;
    P: number[][];
    Q: number[][];
    bu: number[];
    bi: number[];
  },
  mu: number,
  lr: number,
  reg: number,
): number {
  let sse = 0;
  for (let e = 0; e < s.r.length; e++) {
    const u = s.u[e]!, i = s.i[e]!;
    const pu = s.P[u]!, qi = s.Q[i]!;
    let dot = 0;
    for (let f = 0; f < pu.length; f++) dot += pu[f]! * qi[f]!;
    const err = s.r[e]! - (mu + s.bu[u]! + s.bi[i]! + dot);
    sse += err * err;
    s.bu[u]! += lr * (err - reg * s.bu[u]!);
    s.bi[i]! += lr * (err - reg * s.bi[i]!);
    for (let f = 0; f < pu.length; f++) {
      const puf = pu[f]!, qif = qi[f]!;
      pu[f] = puf + lr * (err * qif - reg * puf);
      qi[f] = qif + lr * (err * puf - reg * qif);
    }
  }
  return sse;
}

/** Best-of-`reps` rating-updates per second of each kernel, 5 epochs at k = 100. */
function kernelThroughput(train: Ratings): Record<string, number> {
  const users = Vocabulary.fromIds(train.userId), items = Vocabulary.fromIds(train.movieId);
  const rng = new Prng(1);
  const order = rng.shuffle(Int32Array.from({ length: train.rating.length }, (_, e) => e));
  const sh = selectRows(train, order);
  const u = users.encode(sh.userId), i = items.encode(sh.movieId), r = sh.rating;
  const k = 100, epochs = 5, n = r.length, mu = 3.5, lr = 0.005, reg = 0.02;
  const out: Record<string, number> = {};
  const init = (len: number) => Float32Array.from({ length: len }, () => rng.gaussian() * 0.1);
  const best = (run: () => void) => {
    let bestS = Infinity;
    for (let rep = 0; rep < (quick ? 1 : 5); rep++) {
      const t = performance.now();
      run();
      bestS = Math.min(bestS, (performance.now() - t) / 1000);
    }
    return (n * epochs) / bestS;
  };
  out["naive JS (arrays of rows)"] = best(() => {
    const s = {
      u,
      i,
      r,
      P: Array.from({ length: users.size }, () => Array.from(init(k))),
      Q: Array.from({ length: items.size }, () => Array.from(init(k))),
      bu: new Array(users.size).fill(0),
      bi: new Array(items.size).fill(0),
    };
    for (let e = 0; e < epochs; e++) naiveEpoch(s, mu, lr, reg);
  });
  out["unrolled JS (flat Float32Array)"] = best(() => {
    const s = {
      U: u,
      I: i,
      R: r,
      P: init(users.size * k),
      Q: init(items.size * k),
      bu: new Float32Array(users.size),
      bi: new Float32Array(items.size),
      kp: k,
      mu,
      lr,
      reg,
      regBias: reg,
    };
    for (let e = 0; e < epochs; e++) _sgdEpochJs(s);
  });
  const bytes = (users.size * k + items.size * k + users.size + items.size + 3 * n) * 4;
  const w = _instantiateWasmSgd(bytes);
  if (w) {
    out["WebAssembly SIMD"] = best(() => {
      const f32 = new Float32Array(w.memory.buffer), i32 = new Int32Array(w.memory.buffer);
      const offP = 0,
        offQ = users.size * k,
        offBu = offQ + items.size * k,
        offBi = offBu + users.size;
      const offU = offBi + items.size, offI = offU + n, offR = offI + n;
      f32.set(init(users.size * k), offP);
      f32.set(init(items.size * k), offQ);
      f32.fill(0, offBu, offU);
      i32.set(u, offU);
      i32.set(i, offI);
      f32.set(r, offR);
      for (let e = 0; e < epochs; e++) {
        w.epoch(
          n,
          offU * 4,
          offI * 4,
          offR * 4,
          offP * 4,
          offQ * 4,
          offBu * 4,
          offBi * 4,
          k,
          mu,
          lr,
          reg,
          reg,
        );
      }
    });
  }
  return out;
}

const t0 = performance.now();
const { ratings, sha256 } = loadZipRatings(zipPath);
const fold = randomSplit(ratings, { testFraction: 0.2, seed: 42 }).folds[0]!;
const train = selectRows(ratings, fold.train), test = selectRows(ratings, fold.test);
console.log(
  `ratings ${ratings.rating.length}: train ${train.rating.length}, test ${test.rating.length}`,
);

const names = ["global-mean", "popularity", "baseline", "svd", "biased-mf", "als", "blend"];
const rows: Array<
  { model: string; rmse: number; mae: number; fitSeconds: number; extra: unknown }
> = [];
for (const name of names) {
  let bestFit = Infinity;
  let result = { rmse: NaN, mae: NaN };
  let extra: unknown = {};
  const n = name === "blend" || name === "als" ? Math.min(reps, 1) : reps;
  for (let rep = 0; rep < n; rep++) {
    const m = createModel(name);
    const t = performance.now();
    m.fit(train);
    bestFit = Math.min(bestFit, (performance.now() - t) / 1000);
    result = _score(m, test);
    extra = (m as { extra?: unknown }).extra ?? {};
  }
  rows.push({ model: name, ...result, fitSeconds: bestFit, extra });
  console.log(
    `${name.padEnd(12)} RMSE ${result.rmse.toFixed(4)}  MAE ${result.mae.toFixed(4)}  fit ${
      bestFit.toFixed(3)
    } s`,
  );
}
const kernels = kernelThroughput(train);
for (const [k, v] of Object.entries(kernels)) {
  console.log(`biased-mf k=100 ${k}: ${(v / 1e6).toFixed(2)} M updates/s`);
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpu}, ${os.cpus().length} cores, ${
  Math.round(os.totalmem() / 2 ** 30)
} GiB, load average ${
  os.loadavg().map((l) => l.toFixed(1)).join(" ")
} (timings on 2 cores are noisy), Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, ${Deno.build.os}/${Deno.build.arch}`;
const report = {
  generatedAt: new Date().toISOString(),
  machine,
  data: {
    path: zipPath,
    sha256,
    ratings: ratings.rating.length,
    split: "random 80/20 by rating, seed 42 (recommender/splits randomSplit)",
    train: train.rating.length,
    test: test.rating.length,
  },
  repetitions: reps,
  models: rows,
  kernelUpdatesPerSecond: kernels,
  seconds: (performance.now() - t0) / 1000,
};
const md = [
  "# Training benchmark",
  "",
  `Machine: ${machine}.`,
  "",
  `Data: ml-latest-small.zip (sha256 \`${
    sha256.slice(0, 16)
  }...\`), ${ratings.rating.length} ratings, ${report.data.split}: ${train.rating.length} train / ${test.rating.length} test. Default configs (tuned on a holdout of the training ratings, never on the test set). Fit time: best of ${reps} (als and blend: 1 run).`,
  "",
  "| model | RMSE | MAE | fit s |",
  "|---|---|---|---|",
  ...rows.map((r) =>
    `| ${r.model} | ${r.rmse.toFixed(4)} | ${r.mae.toFixed(4)} | ${r.fitSeconds.toFixed(3)} |`
  ),
  "",
  "Reference (shared data README, Surprise 1.1.4 on its own 80/20 split): TruncatedSVD 0.936, BaselineOnly 0.878, SVD 0.883, KNNBaseline 0.875, SVD++ 0.870.",
  "",
  "## biased-mf SGD throughput, 100 factors, 5 epochs over the training ratings (best of " +
  (quick ? 1 : 5) +
  ")",
  "",
  "| kernel | M rating-updates/s |",
  "|---|---|",
  ...Object.entries(kernels).map(([k, v]) => `| ${k} | ${(v / 1e6).toFixed(2)} |`),
  "",
].join("\n");
const dir = new URL("../reports/bench/", import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
for (
  const [file, text] of [["train.md", md], [
    "train.json",
    JSON.stringify(report, null, 2) + "\n",
  ]] as const
) {
  writeFileSync(dir + file + ".tmp", text);
  renameSync(dir + file + ".tmp", dir + file);
}
console.log(`wrote ${dir}train.md and train.json`);
