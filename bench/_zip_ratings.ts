/**
 * The benches' reader of a MovieLens zip's `ratings.csv` (with Polars), and
 * the zip's sha256 for the results they write.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import pl from "nodejs-polars";
import { unzipSync } from "fflate";
import { type Ratings, ratingsFromColumns } from "../recommender/core/ratings.ts";

/** The ratings of the zip at `path` and the zip's sha256. */
export function loadZipRatings(path: string): { ratings: Ratings; sha256: string } {
  const bytes = readFileSync(path);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const files = unzipSync(bytes, {
    filter: (f) => f.name === "ratings.csv" || f.name.endsWith("/ratings.csv"),
  });
  const csv = Object.values(files)[0];
  if (!csv) throw new Error(`Cannot read ${path}: no ratings.csv inside the zip`);
  const df = pl.readCSV(new TextDecoder().decode(csv));
  const ratings = ratingsFromColumns({
    userId: df.getColumn("userId").toArray() as number[],
    movieId: df.getColumn("movieId").toArray() as number[],
    rating: df.getColumn("rating").toArray() as number[],
    timestamp: df.getColumn("timestamp").toArray() as number[],
  });
  return { ratings, sha256 };
}
