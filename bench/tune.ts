/**
 * How the default configs of `biased-mf` and `als` were chosen: a grid search
 * scored on a validation split carved from the TRAINING ratings only (the
 * seeded 80/20 split's train part, split again 90/10 with seed 7). The test
 * set is never touched here. Early stopping of biased-mf uses the same
 * validation split; its epoch count at the best point becomes the default
 * `epochs`.
 *
 * Run: `deno run -A bench/tune.ts` -> `reports/bench/tune.md`.
 *
 * @module
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createModel } from "../recommender/model_registry.ts";
import { selectRows } from "../recommender/ratings.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { _loadMovieLensSmall } from "../recommender/_test_data.ts";

const all = _loadMovieLensSmall();
const outer = randomSplit(all, { testFraction: 0.2, seed: 42 }).folds[0]!;
const train = selectRows(all, outer.train);
const inner = randomSplit(train, { testFraction: 0.1, seed: 7 }).folds[0]!;
const fitPart = selectRows(train, inner.train), validation = selectRows(train, inner.test);

const grid: Array<[string, Record<string, unknown>]> = [];
for (const factors of [50, 100, 200]) {
  for (const learningRate of [0.005, 0.01, 0.02]) {
    for (const regularization of [0.02, 0.05, 0.1, 0.15]) {
      grid.push(["biased-mf", {
        factors,
        learningRate,
        regularization,
        epochs: 300,
        learningRateDecay: 0.97,
      }]);
    }
  }
}
for (const factors of [20, 30, 50]) {
  for (const regularization of [0.05, 0.1, 0.15, 0.2]) {
    for (const biasRegularization of [0.05, 0.1, 0.2]) {
      grid.push(["als", { factors, regularization, biasRegularization }]);
    }
  }
}
const rows: string[] = [];
for (const [name, config] of grid) {
  const m = createModel(name, config);
  m.fit(fitPart, name === "biased-mf" ? { validation } : {});
  let se = 0, ae = 0;
  for (let e = 0; e < validation.rating.length; e++) {
    const err = m.predict(validation.userId[e]!, validation.movieId[e]!).rating -
      validation.rating[e]!;
    se += err * err;
    ae += Math.abs(err);
  }
  const rmse = Math.sqrt(se / validation.rating.length), mae = ae / validation.rating.length;
  const line = `| ${name} | \`${JSON.stringify(config)}\` | ${rmse.toFixed(4)} | ${
    mae.toFixed(4)
  } | ${m.history.length} |`;
  console.log(line);
  rows.push(line);
}
const md = [
  "# Hyper-parameter search (validation split of the training ratings only)",
  "",
  `Fit on ${fitPart.rating.length} ratings, scored on ${validation.rating.length} held-out TRAINING ratings.`,
  "",
  "| model | config | validation RMSE | validation MAE | epochs run |",
  "|---|---|---|---|---|",
  ...rows,
  "",
].join("\n");
const dir = new URL("../reports/bench/", import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
writeFileSync(dir + "tune.md.tmp", md);
renameSync(dir + "tune.md.tmp", dir + "tune.md");
