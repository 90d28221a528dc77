/**
 * Conversion between a ratings Parquet frame (`userId` Int32, `movieId`
 * Int32, `rating` Float32, `timestamp` Int64, as in `data/processed/`) and the
 * columnar {@linkcode Ratings} table the models, splits and metrics use.
 *
 * @module
 */
import pl from "nodejs-polars";
import { type Ratings, ratingsFromColumns } from "../recommender/core/ratings.ts";

const REQUIRED = ["userId", "movieId", "rating"] as const;

/**
 * Reads the rating columns of a frame into typed arrays (a missing
 * `timestamp` becomes 0).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { ratingsFromFrame } from "./ratings_frame.ts";
 * const r = ratingsFromFrame(pl.DataFrame({ userId: [1], movieId: [2], rating: [3.5], timestamp: [9] }));
 * if (r.movieId[0] !== 2 || r.timestamp[0] !== 9) throw new Error("bad conversion");
 * ```
 */
export function ratingsFromFrame(df: pl.DataFrame, what = "ratings"): Ratings {
  const missing = REQUIRED.filter((c) => !df.columns.includes(c));
  if (missing.length > 0) {
    throw new Error(
      `Cannot read ${what}: missing column${missing.length > 1 ? "s" : ""} ${
        missing.map((c) => `"${c}"`).join(", ")
      } (found: ${df.columns.join(", ")}); re-run the etl stage`,
    );
  }
  const col = (name: string, dtype: pl.DataType) => df.getColumn(name).cast(dtype).toTypedArray();
  return ratingsFromColumns({
    userId: col("userId", pl.Int32),
    movieId: col("movieId", pl.Int32),
    rating: col("rating", pl.Float32),
    ...(df.columns.includes("timestamp") ? { timestamp: col("timestamp", pl.Float64) } : {}),
  });
}

/** The frame of a {@linkcode Ratings} table, with the `data/processed` column types. */
export function ratingsToFrame(ratings: Ratings): pl.DataFrame {
  return pl.DataFrame({
    userId: pl.Series("userId", ratings.userId, pl.Int32),
    movieId: pl.Series("movieId", ratings.movieId, pl.Int32),
    rating: pl.Series("rating", ratings.rating, pl.Float32),
    timestamp: pl.Series("timestamp", ratings.timestamp, pl.Float64).cast(pl.Int64),
  });
}
