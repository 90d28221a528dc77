/**
 * `deno run -A bench/evaluate_bench.ts`: the evaluate stage's ranking pass
 * before and after issue 17, at synthetic sizes shaped like ml-25m (the
 * generator of `bench/bench.ts`). One model is fitted per size, then each
 * round times, in turn, `evaluateModel` as the evaluate stage calls it
 * (k = 10, a floor of 50 training ratings and the same metrics again with
 * no floor):
 *
 * - `before` (with `--before DIR`, a checkout of the code before issue 17:
 *   `git archive 0fffaa9 | tar -x -C /tmp/eval-before`): its
 *   `recommender/evaluation.ts`, `recommend()` per user, the whole pass once
 *   per floor, one thread;
 * - `1 thread`: one scoring pass per user for both floors, this thread only;
 * - `N threads`: the same split over worker threads that load the model file.
 *
 * The variants alternate round by round because the cores are shared with
 * other work; the load average is kept with each timing. Every variant's
 * metrics are checked equal to the first's (bit for bit) before a number is kept.
 *
 * Writes `reports/bench/evaluate.json`.
 *
 * Run: `deno run -A bench/evaluate_bench.ts [--sizes 1M,5M] [--rounds 3] [--model biased-mf] [--threads 2] [--before DIR]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import os from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL as toFileUrl } from "node:url";
import { writeTextAtomic } from "../lib/atomic.ts";
import { selectRows } from "../recommender/core/ratings.ts";
import { syntheticRatings } from "./_synthetic_size.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import { evaluateModel } from "../recommender/evaluation/evaluation.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/evaluation/min_ratings.ts";

const SIZES: Record<string, number> = { "1M": 1e6, "5M": 5e6, "10M": 1e7, "25M": 2.5e7 };
const OUT = new URL("../reports/bench/evaluate.json", import.meta.url).pathname;

/** One timed evaluation. */
interface Timing {
  readonly variant: string;
  readonly round: number;
  /** Seconds of the ranking pass (both floors), as `EvaluationResult.seconds.rank`. */
  readonly rankSeconds: number;
  /** Wall seconds of the whole `evaluateModel` call. */
  readonly totalSeconds: number;
  readonly loadAverage1m: number;
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "1M,5M" },
      rounds: { type: "string", default: "3" },
      model: { type: "string", default: "biased-mf" },
      threads: { type: "string", default: "2" },
      before: { type: "string" },
    },
  });
  // The code before issue 17, from a checkout of it (the models stay this tree's: the old
  // evaluateModel only calls predict and recommend on them).
  const evaluateBefore = values.before
    ? (await import(toFileUrl(resolve(values.before, "recommender/evaluation.ts")).href) as {
      evaluateModel: typeof evaluateModel;
    }).evaluateModel
    : null;
  const rounds = Number(values.rounds);
  const threads = Number(values.threads);
  let previous: { sizes?: unknown[] } = {};
  try {
    previous = JSON.parse(await Deno.readTextFile(OUT));
  } catch {
    // first run
  }
  const results = (previous.sizes ?? []) as Array<{ size: string; model: string }>;
  for (const size of values.sizes.split(",")) {
    const n = SIZES[size];
    if (!n) throw new Error(`Cannot bench size "${size}": expected one of ${Object.keys(SIZES)}`);
    const { ratings, movies } = syntheticRatings(n);
    const split = randomSplit(ratings, { testFraction: 0.2, seed: 42 }).folds[0]!;
    const train = selectRows(ratings, split.train), test = selectRows(ratings, split.test);
    const t0 = performance.now();
    const model = createModel(values.model, {});
    model.fit(train);
    const fitSeconds = (performance.now() - t0) / 1000;
    const artifact = await model.save();
    console.error(`[evaluate ${size}] ${values.model} fitted in ${fitSeconds.toFixed(1)} s`);
    const options = { k: 10, minRatings: DEFAULT_MIN_RATINGS, alsoWithoutFloor: true };
    const variants: Array<[string, () => ReturnType<typeof evaluateModel>]> = [
      ...(evaluateBefore
        ? [["before", () => evaluateBefore!(model, train, test, options)] as [
          string,
          () => ReturnType<typeof evaluateModel>,
        ]]
        : []),
      ["1 thread", () => evaluateModel(model, train, test, { ...options, artifact, threads: 1 })],
      [
        `${threads} threads`,
        () => evaluateModel(model, train, test, { ...options, artifact, threads }),
      ],
    ];
    const timings: Timing[] = [];
    let reference: string | undefined;
    let rankedUsers = 0;
    for (let round = 1; round <= rounds; round++) {
      for (const [variant, run] of variants) {
        const load = os.loadavg()[0]!;
        const s0 = performance.now();
        const result = run();
        const total = (performance.now() - s0) / 1000;
        const metrics = JSON.stringify(result.metrics);
        reference ??= metrics;
        if (metrics !== reference) {
          throw new Error(
            `Cannot bench evaluate: variant "${variant}" gave other metrics:\n${metrics}\n${reference}`,
          );
        }
        rankedUsers = result.counts.rankedUsers;
        timings.push({
          variant,
          round,
          rankSeconds: Number(result.seconds.rank.toFixed(3)),
          totalSeconds: Number(total.toFixed(3)),
          loadAverage1m: Number(load.toFixed(2)),
        });
        console.error(
          `[evaluate ${size}] round ${round} ${variant}: rank ${
            result.seconds.rank.toFixed(2)
          } s (load ${load.toFixed(2)})`,
        );
      }
    }
    const entry = {
      size,
      model: values.model,
      ratings: n,
      trainRatings: train.rating.length,
      testRatings: test.rating.length,
      rankedUsers,
      movies,
      minRatings: DEFAULT_MIN_RATINGS,
      fitSeconds: Number(fitSeconds.toFixed(2)),
      measuredAt: new Date().toISOString(),
      cores: navigator.hardwareConcurrency,
      metrics: JSON.parse(reference!),
      timings,
    };
    const at = results.findIndex((r) => r.size === size && r.model === values.model);
    if (at >= 0) results[at] = entry;
    else results.push(entry);
    await Deno.mkdir(join(OUT, ".."), { recursive: true });
    await writeTextAtomic(OUT, JSON.stringify({ sizes: results }, null, 2) + "\n");
  }
}

if (import.meta.main) await main();
