/**
 * Features stage: `data/processed` -> `data/features`, four Parquet tables
 * built with Polars expressions.
 *
 * `user_stats.parquet`, one row per user with ratings:
 * | column | type | meaning |
 * |---|---|---|
 * | userId | Int32 | |
 * | count | Int32 | number of ratings |
 * | mean | Float64 | mean rating |
 * | std | Float64 | sample standard deviation (ddof 1); null with one rating |
 * | first_timestamp, last_timestamp | Int64 | unix seconds of the first and last rating |
 *
 * `movie_stats.parquet`, one row per movie of `movies.parquet` (and any rated
 * movie missing from it):
 * | column | type | meaning |
 * |---|---|---|
 * | movieId | Int32 | |
 * | count | Int32 | number of ratings (0 when unrated) |
 * | mean, std | Float64 | mean and sample std of its ratings; null when unrated (std: < 2 ratings) |
 * | popularity_rank | Int32 | 1 = most ratings; ties share the best rank |
 * | weighted_rating | Float64 | IMDB Bayesian average `v/(v+m) R + m/(v+m) C` (C = mean of all ratings) |
 *
 * `rating_features.parquet`, one row per rating:
 * | column | type | meaning |
 * |---|---|---|
 * | userId, movieId, rating, timestamp | as in `ratings.parquet` | |
 * | year | Int32 | UTC year of the rating |
 * | month | Int8 | 1-12 |
 * | weekday | Int8 | ISO: 1 = Monday ... 7 = Sunday |
 * | release_year | Int32 | the movie's year from its title; null when unknown |
 * | years_since_release | Int32 | `year - release_year`; null when unknown |
 *
 * `movie_genres.parquet`, one row per movie of `movies.parquet`:
 * | column | type | meaning |
 * |---|---|---|
 * | movieId | Int32 | |
 * | genre_<name> | Int8 | 1 when the movie has the genre (name lower-cased, non-alphanumerics as `_`: `genre_sci_fi`) |
 * | genre_count | Int32 | number of genres |
 * | tag_count | Int32 | tag applications (0 without `tags.parquet`) |
 * | tag_users | Int32 | distinct users who tagged it |
 * | release_year | Int32 | the year in its title; null when unknown (known for unrated movies too) |
 *
 * @module
 */
import pl from "nodejs-polars";
import { z } from "zod";
import { defineStage } from "../dag/stage.ts";
import { formatCount } from "../dag/progress.ts";
import { pathExists } from "../lib/path_exists.ts";
import { priorWeight, weightedRating } from "../recommender/scoring/popular_list.ts";
import {
  featuresFolder,
  movieGenresTable,
  moviesTable,
  movieStatsTable,
  pathIn,
  processedFolder,
  ratingFeaturesTable,
  ratingsTable,
  readTable,
  tagsTable,
  userStatsTable,
  writeTable,
} from "../data_catalog/mod.ts";

/** The `features` params section. */
export const featuresParams = z.object({
  /** Prior weight `m` (in votes) of the weighted rating; default: the `mQuantile` of the rated movies' counts. */
  m: z.number().nonnegative().optional(),
  /** Quantile of the rated movies' rating counts used as `m` when `m` is not set. */
  mQuantile: z.number().min(0).max(1).default(0.9),
}).strict();

/** Parsed `features` params. */
export type FeaturesParams = z.output<typeof featuresParams>;

/** The inputs of {@linkcode buildFeatures} (frames of `data/processed`). */
export interface FeatureInputs {
  readonly ratings: pl.DataFrame;
  readonly movies: pl.DataFrame;
  readonly tags?: pl.DataFrame;
}

/** The four feature tables, plus the prior actually used. */
export interface Features {
  readonly userStats: pl.DataFrame;
  readonly movieStats: pl.DataFrame;
  readonly ratingFeatures: pl.DataFrame;
  readonly movieGenres: pl.DataFrame;
  /** The weighted rating's prior weight m. */
  readonly m: number;
  /** The weighted rating's prior mean C (mean of all ratings). */
  readonly globalMean: number;
}

/** Column name of a genre: `genre_` + lower-case name with non-alphanumerics as `_`. */
export function genreColumn(genre: string): string {
  return `genre_${genre.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "")}`;
}

/**
 * Builds the feature tables (columns documented in the module doc).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { buildFeatures } from "./features.ts";
 * const f = buildFeatures({
 *   ratings: pl.DataFrame({ userId: [1, 1], movieId: [10, 20], rating: [4, 2], timestamp: [0, 86400] }),
 *   movies: pl.DataFrame({ movieId: [10, 20], title: ["A (1995)", "B"], year: [1995, null], genres: [["Drama"], []] }),
 * }, { mQuantile: 0.9 });
 * if (f.userStats.getColumn("mean").get(0) !== 3) throw new Error("wrong mean");
 * ```
 */
export function buildFeatures(inputs: FeatureInputs, params: FeaturesParams): Features {
  const ratings = inputs.ratings.select(
    pl.col("userId").cast(pl.Int32),
    pl.col("movieId").cast(pl.Int32),
    pl.col("rating").cast(pl.Float32),
    pl.col("timestamp").cast(pl.Int64),
  );
  const movies = inputs.movies.select(
    pl.col("movieId").cast(pl.Int32),
    pl.col("year").cast(pl.Int32),
    pl.col("genres"),
  );
  const rating64 = pl.col("rating").cast(pl.Float64);

  const userStats = ratings.groupBy("userId").agg(
    pl.col("rating").count().cast(pl.Int32).alias("count"),
    rating64.mean().alias("mean"),
    rating64.std().alias("std"),
    pl.col("timestamp").min().alias("first_timestamp"),
    pl.col("timestamp").max().alias("last_timestamp"),
  ).sort("userId");

  const rated = ratings.groupBy("movieId").agg(
    pl.col("rating").count().cast(pl.Int32).alias("count"),
    rating64.mean().alias("mean"),
    rating64.std().alias("std"),
  );
  const globalMean = ratings.height > 0
    ? Number(ratings.select(rating64.mean()).getColumn("rating").get(0))
    : 0;
  const m = params.m ??
    priorWeight(rated.getColumn("count").toArray() as number[], params.mQuantile);
  const allMovies = movies.select("movieId").vstack(rated.select("movieId")).unique().sort(
    "movieId",
  );
  const counted = allMovies.join(rated, { on: "movieId", how: "left" })
    .withColumns(pl.col("count").fillNull(0).cast(pl.Int32));
  const counts = counted.getColumn("count").toArray() as number[];
  const means = counted.getColumn("mean").toArray() as Array<number | null>;
  const weighted = Float64Array.from(
    counts,
    (votes, j) => weightedRating({ votes, mean: means[j] ?? 0, m, globalMean }),
  );
  const movieStats = counted
    .withColumns(
      pl.col("count").rank("min", true).cast(pl.Int32).alias("popularity_rank"),
      pl.Series("weighted_rating", weighted, pl.Float64),
    )
    .select("movieId", "count", "mean", "std", "popularity_rank", "weighted_rating");

  const when = pl.col("timestamp").mul(1000).cast(pl.Datetime("ms"));
  const ratingFeatures = ratings
    .join(movies.select(pl.col("movieId"), pl.col("year").alias("release_year")), {
      on: "movieId",
      how: "left",
    })
    .withColumns(
      when.dt.year().cast(pl.Int32).alias("year"),
      when.dt.month().cast(pl.Int8).alias("month"),
      when.dt.weekday().cast(pl.Int8).alias("weekday"),
    )
    .withColumns(
      pl.col("year").minus(pl.col("release_year")).cast(pl.Int32).alias("years_since_release"),
    )
    .select(
      "userId",
      "movieId",
      "rating",
      "timestamp",
      "year",
      "month",
      "weekday",
      "release_year",
      "years_since_release",
    );

  return {
    userStats,
    movieStats,
    ratingFeatures,
    movieGenres: _movieGenres(movies, inputs.tags),
    m,
    globalMean,
  };
}

/** Genre multi-hot plus tag counts per movie. */
function _movieGenres(movies: pl.DataFrame, tags: pl.DataFrame | undefined): pl.DataFrame {
  const exploded = movies.select("movieId", "genres").explode("genres")
    .filter(pl.col("genres").isNotNull().and(pl.col("genres").neq(pl.lit(""))))
    .unique();
  const genres = [...new Set(exploded.getColumn("genres").toArray() as string[])].sort();
  let out: pl.DataFrame = movies.select("movieId").unique().sort("movieId");
  const seenColumns = new Set<string>();
  for (const g of genres) {
    let name = genreColumn(g);
    while (seenColumns.has(name)) name += "_";
    seenColumns.add(name);
    const has = exploded.filter(pl.col("genres").eq(pl.lit(g))).select("movieId")
      .withColumns(pl.lit(1).cast(pl.Int8).alias(name));
    out = out.join(has, { on: "movieId", how: "left" }).withColumns(pl.col(name).fillNull(0));
  }
  const genreCount = exploded.groupBy("movieId").agg(
    pl.col("genres").count().cast(pl.Int32).alias("genre_count"),
  );
  out = out.join(genreCount, { on: "movieId", how: "left" });
  if (tags && tags.height > 0) {
    const tagCounts = tags.select(pl.col("movieId").cast(pl.Int32), pl.col("userId")).groupBy(
      "movieId",
    ).agg(
      pl.col("userId").count().cast(pl.Int32).alias("tag_count"),
      pl.col("userId").nUnique().cast(pl.Int32).alias("tag_users"),
    );
    out = out.join(tagCounts, { on: "movieId", how: "left" });
  } else {
    out = out.withColumns(
      pl.lit(null).cast(pl.Int32).alias("tag_count"),
      pl.lit(null).cast(pl.Int32).alias("tag_users"),
    );
  }
  const years = movies.select(pl.col("movieId"), pl.col("year").alias("release_year"))
    .unique({ subset: ["movieId"], keep: "first" });
  return out.join(years, { on: "movieId", how: "left" }).withColumns(
    pl.col("genre_count").fillNull(0).cast(pl.Int32),
    pl.col("tag_count").fillNull(0).cast(pl.Int32),
    pl.col("tag_users").fillNull(0).cast(pl.Int32),
    pl.col("release_year").cast(pl.Int32),
  ).sort("movieId");
}

/** The `features` stage. */
export const featuresStage = defineStage({
  name: "features",
  description: "user, movie, temporal, genre and tag features from the processed ratings",
  deps: [processedFolder.path],
  outs: [featuresFolder.path],
  params: featuresParams,
  code: import.meta.url,
  async run(ctx) {
    const dir = ctx.inputs[processedFolder.path]!;
    const out = ctx.outputs[featuresFolder.path]!;
    const features = buildFeatures({
      ratings: readTable(ratingsTable, dir),
      movies: readTable(moviesTable, dir),
      ...(await pathExists(pathIn(tagsTable, dir)) ? { tags: readTable(tagsTable, dir) } : {}),
    }, ctx.params);
    await Deno.mkdir(out, { recursive: true });
    writeTable(userStatsTable, out, features.userStats);
    writeTable(movieStatsTable, out, features.movieStats);
    writeTable(ratingFeaturesTable, out, features.ratingFeatures);
    writeTable(movieGenresTable, out, features.movieGenres);
    const genres = features.movieGenres.columns.filter((c) =>
      c.startsWith("genre_") && c !== "genre_count"
    );
    ctx.progress.info(
      `${formatCount(features.userStats.height)} users, ${
        formatCount(features.movieStats.height)
      } movies, ${genres.length} genres, weighted-rating prior m = ${features.m}`,
    );
    return {
      summary: `${formatCount(features.ratingFeatures.height)} ratings, ${
        formatCount(features.userStats.height)
      } users, ${formatCount(features.movieStats.height)} movies, m = ${features.m}`,
      metrics: {
        users: features.userStats.height,
        movies: features.movieStats.height,
        genres: genres.length,
        weighted_rating_m: features.m,
      },
    };
  },
});
