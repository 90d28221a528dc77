import assert from "node:assert/strict";
import { join } from "node:path";
import { chooseChampions, readChampions, selectParams, selectStage } from "./select.ts";
import { trainParams, trainStage } from "./train.ts";
import { evaluateParams, evaluateStage } from "./evaluate.ts";
import type { ValidationReport } from "../recommender/evaluation/validation.ts";
import { type Ratings, ratingsFromColumns } from "../recommender/core/ratings.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { selectRows } from "../recommender/core/ratings.ts";
import { createProgress } from "../dag/progress.ts";
import { ratingsToFrame } from "./ratings_frame.ts";
import pl from "nodejs-polars";

function report(task: "rating" | "ranking", rmse: number, ndcg: number): ValidationReport {
  return {
    task,
    k: 10,
    relevanceThreshold: 4,
    trainRatings: 90,
    holdoutRatings: 10,
    rmse,
    mae: rmse,
    byFloor: [],
    minRatings: 5,
    ranking: { ndcg_at_10: ndcg, precision_at_10: ndcg / 2 },
  };
}

Deno.test("chooseChampions() picks one champion per task from holdout values", async (t) => {
  await t.step("lowest RMSE among rating models, best NDCG among all", () => {
    const c = chooseChampions({
      "biased-mf": [report("rating", 0.86, 0.10)],
      svd: [report("rating", 0.93, 0.12)],
      ease: [report("ranking", 0.95, 0.31)],
    }, selectParams.parse({}));
    assert.equal(c.rating?.model, "biased-mf");
    assert.equal(c.ranking?.model, "ease");
    assert.equal(c.ranking?.metric, "ndcg_at_10");
    assert.equal(c.ranking?.minRatings, 5);
  });
  await t.step(
    "a ranking model never becomes the rating champion (its predict is a baseline)",
    () => {
      const c = chooseChampions({
        ease: [report("ranking", 0.80, 0.31)],
        baseline: [report("rating", 0.87, 0.10)],
      }, selectParams.parse({}));
      assert.equal(c.rating?.model, "baseline");
    },
  );
  await t.step("folds are averaged; another ranking metric on request", () => {
    const c = chooseChampions({
      a: [report("rating", 0.9, 0.2), report("rating", 0.8, 0.0)],
      b: [report("rating", 0.86, 0.15)],
    }, selectParams.parse({ rankingMetric: "precision" }));
    assert.equal(c.rating?.model, "a"); // mean 0.85 < 0.86
    assert.equal(c.ranking?.model, "b"); // precision 0.075 > 0.05
    assert.equal(c.ranking?.metric, "precision_at_10");
  });
});

/** 60 users x 40 movies with a taste structure, so models differ. */
function ratings(): Ratings {
  const u: number[] = [], m: number[] = [], r: number[] = [];
  for (let a = 1; a <= 60; a++) {
    for (let b = 1; b <= 40; b++) {
      if ((a * 7 + b * 3) % 5 < 2) continue;
      const v = 3 + 1.4 * Math.sin(a * 0.7) * Math.cos(b * 0.4) + (b % 7 === 0 ? 0.8 : 0);
      u.push(a);
      m.push(b);
      r.push(Math.min(5, Math.max(0.5, Math.round(v * 2) / 2)));
    }
  }
  return ratingsFromColumns({ userId: u, movieId: m, rating: r });
}

Deno.test("the champions are chosen without reading the test set: a poisoned test split moves nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "select_poison_" });
  try {
    const all = ratings();
    const fold = randomSplit(all, { testFraction: 0.2, seed: 7 }).folds[0]!;
    const train = selectRows(all, fold.train);
    const test = selectRows(all, fold.test);
    const split = join(root, "data/interim/split");
    const processed = join(root, "data/processed");
    await Deno.mkdir(split, { recursive: true });
    await Deno.mkdir(processed, { recursive: true });
    ratingsToFrame(all).writeParquet(join(processed, "ratings.parquet"));
    pl.DataFrame({
      movieId: pl.Series("movieId", Array.from({ length: 40 }, (_, i) => i + 1), pl.Int32),
      title: Array.from({ length: 40 }, (_, i) => `Movie ${i + 1} (2000)`),
      year: pl.Series("year", Array.from({ length: 40 }, () => 2000), pl.Int32),
      genres: pl.Series("genres", Array.from({ length: 40 }, () => ["Drama"])),
    }).writeParquet(join(processed, "movies.parquet"));
    ratingsToFrame(train).writeParquet(join(split, "train.parquet"));
    const writeTest = (t: Ratings) => ratingsToFrame(t).writeParquet(join(split, "test.parquet"));

    const quiet = createProgress("test", { write: () => {} });
    const signal = new AbortController().signal;
    const params = trainParams.parse({
      models: ["global-mean", "popularity", "baseline", "biased-mf"],
      factors: 4,
      epochs: 15,
    });
    /** train -> select -> evaluate into a fresh folder; the champions and the test RMSEs. */
    const pipeline = async (name: string) => {
      const models = join(root, name, "models");
      const selection = join(root, name, "selection");
      const metrics = join(root, name, "metrics");
      const base = {
        root,
        signal,
        progress: quiet,
        history: [],
        allParams: {},
        runId: "test",
        startTime: 0,
      };
      await trainStage.run({
        ...base,
        params,
        inputs: { "data/interim/split": split, "data/features": join(root, "no-features") },
        outputs: { "data/models": models },
      });
      await selectStage.run({
        ...base,
        params: selectParams.parse({}),
        inputs: { "data/models": models },
        outputs: { "data/selection": selection },
      });
      await evaluateStage.run({
        ...base,
        params: evaluateParams.parse({ sampleUsers: 0 }),
        inputs: {
          "data/models": models,
          "data/interim/split": split,
          "data/processed": processed,
        },
        outputs: { "data/metrics": metrics },
      });
      const summary = JSON.parse(await Deno.readTextFile(join(metrics, "summary.json")));
      return {
        champions: await Deno.readTextFile(join(selection, "champions.json")),
        rmse: Object.fromEntries(
          summary.models.map((m: { model: string; metrics: { rmse: { mean: number } } }) => [
            m.model,
            m.metrics.rmse.mean,
          ]),
        ),
      };
    };

    writeTest(test);
    const honest = await pipeline("honest");
    // The same test pairs with every rating turned upside down (5 -> 0.5 ...).
    writeTest({ ...test, rating: test.rating.map((x) => 5.5 - x) });
    const poisoned = await pipeline("poisoned");

    assert.equal(poisoned.champions, honest.champions, "champions.json is byte-identical");
    assert.notDeepEqual(poisoned.rmse, honest.rmse, "the poison did reach the test metrics");
    const c = await readChampions(join(root, "honest", "selection", "champions.json"));
    assert.ok(c.rating && c.ranking, "both champions chosen");
    assert.notEqual(c.rating.model, "global-mean", "a real model predicts best on the holdout");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
