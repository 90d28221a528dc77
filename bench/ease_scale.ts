/**
 * One fit of `ease` or `item-knn` at one size, in this process: seconds of
 * the fit, its progress lines with their times, and the peak RSS (VmHWM)
 * before and after, printed as one JSON line. `--root` imports the models
 * from another checkout (the "before" code), so before and after run the
 * same harness; `--save` writes the fitted model's blob and manifest (without
 * its time stamp) to compare fits byte for byte.
 *
 * Run: `deno run -A bench/ease_scale.ts --size 1M --model ease [--root ../main] [--save out.bin]
 * [--threads 1]` (`--threads`: the kernel threads, default every core).
 * The measurements are in `reports/bench/ease_scale.md`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { readFileSync, writeFileSync } from "node:fs";
import { selectRows } from "../recommender/core/ratings.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { _loadMovieLensSmall } from "../recommender/core/_test_data.ts";
import { syntheticRatings } from "./_synthetic_size.ts";

const SIZES: Record<string, number> = { "1M": 1e6, "5M": 5e6, "10M": 1e7, "25M": 2.5e7 };

/** Peak resident set of this process, MiB. */
function peakMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    size: { type: "string", default: "small" },
    model: { type: "string", default: "ease" },
    root: { type: "string" },
    config: { type: "string", default: "{}" },
    save: { type: "string" },
    threads: { type: "string" },
  },
});
const root = flags.root
  ? `file://${Deno.realPathSync(flags.root)}/`
  : new URL("../", import.meta.url)
    .href;
const { createModel } = await import(`${root}recommender/models/model_registry.ts`);
if (flags.threads) {
  const { kernelThreads } = await import(`${root}recommender/kernels/kernel_threads.ts`);
  kernelThreads(Number(flags.threads));
}

const size = flags.size!;
const ratings = size === "small" ? _loadMovieLensSmall() : syntheticRatings(SIZES[size]!).ratings;
const fold = randomSplit(ratings, { testFraction: 0.2, seed: 42 }).folds[0]!;
const train = selectRows(ratings, fold.train);
const rssBefore = peakMiB();
const model = createModel(flags.model!, JSON.parse(flags.config!));
const progress: string[] = [];
const t0 = performance.now();
model.fit(train, {
  onProgress: (p: { message: string }) =>
    progress.push(`${((performance.now() - t0) / 1000).toFixed(2)} s: ${p.message}`),
});
const seconds = (performance.now() - t0) / 1000;
const rssAfter = peakMiB();
if (flags.save) {
  const a = await model.save();
  const { trainedAt: _, ...manifest } = a.manifest;
  writeFileSync(flags.save, a.data);
  writeFileSync(`${flags.save}.json`, JSON.stringify(manifest));
}
console.log(JSON.stringify({
  size,
  model: flags.model,
  root: flags.root ?? ".",
  ratings: train.rating.length,
  users: new Set(train.userId).size,
  movies: new Set(train.movieId).size,
  seconds: Number(seconds.toFixed(3)),
  rssBeforeFitMiB: Math.round(rssBefore),
  peakRssMiB: Math.round(rssAfter),
  extra: (model as { extra?: unknown }).extra,
  progress,
  loadavg: readFileSync("/proc/loadavg", "utf8").trim(),
}));
