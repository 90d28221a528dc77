/**
 * What each model's data setup costs per fit, one thread, on a synthetic
 * fold (`_synthetic_size.ts`, then the split stage's seeded 80/20 split):
 * the holdout split of `fitStandalone`, `_encodeTrain` (and its content
 * hash alone), the seen CSR, the ranking models' `fitBiases`, the factor
 * models' `seenFrom`; and whole `popular-count` and `baseline` fits (setup
 * plus a trivial model) on a fresh table and on a table another model was
 * just fitted on, which reuses the shared setup of `_fit_setup.ts`.
 *
 * Run: `deno run -A bench/fit_setup_bench.ts [--size 5M] [--repeat 3]`;
 * prints a markdown table of min - max seconds.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Ratings, selectRows } from "../recommender/core/ratings.ts";
import { buildCsr } from "../recommender/core/csr.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { _encodeTrain } from "../recommender/models/_factor_model.ts";
import { _hashRatings } from "../recommender/core/_artifact.ts";
import { fitBiases } from "../recommender/models/baseline_only.ts";
import { _FactorScorer } from "../recommender/scoring/_factor_scorer.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import { syntheticRatings } from "./_synthetic_size.ts";

const SIZES: Record<string, number> = { "1M": 1e6, "5M": 5e6, "10M": 1e7, "25M": 2.5e7 };
const { values } = parseArgs({
  args: Deno.args,
  options: { size: { type: "string", default: "5M" }, repeat: { type: "string", default: "3" } },
});
const n = SIZES[values.size!] ?? Number(values.size);
const repeat = Number(values.repeat);

const all = syntheticRatings(n).ratings;
const fold = randomSplit(all, { testFraction: 0.2, seed: 42 }).folds[0]!;
const train = selectRows(all, fold.train);

function copyOf(r: Ratings): Ratings {
  return {
    userId: r.userId.slice(),
    movieId: r.movieId.slice(),
    rating: r.rating.slice(),
    timestamp: r.timestamp.slice(),
  };
}

function time(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return (performance.now() - t0) / 1000;
}

const rows: Array<[string, () => number]> = [
  ["holdout split (randomSplit 0.1 + 2 selectRows)", () =>
    time(() => {
      const f = randomSplit(train, { testFraction: 0.1, seed: 42 }).folds[0]!;
      selectRows(train, f.train);
      selectRows(train, f.test);
    })],
  ["_encodeTrain (vocabularies, encode, mean, hash)", () => time(() => _encodeTrain(train, "x"))],
  ["  of which the content hash", () => time(() => _hashRatings(train))],
  ["seen CSR (buildCsr)", () => {
    const d = _encodeTrain(train, "x");
    return time(() => buildCsr(d.u, d.i, d.r, { nRows: d.users.size, nCols: d.items.size }));
  }],
  ["fitBiases (10 epochs)", () => {
    const d = _encodeTrain(train, "x");
    return time(() =>
      fitBiases(
        { u: d.u, i: d.i, r: d.r, nUsers: d.users.size, nItems: d.items.size, mu: d.globalMean },
        { epochs: 10, regUser: 15, regItem: 10 },
      )
    );
  }],
  ["factor models' seenFrom (encode again + buildCsr)", () => {
    const d = _encodeTrain(train, "x");
    return time(() => _FactorScorer.seenFrom(train, d.users, d.items));
  }],
  ["popular-count fit, fresh table", () => {
    const r = copyOf(train);
    return time(() => createModel("popular-count").fit(r));
  }],
  ["popular-count fit, after another popular-count on the same table", () => {
    const r = copyOf(train);
    createModel("popular-count").fit(r);
    return time(() => createModel("popular-count").fit(r));
  }],
  ["baseline fit, fresh table", () => {
    const r = copyOf(train);
    return time(() => createModel("baseline").fit(r));
  }],
  ["baseline fit, after popular-count on the same table", () => {
    const r = copyOf(train);
    createModel("popular-count").fit(r);
    return time(() => createModel("baseline").fit(r));
  }],
];

console.log(
  `${values.size}: fold train ${
    train.rating.length.toLocaleString("en-US")
  } ratings, ${repeat} runs, load ${(await Deno.readTextFile("/proc/loadavg")).trim()}\n`,
);
console.log("| piece | seconds per fit (min - max) |\n|---|---|");
for (const [label, f] of rows) {
  const t = Array.from({ length: repeat }, f);
  console.log(`| ${label} | ${Math.min(...t).toFixed(3)} - ${Math.max(...t).toFixed(3)} |`);
}
