/**
 * Test-only helpers: the real MovieLens latest-small ratings from the shared
 * zip and a seeded random holdout split (the real split stage lives in
 * `recommender/splits`; this keeps the model tests independent of it).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";
import { type Ratings, ratingsFromColumns, selectRows } from "./ratings.ts";
import { Prng } from "./prng.ts";
import { mae } from "../metrics/mae.ts";
import { rmse } from "../metrics/rmse.ts";

/** Path of the shared MovieLens zip (next to the checkout). */
export const _ZIP_PATH = fileURLToPath(
  new URL("../../../shared/data/ml-latest-small.zip", import.meta.url),
);

let _cache: Ratings | null = null;

/** All 100,836 ratings of ml-latest-small (parsed once per process). */
export function _loadMovieLensSmall(): Ratings {
  if (_cache) return _cache;
  const files = unzipSync(readFileSync(_ZIP_PATH), {
    filter: (f) => f.name.endsWith("ratings.csv"),
  });
  const bytes = Object.values(files)[0];
  if (!bytes) throw new Error(`Cannot read ${_ZIP_PATH}: no ratings.csv inside`);
  const lines = new TextDecoder().decode(bytes).split("\n");
  const u: number[] = [], m: number[] = [], r: number[] = [], t: number[] = [];
  for (let j = 1; j < lines.length; j++) {
    const line = lines[j]!;
    if (line.length === 0) continue;
    const [a, b, c, d] = line.split(",");
    u.push(Number(a));
    m.push(Number(b));
    r.push(Number(c));
    t.push(Number(d));
  }
  _cache = ratingsFromColumns({ userId: u, movieId: m, rating: r, timestamp: t });
  return _cache;
}

/** Seeded random holdout: `testFraction` of the rows go to test. */
export function _randomSplit(
  ratings: Ratings,
  testFraction: number,
  seed: number,
): { train: Ratings; test: Ratings } {
  const n = ratings.rating.length;
  const order = new Prng(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const nTest = Math.round(n * testFraction);
  return {
    test: selectRows(ratings, order.subarray(0, nTest)),
    train: selectRows(ratings, order.subarray(nTest)),
  };
}

/** RMSE and MAE of a model's predictions on a test set. */
export function _score(
  model: { predict(u: number, m: number): { rating: number } },
  test: Ratings,
): { rmse: number; mae: number } {
  const predicted = new Float64Array(test.rating.length);
  for (let e = 0; e < predicted.length; e++) {
    predicted[e] = model.predict(test.userId[e]!, test.movieId[e]!).rating;
  }
  return { rmse: rmse(test.rating, predicted), mae: mae(test.rating, predicted) };
}
