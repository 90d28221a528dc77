/**
 * How the default configs of the ranking models (`ease`, `item-knn`, `ials`,
 * `bpr`, `popular-count`) were chosen: a seeded random search over each
 * model's zod-declared ranges (`.meta({ tune })`, read by
 * `recommender/tuning/search_space.ts`), then local perturbations of the best
 * config, every trial scored by NDCG@10 on a validation split carved from
 * the TRAINING ratings only (plus a hand-picked grid, `GRID`, before the
 * perturbations): the seeded 80/20 split's train part (seed 42,
 * the split stage's default), split again 80/20 with seed 7. Relevance =
 * validation rating >= 4, seen movies excluded, minRatings 0 (the 50 floor
 * is reported beside it). The test set is never read here.
 *
 * Run: `deno run -A bench/ranking_tune.ts [--models ease,ials] [--trials 20]`
 * -> `reports/bench/ranking_tune.md` and `.json`.
 *
 * @module
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import { createModel, modelConfigSchema } from "../recommender/models/model_registry.ts";
import { selectRows } from "../recommender/core/ratings.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { evaluateModel } from "../recommender/evaluation/evaluation.ts";
import {
  sampleConfig,
  type SearchDimension,
  searchSpace,
} from "../recommender/tuning/search_space.ts";
import { Prng } from "../recommender/core/prng.ts";
import { _loadMovieLensSmall } from "../recommender/core/_test_data.ts";

const argValue = (name: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const TRIALS: Record<string, number> = {
  ease: 24,
  "item-knn": 20,
  ials: 16,
  bpr: 12,
  "popular-count": 4,
};
/**
 * Hand-picked configs tried after the random search: a grid around the best
 * iALS trials (the random search's ranges were too wide for 16 trials).
 */
const GRID: Record<string, Record<string, unknown>[]> = {
  ials: [
    ...[0.0003, 0.003, 0.03, 0.1].map((r) => ({ regularization: r, regularizationExponent: 0.2 })),
    ...[1, 10, 50].map((r) => ({ regularization: r, regularizationExponent: 0 })),
    ...[0.003, 0.01, 0.015, 0.02].map((r) => ({ regularization: r, alpha: 0.5 })),
    ...[0.012, 0.015].map((r) => ({ regularization: r, alpha: 1 })),
    { regularization: 0.015, alpha: 1, regularizationExponent: 0.9 },
    { regularization: 0.015, alpha: 1, positiveThreshold: 0 },
    { regularization: 0.015, alpha: 0.25 },
    { regularization: 0.02, alpha: 2 },
    { regularization: 0.03, alpha: 2 },
    { regularization: 0.05, alpha: 4 },
    { regularization: 0.015, alpha: 2, confidence: "binary" },
  ].map((c) => ({ factors: 64, confidence: "rating", positiveThreshold: 3, ...c })),
};
/** Settings held fixed during the search (the iALS budget: 15 iterations). */
const FIXED: Record<string, Record<string, unknown>> = { ials: { iterations: 15 } };
const models = (argValue("--models") ?? Object.keys(TRIALS).join(",")).split(",");
const trialsOverride = argValue("--trials");

const all = _loadMovieLensSmall();
const outer = randomSplit(all, { testFraction: 0.2, seed: 42 }).folds[0]!;
const train = selectRows(all, outer.train);
const inner = randomSplit(train, { testFraction: 0.2, seed: 7 }).folds[0]!;
const fitPart = selectRows(train, inner.train), validation = selectRows(train, inner.test);

interface Trial {
  readonly config: Record<string, unknown>;
  readonly ndcg: number;
  readonly precision: number;
  readonly recall: number;
  readonly coverage: number;
  readonly ndcg50: number;
  readonly precision50: number;
  readonly fitSeconds: number;
}

function score(name: string, config: Record<string, unknown>): Trial {
  const m = createModel(name, { ...config, ...FIXED[name] });
  const t0 = performance.now();
  m.fit(fitPart);
  const fitSeconds = (performance.now() - t0) / 1000;
  const r = evaluateModel(m, fitPart, validation, { k: 10 }).metrics;
  const r50 = evaluateModel(m, fitPart, validation, { k: 10, minRatings: 50 }).metrics;
  return {
    config,
    ndcg: r.ndcg_at_10!,
    precision: r.precision_at_10!,
    recall: r.recall_at_10!,
    coverage: r.coverage!,
    ndcg50: r50.ndcg_at_10!,
    precision50: r50.precision_at_10!,
    fitSeconds,
  };
}

/** A neighbour of `config`: numbers moved by ~20% of their (log) range, choices resampled 1 in 4. */
function perturb(
  config: Record<string, unknown>,
  space: readonly SearchDimension[],
  rng: Prng,
): Record<string, unknown> {
  const out = { ...config };
  for (const d of space) {
    if (d.kind === "choice") {
      if (rng.next() < 0.25) out[d.key] = d.values[rng.below(d.values.length)];
      continue;
    }
    const v = Number(out[d.key] ?? (d.log ? Math.sqrt(d.min * d.max) : (d.min + d.max) / 2));
    let next = d.log
      ? Math.exp(Math.log(Math.max(v, d.min)) + rng.gaussian() * 0.2 * Math.log(d.max / d.min))
      : v + rng.gaussian() * 0.2 * (d.max - d.min);
    next = Math.min(d.max, Math.max(d.min, next));
    out[d.key] = d.integer ? Math.round(next) : Number(next.toPrecision(3));
  }
  return out;
}

const results: Record<string, Trial[]> = {};
for (const name of models) {
  const space = searchSpace(modelConfigSchema(name), name);
  const n = Number(trialsOverride ?? TRIALS[name] ?? 10);
  const rng = new Prng(2024);
  const trials: Trial[] = [];
  const seen = new Set<string>();
  const run = (config: Record<string, unknown>) => {
    const key = JSON.stringify(config);
    if (seen.has(key)) return;
    seen.add(key);
    const t = score(name, config);
    trials.push(t);
    console.log(
      `${name} ${key}: NDCG@10 ${t.ndcg.toFixed(4)} P@10 ${t.precision.toFixed(4)} (floor 50: ${
        t.ndcg50.toFixed(4)
      }) fit ${t.fitSeconds.toFixed(2)} s`,
    );
  };
  if (name === "popular-count") {
    for (const v of [0, 3, 3.5, 4]) run({ positiveThreshold: v });
  } else {
    run({}); // the schema defaults
    const random = Math.ceil(n * 0.6);
    for (let t = 1; t < random; t++) {
      const c = sampleConfig(space, rng);
      for (const [k, v] of Object.entries(c)) {
        if (typeof v === "number") c[k] = Number(v.toPrecision(3));
      }
      run(c);
    }
    for (const c of GRID[name] ?? []) run(c);
    for (let t = random; t < n; t++) {
      const best = trials.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
      run(perturb(best.config, space, rng));
    }
  }
  results[name] = trials;
}

const lines = [
  "# Ranking models: hyper-parameter search on a validation split of the training ratings",
  "",
  `Machine: ${
    os.cpus()[0]?.model ?? "unknown"
  } x ${os.cpus().length} (shared; fit seconds are noisy), ` +
  `Deno ${Deno.version.deno}, ${new Date().toISOString().slice(0, 10)}.`,
  "",
  `Fit on ${fitPart.rating.length} ratings (80% of the seed-42 training part), scored on ` +
  `${validation.rating.length} held-out TRAINING ratings (seed 7); relevance >= 4, top 10, seen ` +
  "excluded. Selection metric: NDCG@10 at minRatings 0. The test set is never read.",
  "",
];
for (const [name, trials] of Object.entries(results)) {
  const sorted = trials.toSorted((a, b) => b.ndcg - a.ndcg);
  lines.push(
    `## ${name}`,
    "",
    `Best: \`${JSON.stringify(sorted[0]!.config)}\` (${trials.length} trials; fixed: \`${
      JSON.stringify(FIXED[name] ?? {})
    }\`)`,
    "",
    "| config | NDCG@10 | P@10 | R@10 | coverage | NDCG@10 (floor 50) | P@10 (floor 50) | fit s |",
    "|---|---|---|---|---|---|---|---|",
    ...sorted.slice(0, 12).map((t) =>
      `| \`${JSON.stringify(t.config)}\` | ${t.ndcg.toFixed(4)} | ${t.precision.toFixed(4)} | ${
        t.recall.toFixed(4)
      } | ${t.coverage.toFixed(3)} | ${t.ndcg50.toFixed(4)} | ${t.precision50.toFixed(4)} | ${
        t.fitSeconds.toFixed(2)
      } |`
    ),
    "",
  );
}
const dir = new URL("../reports/bench/", import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const suffix = models.length === Object.keys(TRIALS).length ? "" : `_${models.join("_")}`;
writeFileSync(`${dir}ranking_tune${suffix}.md.tmp`, lines.join("\n"));
renameSync(`${dir}ranking_tune${suffix}.md.tmp`, `${dir}ranking_tune${suffix}.md`);
writeFileSync(`${dir}ranking_tune${suffix}.json.tmp`, JSON.stringify(results, null, 1));
renameSync(`${dir}ranking_tune${suffix}.json.tmp`, `${dir}ranking_tune${suffix}.json`);
console.log(`wrote ${dir}ranking_tune${suffix}.md`);
