/**
 * The popular list from the features stage's `movie_stats.parquet`, as the
 * API serves it and the track step bundles it: the rated movies ranked by
 * their weighted rating. One reader, so the list a replica downloads is the
 * list a data-folder server builds.
 *
 * @module
 */
import pl from "nodejs-polars";
import { PopularList } from "../recommender/scoring/popular_list.ts";

const NEEDED = ["movieId", "count", "mean", "weighted_rating"] as const;

/**
 * The popular list of a `movie_stats` frame (`what` names it in errors).
 * Movies nobody rated have no mean (null): they are never "popular".
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { popularFromMovieStats } from "./popular_frame.ts";
 * const list = popularFromMovieStats(pl.DataFrame({
 *   movieId: [1, 2], count: [3, 0], mean: [4, null], weighted_rating: [3.9, 3.5],
 * }));
 * if (list.size !== 1) throw new Error("the unrated movie is not popular");
 * ```
 */
export function popularFromMovieStats(df: pl.DataFrame, what = "movie_stats.parquet"): PopularList {
  const missing = NEEDED.filter((c) => !df.columns.includes(c));
  if (missing.length > 0) {
    throw new Error(
      `Cannot read movie statistics: ${what} has no column ${
        missing.map((c) => `"${c}"`).join(", ")
      }: re-run the features stage`,
    );
  }
  const rated = df.filter(pl.col("count").gt(0).and(pl.col("mean").isNotNull()));
  return PopularList.fromColumns({
    movieId: rated.getColumn("movieId").cast(pl.Int32).toTypedArray(),
    count: rated.getColumn("count").cast(pl.Int32).toTypedArray(),
    mean: rated.getColumn("mean").cast(pl.Float64).toTypedArray(),
    weightedRating: rated.getColumn("weighted_rating").cast(pl.Float64).toTypedArray(),
  });
}
