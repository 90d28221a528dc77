/**
 * The per-epoch loss of `als` and `biased-mf` (`_biasedFactorRmse`) and the
 * fits around it, on the benches' synthetic sets: per loss call (the shapes
 * the fits use: als' train loss over every rating at k = 30, biased-mf's
 * validation loss over a tenth of them at k = 100), the fast function beside
 * the plain reference loop it equals bit for bit; then (with `--fits`) each
 * model's fit as the train stage runs it (holdout pass, then refit).
 *
 * Run: `deno run -A bench/fit_loss_bench.ts [--sizes=1e6,5e6] [--reps=5] [--fits]`.
 * Prints markdown tables; the numbers of record are in `reports/bench/fit_loss.md`.
 *
 * @module
 */
import { syntheticRatings } from "./_synthetic_size.ts";
import { Vocabulary } from "../recommender/core/vocabulary.ts";
import { Prng } from "../recommender/core/prng.ts";
import {
  _biasedFactorRmse,
  _biasedFactorRmseJs,
  _biasedFactorRmseScalar,
  type _BiasedFactors,
  type _EncodedRatings,
} from "../recommender/models/_biased_rmse.ts";
import { fitStandalone } from "../recommender/models/fit_standalone.ts";
import { createModel } from "../recommender/models/model_registry.ts";

const flag = (name: string) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const sizes = (flag("sizes") ?? "1e6,5e6").split(",").map(Number);
const reps = Number(flag("reps") ?? 5);
const fits = Deno.args.includes("--fits");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Seconds of each of `reps` calls (after one warm-up call). */
function time(run: () => number): { min: number; median: number; max: number; value: number } {
  const value = run();
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    run();
    ts.push((performance.now() - t) / 1000);
  }
  return { min: Math.min(...ts), median: median(ts), max: Math.max(...ts), value };
}

/** CPU seconds of this process so far (all threads), from /proc/self/stat. */
function cpuSeconds(): number {
  const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime (fields 14, 15) in ticks
}

const fmt = (s: number) => s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`;

console.log(`load: ${(await Deno.readTextFile("/proc/loadavg")).trim()}\n`);
console.log(
  "| ratings | loss call | rated | k | reference loop (min / median / max) | JS, 4 interleaved | WebAssembly (the default) | speed-up (median) |",
);
console.log("|---|---|---|---|---|---|---|---|");
const fitRows: string[] = [];
for (const n of sizes) {
  const { ratings } = syntheticRatings(n);
  const users = Vocabulary.fromIds(ratings.userId), items = Vocabulary.fromIds(ratings.movieId);
  const all: _EncodedRatings = {
    u: users.encode(ratings.userId),
    i: items.encode(ratings.movieId),
    r: ratings.rating,
  };
  const rng = new Prng(7);
  const tenth = Math.floor(all.r.length / 10);
  const shapes: [string, _EncodedRatings, number][] = [
    ["als train", all, 30],
    [
      "biased-mf validation",
      { u: all.u.subarray(0, tenth), i: all.i.subarray(0, tenth), r: all.r.subarray(0, tenth) },
      100,
    ],
  ];
  for (const [label, data, k] of shapes) {
    const init = (len: number, std: number) =>
      Float32Array.from({ length: len }, () => rng.gaussian() * std);
    const m: _BiasedFactors = {
      P: init(users.size * k, 0.3),
      Q: init(items.size * k, 0.3),
      bu: init(users.size, 0.3),
      bi: init(items.size, 0.3),
      k,
      mu: 3.5,
      scale: [0.5, 5],
    };
    const ref = time(() => _biasedFactorRmseScalar(data, m));
    const js = time(() => _biasedFactorRmseJs(data, m));
    const fast = time(() => _biasedFactorRmse(data, m));
    for (const t of [js, fast]) {
      if (!Object.is(ref.value, t.value)) throw new Error(`${label}: ${ref.value} != ${t.value}`);
    }
    const range = (t: typeof ref) => `${fmt(t.min)} / ${fmt(t.median)} / ${fmt(t.max)}`;
    const speedUp = (t: typeof ref) => `${(ref.median / t.median).toFixed(2)}x`;
    console.log(
      `| ${n.toExponential(0)} | ${label} | ${data.r.length} | ${k} | ${range(ref)} | ${
        range(js)
      } | ${range(fast)} | ${speedUp(js)}, ${speedUp(fast)} |`,
    );
  }
  if (fits) {
    for (const name of ["als", "biased-mf"] as const) {
      const t = performance.now(), c = cpuSeconds();
      const { model, history } = fitStandalone(ratings, {
        create: (config) => createModel(name, config),
        config: {},
        validationFraction: 0.1,
        refit: true,
        seed: 42,
        holdoutPass: true,
      });
      const s = (performance.now() - t) / 1000, cpu = cpuSeconds() - c;
      fitRows.push(
        `| ${n.toExponential(0)} | ${name} | ${fmt(s)} | ${
          cpu.toFixed(2)
        } s | ${history.length} + ${model.history.length} |`,
      );
    }
  }
}
if (fitRows.length) {
  console.log(
    "\n| ratings | model | fit, both passes (wall) | CPU (all threads) | epochs (holdout pass + refit) |",
  );
  console.log("|---|---|---|---|---|");
  for (const r of fitRows) console.log(r);
}
console.log(`\nload: ${(await Deno.readTextFile("/proc/loadavg")).trim()}`);
