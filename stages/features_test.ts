import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { buildFeatures, featuresParams, featuresStage, genreColumn } from "./features.ts";
import { createProgress } from "../dag/progress.ts";

const DAY = 86400;

function inputs() {
  return {
    ratings: pl.DataFrame({
      userId: pl.Series("userId", [1, 1, 2, 3], pl.Int32),
      movieId: pl.Series("movieId", [10, 20, 10, 10], pl.Int32),
      rating: pl.Series("rating", [4, 2, 5, 3], pl.Float32),
      // Thu 1970-01-01, Mon 1970-01-05, Mon 2018-09-24, Tue 1970-02-10
      timestamp: pl.Series("timestamp", [0, 4 * DAY, 1537799250, 40 * DAY], pl.Int64),
    }),
    movies: pl.DataFrame({
      movieId: pl.Series("movieId", [10, 20, 30], pl.Int32),
      title: ["A (1995)", "B", "C (2000)"],
      year: pl.Series("year", [1995, null, 2000]).cast(pl.Int32),
      genres: [["Drama", "Sci-Fi"], [], ["Drama"]],
    }),
    tags: pl.DataFrame({
      userId: pl.Series("userId", [1, 2, 1], pl.Int32),
      movieId: pl.Series("movieId", [10, 10, 10], pl.Int32),
      tag: ["x", "y", "z"],
      timestamp: pl.Series("timestamp", [1, 2, 3], pl.Int64),
    }),
  };
}

function rows(df: pl.DataFrame): Record<string, unknown>[] {
  return df.toRecords() as Record<string, unknown>[];
}

const close = (a: unknown, b: number, eps = 1e-9) =>
  assert.ok(typeof a === "number" && Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);

Deno.test("buildFeatures() computes user statistics", () => {
  const f = buildFeatures(inputs(), featuresParams.parse({}));
  const [u1, u2] = rows(f.userStats);
  assert.equal(f.userStats.height, 3);
  assert.equal(u1!.userId, 1);
  assert.equal(u1!.count, 2);
  close(u1!.mean, 3);
  close(u1!.std, Math.SQRT2);
  assert.equal(Number(u1!.first_timestamp), 0);
  assert.equal(Number(u1!.last_timestamp), 4 * DAY);
  assert.equal(u2!.std, null, "one rating has no sample std");
});

Deno.test("buildFeatures() computes movie statistics with the IMDB weighted rating", async (t) => {
  await t.step("default prior: the 0.9 quantile of rated counts [1, 3] is 3", () => {
    const f = buildFeatures(inputs(), featuresParams.parse({}));
    assert.equal(f.m, 3);
    close(f.globalMean, 3.5);
    const [m10, m20, m30] = rows(f.movieStats);
    assert.deepEqual([m10!.count, m20!.count, m30!.count], [3, 1, 0]);
    assert.deepEqual([m10!.popularity_rank, m20!.popularity_rank, m30!.popularity_rank], [1, 2, 3]);
    close(m10!.mean, 4);
    close(m10!.std, 1);
    assert.equal(m30!.mean, null);
    // 3/6 * 4 + 3/6 * 3.5; 1/4 * 2 + 3/4 * 3.5; unrated -> C
    close(m10!.weighted_rating, 3.75);
    close(m20!.weighted_rating, 3.125);
    close(m30!.weighted_rating, 3.5);
  });
  await t.step("m = 0 gives the plain mean, and C for unrated movies", () => {
    const f = buildFeatures(inputs(), featuresParams.parse({ m: 0 }));
    const [m10, m20, m30] = rows(f.movieStats);
    close(m10!.weighted_rating, 4);
    close(m20!.weighted_rating, 2);
    close(m30!.weighted_rating, 3.5);
  });
});

Deno.test("buildFeatures() adds UTC year, month, ISO weekday and release year per rating", () => {
  const f = buildFeatures(inputs(), featuresParams.parse({}));
  const r = rows(f.ratingFeatures);
  assert.equal(f.ratingFeatures.height, 4);
  const pick = (x: Record<string, unknown>) => [
    x.year,
    x.month,
    x.weekday,
    x.release_year,
    x.years_since_release,
  ];
  assert.deepEqual(pick(r[0]!), [1970, 1, 4, 1995, -25]);
  assert.deepEqual(pick(r[1]!), [1970, 1, 1, null, null]);
  assert.deepEqual(pick(r[2]!), [2018, 9, 1, 1995, 23]);
  assert.deepEqual(pick(r[3]!), [1970, 2, 2, 1995, -25]);
});

Deno.test("buildFeatures() builds genre multi-hot columns, tag counts and release years per movie", () => {
  const f = buildFeatures(inputs(), featuresParams.parse({}));
  assert.deepEqual(f.movieGenres.columns, [
    "movieId",
    "genre_drama",
    "genre_sci_fi",
    "genre_count",
    "tag_count",
    "tag_users",
    "release_year",
  ]);
  // movie 30 has no rating: its year still comes from its title (a new movie's content)
  assert.deepEqual(f.movieGenres.getColumn("release_year").toArray(), [1995, null, 2000]);
  assert.deepEqual(rows(f.movieGenres.drop("release_year")).map((r) => Object.values(r)), [
    [10, 1, 1, 2, 3, 2],
    [20, 0, 0, 0, 0, 0],
    [30, 1, 0, 1, 0, 0],
  ]);
  const noTags = buildFeatures({ ...inputs(), tags: undefined }, featuresParams.parse({}));
  assert.deepEqual(noTags.movieGenres.getColumn("tag_count").toArray(), [0, 0, 0]);
});

Deno.test("genreColumn() follows its documented rule", () => {
  assert.equal(genreColumn("Sci-Fi"), "genre_sci_fi");
  assert.equal(genreColumn("(no genres listed)"), "genre_no_genres_listed");
});

Deno.test("featuresParams rejects a negative prior and unknown keys", () => {
  assert.throws(() => featuresParams.parse({ m: -1 }));
  assert.throws(() => featuresParams.parse({ mQuantile: 2 }));
  assert.throws(() => featuresParams.parse({ prior: 3 }));
});

Deno.test("featuresStage.run() reads data/processed and writes the four tables", async () => {
  const root = await Deno.makeTempDir({ prefix: "features_stage_" });
  try {
    const processed = join(root, "data/processed");
    await Deno.mkdir(processed, { recursive: true });
    const { ratings, movies, tags } = inputs();
    ratings.writeParquet(join(processed, "ratings.parquet"));
    movies.writeParquet(join(processed, "movies.parquet"));
    tags.writeParquet(join(processed, "tags.parquet"));
    const out = join(root, "data/.features.tmp");
    const lines: string[] = [];
    const result = await featuresStage.run({
      params: featuresParams.parse({}),
      allParams: {},
      inputs: { "data/processed": processed },
      outputs: { "data/features": out },
      root,
      progress: createProgress("features", { write: (l) => lines.push(l) }),
      signal: new AbortController().signal,
      history: [],
      runId: "test",
      startTime: 0,
    });
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(files, [
      "movie_genres.parquet",
      "movie_stats.parquet",
      "rating_features.parquet",
      "user_stats.parquet",
    ]);
    const stats = pl.readParquet(join(out, "movie_stats.parquet"));
    close(stats.getColumn("weighted_rating").get(0), 3.75);
    assert.equal(result?.metrics?.genres, 2);
    assert.ok(lines.some((l) => l.includes("[features] 3 users, 3 movies, 2 genres")));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
