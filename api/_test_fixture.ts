/**
 * Test-only: a real data folder in a temp dir, laid out like the pipeline's
 * (`processed/movies.parquet`, `interim/split/train.parquet`,
 * `models/<name>/{manifest.json,model.bin}`, `models/champion.json`), made
 * from the shared MovieLens zip with the project's own ETL code and a model
 * trained here with the project's own models. Built once per test process.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pl from "nodejs-polars";
import { readMovieLensZip } from "../stages/etl/movielens.ts";
import { ratingsFromFrame } from "../stages/ratings_frame.ts";
import type { Ratings } from "../recommender/core/ratings.ts";
import { selectRows } from "../recommender/core/ratings.ts";
import { createModel, type RegisteredModel } from "../recommender/models/model_registry.ts";
import type { ModelArtifact } from "../recommender/core/model.ts";

/** Path of the shared MovieLens zip. */
export const ZIP_PATH = fileURLToPath(
  new URL("../../shared/data/ml-latest-small.zip", import.meta.url),
);

/** The built fixture. */
export interface Fixture {
  /** The data folder (`--data-dir`). */
  readonly dataDir: string;
  readonly train: Ratings;
  readonly test: Ratings;
  /** The trained champion model (biased-mf). */
  readonly model: RegisteredModel;
  readonly artifact: ModelArtifact;
  readonly movies: pl.DataFrame;
}

/** Writes a model's files into `<dir>`. */
export async function writeModelDir(dir: string, artifact: ModelArtifact): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(join(dir, "model.bin"), artifact.data);
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(artifact.manifest));
}

let _fixture: Promise<Fixture> | null = null;

/** The test fixture: biased-mf with 32 factors (built once per process). */
export function fixture(): Promise<Fixture> {
  _fixture ??= buildDataDir({ model: "biased-mf", config: { factors: 32, epochs: 25, seed: 7 } });
  return _fixture;
}

/**
 * Builds a data folder in a new temp dir with one trained model as champion
 * (the caller removes the folder when done with it).
 */
export async function buildDataDir(
  options: { model: string; config: Record<string, unknown> },
): Promise<Fixture> {
  const frames = readMovieLensZip(await Deno.readFile(ZIP_PATH), {
    label: ZIP_PATH,
    ratingScale: [0.5, 5],
  });
  const all = ratingsFromFrame(frames.ratings);
  // Deterministic 80/20 holdout: every fifth rating (by a multiplicative hash of the row) is test.
  const trainRows: number[] = [], testRows: number[] = [];
  for (let e = 0; e < all.rating.length; e++) {
    (((e * 2654435761) >>> 0) % 5 === 0 ? testRows : trainRows).push(e);
  }
  const train = selectRows(all, trainRows);
  const test = selectRows(all, testRows);
  const dataDir = await Deno.makeTempDir({ prefix: "movierec_api_" });
  await Deno.mkdir(join(dataDir, "processed"), { recursive: true });
  await Deno.mkdir(join(dataDir, "interim", "split"), { recursive: true });
  frames.movies.writeParquet(join(dataDir, "processed", "movies.parquet"));
  pl.DataFrame({
    userId: Array.from(train.userId),
    movieId: Array.from(train.movieId),
    rating: Array.from(train.rating),
    timestamp: Array.from(train.timestamp),
  }).writeParquet(join(dataDir, "interim", "split", "train.parquet"));
  const model = createModel(options.model, options.config);
  model.fit(train);
  const artifact = await model.save();
  await writeModelDir(join(dataDir, "models", model.name), artifact);
  await Deno.mkdir(join(dataDir, "metrics"), { recursive: true });
  await Deno.writeTextFile(
    join(dataDir, "metrics", "champion.json"),
    JSON.stringify({ model: model.name }),
  );
  return { dataDir, train, test, model, artifact, movies: frames.movies };
}

/** Writes `selection/champions.json` naming a rating and a ranking champion (atomically, as the select stage). */
export async function writeChampions(dir: string, rating: string, ranking: string): Promise<void> {
  await Deno.mkdir(join(dir, "selection"), { recursive: true });
  const path = join(dir, "selection", "champions.json");
  await Deno.writeTextFile(
    `${path}.tmp`,
    JSON.stringify({
      rating: { model: rating, metric: "rmse", value: 0.9, minRatings: 50 },
      ranking: { model: ranking, metric: "ndcg_at_10", value: 0.2, minRatings: 0 },
      candidates: [],
    }),
  );
  await Deno.rename(`${path}.tmp`, path);
}

let _two: Promise<string> | null = null;

/**
 * A data folder with two champions (built once per process): the fixture's
 * data and biased-mf (rating), with item-knn and popular-count (ranking)
 * trained here; `selection/champions.json` names biased-mf and item-knn.
 */
export function twoChampionsDir(): Promise<string> {
  _two ??= (async () => {
    const f = await fixture();
    const dir = await Deno.makeTempDir({ prefix: "movierec_champions_" });
    await Deno.symlink(join(f.dataDir, "processed"), join(dir, "processed"));
    await Deno.symlink(join(f.dataDir, "interim"), join(dir, "interim"));
    await writeModelDir(join(dir, "models", "biased-mf"), f.artifact);
    for (
      const [name, config] of [["item-knn", { neighbors: 50 }], ["popular-count", {}]] as const
    ) {
      const m = createModel(name, config);
      m.fit(f.train);
      await writeModelDir(join(dir, "models", name), await m.save());
    }
    await writeChampions(dir, "biased-mf", "item-knn");
    return dir;
  })();
  return _two;
}
