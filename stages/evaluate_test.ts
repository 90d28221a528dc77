import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  evaluateModels,
  evaluateParams,
  evaluateStage,
  type EvaluationSummary,
  formatComparisonTable,
  type ModelMetricsFile,
} from "./evaluate.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import type { Recommender } from "../recommender/core/model.ts";
import { type Ratings, ratingsFromColumns, selectRows } from "../recommender/core/ratings.ts";
import { kFoldSplit } from "../recommender/splits/kfold_split.ts";
import { parseRunReportData } from "./run_report_data.ts";
import { createProgress } from "../dag/progress.ts";
import { ratingsToFrame } from "./ratings_frame.ts";

/** 50 users x 30 movies from a rank-2 taste model; movie 1 is "Toy Story (1995)". */
function data(): { ratings: Ratings; movies: pl.DataFrame } {
  const u: number[] = [], m: number[] = [], r: number[] = [], t: number[] = [];
  for (let a = 1; a <= 50; a++) {
    for (let b = 1; b <= 30; b++) {
      if ((a * 3 + b * 5) % 7 < 2) continue;
      const v = 3.2 + 1.2 * Math.sin(a) * Math.cos(b) + 0.6 * Math.cos(a * 0.5) * Math.sin(b * 0.9);
      u.push(a);
      m.push(b);
      r.push(Math.min(5, Math.max(0.5, Math.round(v * 2) / 2)));
      t.push(1_000_000_000 + a * 1000 + b);
    }
  }
  const titles = Array.from(
    { length: 30 },
    (_, i) => (i === 0 ? "Toy Story (1995)" : `Movie ${i + 1} (2000)`),
  );
  return {
    ratings: ratingsFromColumns({ userId: u, movieId: m, rating: r, timestamp: t }),
    movies: pl.DataFrame({
      movieId: pl.Series("movieId", Array.from({ length: 30 }, (_, i) => i + 1), pl.Int32),
      title: titles,
      year: pl.Series("year", Array.from({ length: 30 }, () => 1995), pl.Int32),
      genres: pl.Series("genres", Array.from({ length: 30 }, () => ["Comedy"])),
    }),
  };
}

function fitted(name: string, train: Ratings, config: unknown = {}): Recommender {
  const model = createModel(name, config);
  model.fit(train);
  return model;
}

const { ratings, movies } = data();
const split = kFoldSplit(ratings, { folds: 3, seed: 1 });
const folds = split.folds.map((f) => ({
  train: selectRows(ratings, f.train),
  test: selectRows(ratings, f.test),
}));

Deno.test("evaluateModels() evaluates every fold and sorts the summary by RMSE", () => {
  const out = evaluateModels({
    models: [
      { name: "global-mean", folds: folds.map((f) => fitted("global-mean", f.train)) },
      { name: "svd", folds: folds.map((f) => fitted("svd", f.train, { factors: 2 })) },
    ],
    folds,
    movies,
    ratings,
  }, evaluateParams.parse({}));
  assert.deepEqual(out.summary.models.map((r) => r.model), ["svd", "global-mean"]);
  const svd = out.perModel.find((m) => m.name === "svd")!.metrics;
  assert.equal(svd.folds, 3);
  assert.equal(svd.perFold.length, 3);
  const rmse = svd.metrics.rmse!;
  assert.equal(rmse.values.length, 3);
  assert.ok(Math.abs(rmse.mean - rmse.values.reduce((a, b) => a + b, 0) / 3) < 1e-12);
  assert.ok(rmse.halfWidth! > 0, "three folds give a confidence interval");
  assert.ok(rmse.lower! < rmse.mean && rmse.mean < rmse.upper!);
  assert.ok(svd.metrics.precision_at_10 && svd.metrics.ndcg_at_10 && svd.metrics.cold_start_rate);
});

Deno.test("evaluateModels() builds report data that the report schema accepts", () => {
  const out = evaluateModels({
    models: [{ name: "svd", folds: [fitted("svd", folds[0]!.train, { factors: 2 })] }],
    folds: folds.slice(0, 1),
    movies,
    ratings,
  }, evaluateParams.parse({ samplePoints: 100, minRatings: 0 }));
  const report = parseRunReportData(JSON.stringify(out.perModel[0]!.report));
  assert.equal(report.predictedVsActual.length, 100);
  assert.equal(
    report.errorHistogram.reduce((s, b) => s + b.count, 0),
    folds[0]!.test.rating.length,
  );
  assert.equal(report.sampleUsers.length, 3);
  // Sample users' lists carry the unclipped score beside the shown (clipped) one.
  const shown = report.sampleUsers.flatMap((u) => u.recommendations);
  assert.ok(shown.length > 0, "sample users have lists");
  for (const r of shown) {
    assert.equal(typeof r.rawScore, "number", JSON.stringify(r));
    const clipped = Math.min(5, Math.max(0.5, r.rawScore!));
    assert.ok(Math.abs(r.score - clipped) < 1e-5, JSON.stringify(r));
  }
  for (const u of report.sampleUsers) {
    assert.equal(u.recommendations.length, 10);
    assert.ok(u.topRated.length > 0 && u.topRated[0]!.title.length > 0);
    assert.ok(u.topRated.every((x, i, a) => i === 0 || a[i - 1]!.rating >= x.rating));
  }
  // Only Toy Story of the well-known titles is in the data.
  assert.deepEqual(report.similarMovies.map((s) => s.title), ["Toy Story (1995)"]);
  assert.equal(report.similarMovies[0]!.similar.length, 10);
  assert.equal(report.dataSummary.ratings, ratings.rating.length);
  assert.equal(report.dataSummary.ratingScale.step, 0.5);
  assert.equal(report.dataSummary.dateRange.first, "2001-09-09");
  assert.deepEqual(report.stageTimings, []);
});

Deno.test("evaluateModels() refuses a model without a fold-1 model", () => {
  assert.throws(
    () =>
      evaluateModels(
        { models: [{ name: "svd", folds: [null] }], folds: folds.slice(0, 1), movies, ratings },
        evaluateParams.parse({}),
      ),
    /model "svd": it has no fold-1 model; re-run the train stage/,
  );
});

Deno.test("formatComparisonTable() sorts by RMSE and shows CI half widths", () => {
  const summary: EvaluationSummary = {
    k: 10,
    relevanceThreshold: 4,
    models: [
      {
        model: "svd",
        folds: 5,
        metrics: { rmse: { mean: 0.93, halfWidth: 0.004 }, mae: { mean: 0.72, halfWidth: 0.003 } },
      },
      {
        model: "biased-mf",
        folds: 5,
        metrics: {
          rmse: { mean: 0.86, halfWidth: 0.005 },
          precision_at_10: { mean: NaN, halfWidth: null },
        },
      },
    ],
  };
  const lines = formatComparisonTable(summary, {
    svd: { mean: 0.25, total: 1.25, perFold: [0.2, 0.3, 0.25, 0.25, 0.25] },
  }).split("\n");
  assert.match(lines[0]!, /^model\s+RMSE\s+MAE\s+EV\s+P@10\s+NDCG@10\s+fit s \(mean, total\)$/);
  assert.match(lines[2]!, /^biased-mf \(5 folds\)\s+0\.8600 ± 0\.0050\s+-\s+-\s+-\s+-\s+-$/);
  assert.match(
    lines[3]!,
    /^svd \(5 folds\)\s+0\.9300 ± 0\.0040\s+0\.7200 ± 0\.0030 .*0\.25, 1\.25$/,
  );
});

Deno.test("evaluateParams rejects bad values and unknown keys", () => {
  assert.throws(() => evaluateParams.parse({ k: 0 }));
  assert.throws(() => evaluateParams.parse({ samplePoints: 5000 }));
  assert.throws(() => evaluateParams.parse({ topK: 5 }));
});

Deno.test("evaluateStage.run() reads models and folds and writes data/metrics", async () => {
  const root = await Deno.makeTempDir({ prefix: "evaluate_stage_" });
  try {
    const processed = join(root, "data/processed");
    const splitDir = join(root, "data/interim/split");
    const modelsDir = join(root, "data/models");
    await Deno.mkdir(processed, { recursive: true });
    ratingsToFrame(ratings).writeParquet(join(processed, "ratings.parquet"));
    movies.writeParquet(join(processed, "movies.parquet"));
    for (const [i, f] of folds.entries()) {
      const dir = join(splitDir, "folds", String(i + 1));
      await Deno.mkdir(dir, { recursive: true });
      ratingsToFrame(f.train).writeParquet(join(dir, "train.parquet"));
      ratingsToFrame(f.test).writeParquet(join(dir, "test.parquet"));
    }
    ratingsToFrame(folds[0]!.train).writeParquet(join(splitDir, "train.parquet"));
    ratingsToFrame(folds[0]!.test).writeParquet(join(splitDir, "test.parquet"));
    // baseline on all three folds, svd on fold 1 only
    const save = async (dir: string, model: Recommender) => {
      const artifact = await model.save();
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(artifact.manifest));
      await Deno.writeFile(join(dir, "model.bin"), artifact.data);
      await Deno.writeTextFile(join(dir, "timings.json"), JSON.stringify({ fitSeconds: 0.5 }));
    };
    for (const [i, f] of folds.entries()) {
      const dir = i === 0
        ? join(modelsDir, "baseline")
        : join(modelsDir, "baseline", "folds", String(i + 1));
      await save(dir, fitted("baseline", f.train));
    }
    await save(join(modelsDir, "svd"), fitted("svd", folds[0]!.train, { factors: 2 }));

    const out = join(root, "data/.metrics.tmp");
    const lines: string[] = [];
    const result = await evaluateStage.run({
      params: evaluateParams.parse({}),
      allParams: {},
      inputs: {
        "data/models": modelsDir,
        "data/interim/split": splitDir,
        "data/processed": processed,
      },
      outputs: { "data/metrics": out },
      root,
      progress: createProgress("evaluate", { write: (l) => lines.push(l) }),
      signal: new AbortController().signal,
      history: [],
      runId: "test",
      startTime: 0,
    });
    const baseline = JSON.parse(
      await Deno.readTextFile(join(out, "baseline/metrics.json")),
    ) as ModelMetricsFile;
    assert.equal(baseline.folds, 3);
    assert.equal(typeof baseline.metrics.rmse!.halfWidth, "number");
    const svd = JSON.parse(
      await Deno.readTextFile(join(out, "svd/metrics.json")),
    ) as ModelMetricsFile;
    assert.equal(svd.folds, 1);
    assert.equal(svd.metrics.rmse!.halfWidth, null);
    assert.equal("fitSeconds" in svd, false, "no clock reading in metrics.json");
    const timings = JSON.parse(await Deno.readTextFile(join(out, "baseline/timings.json")));
    assert.deepEqual(timings.fitSeconds, { mean: 0.5, total: 1.5, perFold: [0.5, 0.5, 0.5] });
    parseRunReportData(await Deno.readTextFile(join(out, "svd/report_data.json")));
    const summary = JSON.parse(
      await Deno.readTextFile(join(out, "summary.json")),
    ) as EvaluationSummary;
    assert.deepEqual(summary.models.map((m) => m.model).sort(), ["baseline", "svd"]);
    assert.ok(lines.some((l) => l.includes("warning: model svd: 2 of 3 folds not trained")));
    // Evaluate measures; it picks no champion (the select stage does, on the holdout).
    await assert.rejects(Deno.stat(join(out, "champion.json")));
    const best = JSON.parse(
      await Deno.readTextFile(join(out, summary.models[0]!.model, "metrics.json")),
    );
    assert.equal(result?.metrics?.rmse, best.metrics.rmse!.mean);
    assert.equal(result?.metrics?.rmse_ci_low, undefined);
    assert.match(
      result?.summary ?? "",
      new RegExp(
        `2 model\\(s\\) x 3 fold\\(s\\); lowest test RMSE [0-9.]+ \\(${
          summary.models[0]!.model
        }\\)`,
      ),
    );
    // Without a validation.json, the default floor; the no-floor ranking metrics beside it.
    assert.equal(best.minRatings, 50);
    assert.equal(typeof best.metrics.ndcg_at_10_no_floor?.mean, "number");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
