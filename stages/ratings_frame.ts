/**
 * Conversion between a ratings Parquet frame (`userId` Int32, `movieId`
 * Int32, `rating` Float32, `timestamp` Int64, as in `data/processed/`) and the
 * columnar {@linkcode Ratings} table the models, splits and metrics use.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Ratings } from "../recommender/core/ratings.ts";

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
  // One copy per column: Polars' buffer into a fresh typed array of the column's type (a cast
  // only when the stored type differs). The arrays are new and unshared, so they are the table.
  const col = <T extends Int32Array | Float32Array | Float64Array>(
    name: string,
    dtype: pl.DataType,
    Ctor: { new (n: number): T; from(a: ArrayLike<number>): T },
  ): T => {
    const series = df.getColumn(name);
    const typed = (series.dtype.equals(dtype) ? series : series.cast(dtype)).toTypedArray();
    return typed instanceof Ctor ? typed : Ctor.from(typed as ArrayLike<number>);
  };
  const userId = col("userId", pl.Int32, Int32Array);
  return {
    userId,
    movieId: col("movieId", pl.Int32, Int32Array),
    rating: col("rating", pl.Float32, Float32Array),
    timestamp: df.columns.includes("timestamp")
      ? col("timestamp", pl.Float64, Float64Array)
      : new Float64Array(userId.length),
  };
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
