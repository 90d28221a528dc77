/**
 * Writes a model's serving bundle (`recommender/scoring/serving_bundle.ts`) from a
 * pipeline's data folder, for the track step to log beside the model files
 * (artifact `model/serving/`): the split's training ratings (fold 1's, as the
 * served model), the catalog slice of `processed/movies.parquet`, the popular
 * list of `features/movie_stats.parquet` (as the API ranks it), the rating
 * scale and the data hashes. Before packing it checks that the model was fit
 * on those training ratings (or on them minus the validation holdout, with
 * `train.refit: false`), so a bundle never pairs a model with another run's data.
 *
 * Size (`bench/serving_bundle.ts`): 2-2.4 bytes per training rating for the
 * seen-items CSR (gzip of movie-id deltas and half-star codes), 16 bytes per
 * popular movie, under 10 bytes per catalog movie: ml-latest-small 0.46 MB in
 * all, 25M synthetic ratings about 60 MB.
 *
 * @module
 */
import { dirname, join } from "node:path";
import pl from "nodejs-polars";
import type { ModelManifest } from "../recommender/core/model.ts";
import type { Ratings } from "../recommender/core/ratings.ts";
import { PopularList } from "../recommender/scoring/popular_list.ts";
import {
  bindServingBundle,
  BUNDLE_DATA_FILES,
  BUNDLE_FILE,
  type PackedServingData,
  packServingData,
  SERVING_DIR,
  type ServingBundle,
} from "../recommender/scoring/serving_bundle.ts";
import type { ArtifactInput } from "../tracking/mod.ts";
import { pathExists } from "../lib/path_exists.ts";
import { ratingsFromFrame } from "./ratings_frame.ts";
import {
  foldTrainTable,
  inDataDir,
  modelManifestFile,
  moviesTable,
  movieStatsTable,
  readTable,
  summaryFile,
  trainTable,
} from "../data_catalog/mod.ts";
import { popularFromMovieStats } from "./popular_frame.ts";
import { type FitProcedure, fittedRatings } from "../recommender/models/fit_standalone.ts";
export { type FitProcedure, fittedRatings };

/** The popular list as the API ranks it: `movie_stats.parquet`'s rated movies, else from `train`. */
async function _popular(dataDir: string, train: Ratings): Promise<PopularList> {
  const path = inDataDir(movieStatsTable, dataDir);
  if (!(await pathExists(path))) return PopularList.fromRatings(train);
  return popularFromMovieStats(readTable(movieStatsTable, dirname(path)), path);
}

/** The last data folder packed, by its files' identity: the track step packs once for all models. */
let _last: {
  key: string;
  train: Ratings;
  packed: PackedServingData;
  fits: Map<string, ReturnType<typeof fittedRatings>>;
} | null = null;

async function _identity(paths: readonly string[]): Promise<string> {
  const parts = await Promise.all(paths.map(async (p) => {
    try {
      const s = await Deno.stat(p);
      return `${p}:${s.size}:${s.mtime?.getTime() ?? 0}:${s.ino ?? 0}`;
    } catch {
      return `${p}:missing`;
    }
  }));
  return parts.join("|");
}

/**
 * Builds the serving bundle of the model whose manifest is `model` from the
 * pipeline data folder `dataDir`. Throws when the model was not fit on that
 * folder's training ratings. The pieces are packed once per data folder
 * state (the models of one run share them); only the binding is per model.
 */
export async function buildServingBundle(
  dataDir: string,
  model: ModelManifest,
  procedure: FitProcedure,
): Promise<ServingBundle> {
  const fold1 = inDataDir(foldTrainTable, dataDir, { i: "1" });
  const trainPath = (await pathExists(fold1)) ? fold1 : inDataDir(trainTable, dataDir);
  const moviesPath = inDataDir(moviesTable, dataDir);
  const statsPath = inDataDir(movieStatsTable, dataDir);
  const summaryPath = inDataDir(summaryFile, dataDir);
  const key = await _identity([trainPath, moviesPath, statsPath, summaryPath]);
  if (_last?.key !== key) {
    _last = null; // drop the old pieces before reading the new ones
    const train = ratingsFromFrame(pl.readParquet(trainPath), trainPath);
    const movies = readTable(moviesTable, dirname(moviesPath));
    const n = movies.height;
    const popular = await _popular(dataDir, train);
    let datasetSha256: string | null = null;
    try {
      const s = JSON.parse(await Deno.readTextFile(summaryPath));
      if (typeof s.sha256 === "string") datasetSha256 = s.sha256;
    } catch { /* no summary: the dataset hash stays unknown */ }
    const packed = packServingData({
      seen: train,
      catalog: {
        movieId: movies.getColumn("movieId").cast(pl.Int32).toTypedArray(),
        title: movies.getColumn("title").toArray() as (string | null)[],
        year: movies.columns.includes("year")
          ? (movies.getColumn("year").toArray() as (number | null)[])
          : new Array(n).fill(null),
        genres: movies.getColumn("genres").toArray() as unknown as (string[] | null)[],
      },
      popular: {
        movieIds: popular.movieIds,
        scores: popular.scores,
        votes: popular.votes,
        means: popular.means,
        m: popular.m,
        globalMean: popular.globalMean,
      },
      datasetSha256,
    });
    _last = { key, train, packed, fits: new Map() };
  }
  const last = _last!;
  const fitKey = JSON.stringify(procedure);
  let fit = last.fits.get(fitKey);
  if (!fit) last.fits.set(fitKey, fit = fittedRatings(last.train, procedure));
  return bindServingBundle(last.packed, model, fit);
}

/** Writes a bundle's files into `dir` (created): `bundle.json` and the data files. */
export async function writeServingBundle(dir: string, bundle: ServingBundle): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const name of BUNDLE_DATA_FILES) await Deno.writeFile(join(dir, name), bundle.files[name]);
  await Deno.writeTextFile(
    join(dir, BUNDLE_FILE),
    JSON.stringify(bundle.manifest, null, 2) + "\n",
  );
}

/**
 * The track step's artifact of a model's serving bundle (`model/serving`),
 * written under `tmpDir`; null, with a warning, when it cannot be built
 * (tracking never fails the pipeline; that version then needs `--data-dir`).
 */
export async function servingBundleArtifact(
  root: string,
  model: string,
  procedure: FitProcedure,
  tmpDir: string,
): Promise<ArtifactInput | null> {
  try {
    const manifest = JSON.parse(
      await Deno.readTextFile(inDataDir(modelManifestFile, join(root, "data"), { model })),
    ) as ModelManifest;
    const dir = join(tmpDir, SERVING_DIR);
    await writeServingBundle(
      dir,
      await buildServingBundle(join(root, "data"), manifest, procedure),
    );
    return { localPath: dir, artifactPath: `model/${SERVING_DIR}` };
  } catch (e) {
    console.error(
      `[track] warning: model ${model}: no serving bundle logged: ${(e as Error).message}`,
    );
    return null;
  }
}
