/**
 * Where the served model comes from, and loading it with everything it is
 * served with (catalog, popular list, training ratings) into a
 * {@linkcode LoadedModel}. Three sources:
 *
 * - the latest pipeline output (default): `data/selection/champions.json`
 *   names a rating champion (`/predict`) and a ranking champion (the ranked
 *   lists, `/similar`, item explanations), loaded together; older folders name
 *   one model for everything in `data/metrics/champion.json`; a model's files
 *   are `data/models/<name>/{manifest.json,model.bin}`;
 * - a model folder (`--model-dir PATH`) holding `manifest.json` and `model.bin`;
 * - the MLflow registry (`--model models:/NAME@champion`): the alias is
 *   resolved with the tracking client (`tracking/mlflow_client.ts`) and the
 *   files are downloaded through the server's artifact proxy
 *   (`/api/2.0/mlflow-artifacts/artifacts/...`).
 *
 * What a model is served with (catalog, popular list, each user's seen
 * movies) comes from its own serving bundle (`serving/` beside `model.bin`,
 * `api/serving_bundle.ts`) when it has one: a registry version logged by the
 * track step needs no data folder. Without one, from the data folder: the
 * catalog `data/processed/movies.parquet`, the popular list
 * `data/features/movie_stats.parquet`, else computed from the training
 * ratings `data/interim/split/train.parquet` with `recommender/scoring/popular_list.ts`,
 * which must be the ratings the model was fit on (its data hash). Everything
 * is validated; any error throws with a message that says what to fix, so a
 * reload can reject it.
 *
 * @module
 */
import { join, resolve } from "node:path";
import pl from "nodejs-polars";
import {
  championsFile,
  inDataDir,
  metricsFile,
  metricsFolder,
  modelsFolder,
  moviesTable,
  movieStatsTable,
  trainTable,
} from "../data_catalog/mod.ts";
import type { ModelArtifact, ModelManifest, Recommender } from "../recommender/core/model.ts";
import type { Ratings } from "../recommender/core/ratings.ts";
import { PopularList } from "../recommender/scoring/popular_list.ts";
import { loadModel as registryLoadModel } from "../recommender/models/model_registry.ts";
import { ratingsFromFrame } from "../stages/ratings_frame.ts";
import { popularFromMovieStats } from "../stages/popular_frame.ts";
import { MlflowClient } from "../tracking/mlflow_client.ts";
import { Catalog } from "./catalog.ts";
import { LoadedModel, type ModelTask } from "./loaded_model.ts";
import { pathExists } from "../lib/path_exists.ts";
import {
  type ArtifactReader,
  checkSeenMatchesModel,
  readServingBundle,
  type ServingData,
} from "./serving_bundle.ts";

const VALIDATION_FILE = "validation.json";

/** A model source. `dataDir` holds the catalog, features and split. */
export type ModelSource =
  | { readonly kind: "pipeline"; readonly dataDir: string }
  | { readonly kind: "dir"; readonly modelDir: string; readonly dataDir: string }
  | {
    readonly kind: "mlflow";
    readonly name: string;
    readonly alias: string;
    readonly dataDir: string;
    /** Tracking server URL (may hold credentials; never printed). */
    readonly trackingUri: string;
  };

/** Options of {@linkcode loadFromSource}. */
export interface LoadOptions {
  /** Turns an artifact into a model; default `recommender/models/model_registry.ts`. */
  readonly loadModel?: (artifact: ModelArtifact) => Recommender | Promise<Recommender>;
  /** Environment for MLflow credentials (`MLFLOW_TRACKING_TOKEN`, ...). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Ranked lists each served model keeps (its LRU); default 50,000, 0: none. */
  readonly cacheLists?: number;
}

const _MODELS_URI = /^models:\/([^@/]+)@([A-Za-z0-9_-]+)$/;

/**
 * Picks the source from command-line style options: `model` (`models:/NAME@ALIAS`),
 * `modelDir`, or neither (the pipeline output under `dataDir`, default `./data`).
 */
export function parseModelSource(options: {
  model?: string | undefined;
  modelDir?: string | undefined;
  dataDir?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
}): ModelSource {
  const dataDir = resolve(options.dataDir ?? "data");
  if (options.model && options.modelDir) {
    throw new Error("Cannot pick a model source: give either --model or --model-dir, not both");
  }
  if (options.model) {
    const m = _MODELS_URI.exec(options.model.trim());
    if (!m) {
      throw new Error(
        `Invalid --model "${options.model}": expected models:/NAME@ALIAS, e.g. models:/movie-recommender@champion`,
      );
    }
    const trackingUri = options.env?.MLFLOW_TRACKING_URI;
    if (!trackingUri) {
      throw new Error(
        `Cannot resolve ${options.model}: MLFLOW_TRACKING_URI is not set: set it to the tracking server's URL`,
      );
    }
    return { kind: "mlflow", name: decodeURIComponent(m[1]!), alias: m[2]!, dataDir, trackingUri };
  }
  if (options.modelDir) return { kind: "dir", modelDir: resolve(options.modelDir), dataDir };
  return { kind: "pipeline", dataDir };
}

/**
 * The champion file of pipelines older than the select stage
 * (`metrics/champion.json`: one model for everything); still served, no longer
 * written, so it is not in the data catalog.
 */
export function legacyChampionPath(dataDir: string): string {
  return join(inDataDir(metricsFolder, dataDir), "champion.json");
}

/** A readable one-line description of a source (no credentials). */
export function describeSource(source: ModelSource): string {
  switch (source.kind) {
    case "pipeline":
      return `pipeline:${inDataDir(modelsFolder, source.dataDir)}`;
    case "dir":
      return source.modelDir;
    case "mlflow":
      return `models:/${source.name}@${source.alias}`;
  }
}

/** What `/health` shows of a source: its kind, never a path on the server. */
export function sourceLabel(source: ModelSource): string {
  switch (source.kind) {
    case "pipeline":
      return "pipeline champion";
    case "dir":
      return "model folder";
    case "mlflow":
      return `models:/${source.name}@${source.alias}`;
  }
}

async function _readFile(path: string, what: string, fix: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot read ${what}: ${path} does not exist: ${fix}`);
    }
    throw new Error(`Cannot read ${what}: ${path}: ${(err as Error).message}`);
  }
}

function _parseManifest(bytes: Uint8Array, where: string): ModelManifest {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as ModelManifest;
  } catch (err) {
    throw new Error(`Cannot read model manifest: ${where} is not JSON: ${(err as Error).message}`);
  }
}

async function _artifactFromDir(dir: string): Promise<ModelArtifact> {
  const fix =
    "point --model-dir at a folder with manifest.json and model.bin, or run deno task pipeline";
  const manifestBytes = await _readFile(join(dir, "manifest.json"), "model manifest", fix);
  const data = await _readFile(join(dir, "model.bin"), "model data", fix);
  return { manifest: _parseManifest(manifestBytes, join(dir, "manifest.json")), data };
}

const _NAME = /^[A-Za-z0-9._+-]{1,100}$/;

/** The champions a pipeline data folder names: folders and the floors chosen with them. */
export interface ChampionDirs {
  /** The rating champion's folder (it answers `/predict`; everything when `ranking` is null). */
  readonly rating: string;
  /** The ranking champion's folder, when the select stage chose one other than the rating champion. */
  readonly ranking: string | null;
  /** The `minRatings` the select stage chose with each champion, when it says. */
  readonly ratingMinRatings?: number;
  readonly rankingMinRatings?: number;
}

function _floor(x: unknown): number | undefined {
  return Number.isInteger(x) && (x as number) >= 0 ? (x as number) : undefined;
}

/**
 * The champions of a pipeline data folder: `selection/champions.json` (the
 * select stage: a rating and a ranking champion, both chosen on a holdout of
 * the training ratings), else the older `metrics/champion.json` (one model
 * for everything). Throws with what to fix when neither names a model.
 */
export async function championDirs(dataDir: string): Promise<ChampionDirs> {
  const selection = inDataDir(championsFile, dataDir);
  try {
    const chosen = JSON.parse(await Deno.readTextFile(selection)) as {
      rating?: { model?: unknown; minRatings?: unknown } | null;
      ranking?: { model?: unknown; minRatings?: unknown } | null;
    };
    const rating = chosen.rating?.model, ranking = chosen.ranking?.model;
    const okRating = typeof rating === "string" && _NAME.test(rating);
    const okRanking = typeof ranking === "string" && _NAME.test(ranking);
    if (okRating || okRanking) {
      const ratingFloor = _floor(chosen.rating?.minRatings);
      const rankingFloor = _floor(chosen.ranking?.minRatings);
      if (!okRating) {
        // Only a ranking champion: it answers everything (its predict is the bias baseline).
        return {
          rating: join(inDataDir(modelsFolder, dataDir), ranking as string),
          ranking: null,
          ...(rankingFloor !== undefined ? { ratingMinRatings: rankingFloor } : {}),
        };
      }
      return {
        rating: join(inDataDir(modelsFolder, dataDir), rating as string),
        ranking: okRanking && ranking !== rating
          ? join(inDataDir(modelsFolder, dataDir), ranking as string)
          : null,
        ...(ratingFloor !== undefined ? { ratingMinRatings: ratingFloor } : {}),
        ...(okRanking && ranking !== rating && rankingFloor !== undefined
          ? { rankingMinRatings: rankingFloor }
          : {}),
      };
    }
  } catch {
    // no selection: the older champion file below
  }
  const path = legacyChampionPath(dataDir);
  const bytes = await _readFile(
    path,
    "the champion model",
    "run deno task pipeline first, or pass --model-dir",
  );
  let name: unknown;
  try {
    name = (JSON.parse(new TextDecoder().decode(bytes)) as { model?: unknown }).model;
  } catch (err) {
    throw new Error(
      `Cannot read the champion model: ${path} is not JSON: ${(err as Error).message}`,
    );
  }
  if (typeof name !== "string" || !_NAME.test(name)) {
    throw new Error(
      `Cannot read the champion model: ${path} must be {"model": "<name>"}, got ${
        JSON.stringify(name)
      }`,
    );
  }
  return { rating: join(inDataDir(modelsFolder, dataDir), name), ranking: null };
}

/** Resolves `models:/NAME@ALIAS` and downloads the two model files. */
async function _artifactFromMlflow(
  source: Extract<ModelSource, { kind: "mlflow" }>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ artifact: ModelArtifact; version: string; read: ArtifactReader }> {
  const client = MlflowClient.fromEnv({ ...env, MLFLOW_TRACKING_URI: source.trackingUri }, {
    retries: 2,
  });
  const mv = await client.getModelVersionByAlias(source.name, source.alias);
  if (!mv) {
    throw new Error(
      `Cannot resolve models:/${source.name}@${source.alias}: MLflow has no such registered model or alias: run the pipeline with MLFLOW_TRACKING_URI set`,
    );
  }
  const src = mv.source ?? "";
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(src);
  if (!m) {
    throw new Error(
      `Cannot download models:/${source.name}@${source.alias} version ${mv.version}: its source "${src}" is not on the server's artifact proxy (mlflow-artifacts:/...)`,
    );
  }
  const mvVersion = mv.version;
  const root = m[1]!.replace(/\/+$/, "").split("/").map(encodeURIComponent).join("/");
  // The client's request() parses JSON; model.bin is binary, so download with fetch and the same auth.
  const headers: Record<string, string> = {};
  const url = new URL(source.trackingUri);
  if (env.MLFLOW_TRACKING_TOKEN) headers.authorization = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
  else if (url.username || env.MLFLOW_TRACKING_USERNAME) {
    const user = url.username ? decodeURIComponent(url.username) : env.MLFLOW_TRACKING_USERNAME!;
    const pass = url.password
      ? decodeURIComponent(url.password)
      : env.MLFLOW_TRACKING_PASSWORD ?? "";
    headers.authorization = `Basic ${btoa(`${user}:${pass}`)}`;
  }
  async function get(file: string): Promise<Uint8Array>;
  async function get(file: string, optional: true): Promise<Uint8Array | null>;
  async function get(file: string, optional = false): Promise<Uint8Array | null> {
    const res = await fetch(
      `${client.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${root}/${file}`,
      {
        headers,
        signal: AbortSignal.timeout(60_000),
      },
    ).catch((err) => {
      throw new Error(
        `Cannot download ${file} of models:/${source.name}@${source.alias} from ${client.displayUri}: ${
          (err as Error).message
        }`,
      );
    });
    if (optional && res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(
        `Cannot download ${file} of models:/${source.name}@${source.alias} version ${mvVersion} from ${client.displayUri}: HTTP ${res.status}`,
      );
    }
    return new Uint8Array(await res.arrayBuffer());
  }
  const [manifestBytes, data] = await Promise.all([get("manifest.json"), get("model.bin")]);
  return {
    artifact: {
      manifest: _parseManifest(manifestBytes, `models:/${source.name}@${source.alias}`),
      data,
    },
    version: mv.version,
    read: (file) => get(file, true),
  };
}

/** Reads the movie catalog `movies.parquet`. */
export async function readCatalog(path: string, model?: string): Promise<Catalog> {
  if (!(await pathExists(path))) {
    throw new Error(
      model
        ? `Cannot serve ${model}: it has no serving bundle (serving/bundle.json) and the movie catalog ${path} does not exist: log the model with the current pipeline (its track step writes the bundle), or pass --data-dir with the data it was trained on`
        : `Cannot read the movie catalog: ${path} does not exist: run deno task pipeline (etl stage) or pass --data-dir`,
    );
  }
  const df = pl.readParquet(path);
  for (const c of ["movieId", "title", "genres"]) {
    if (!df.columns.includes(c)) {
      throw new Error(
        `Cannot read the movie catalog: ${path} has no column "${c}" (found: ${
          df.columns.join(", ")
        }): re-run the etl stage`,
      );
    }
  }
  const n = df.height;
  return Catalog.fromColumns({
    movieId: df.getColumn("movieId").cast(pl.Int32).toTypedArray(),
    title: df.getColumn("title").toArray() as (string | null)[],
    year: df.columns.includes("year")
      ? (df.getColumn("year").toArray() as (number | null)[])
      : new Array(n).fill(null),
    genres: df.getColumn("genres").toArray() as unknown as (string[] | null)[],
  });
}

/**
 * Reads the training ratings, or null when the file is absent. Serving needs
 * who rated what and how (seen movies, fold-in, explanations), never when:
 * the timestamps are not read (at 25M ratings that is 200 MB less to hold).
 */
export async function readTrain(path: string): Promise<Ratings | null> {
  if (!(await pathExists(path))) return null;
  const df = pl.readParquet(path, { columns: ["userId", "movieId", "rating"] });
  return ratingsFromFrame(df, path);
}

/** The popular list: `movie_stats.parquet` when present, else computed from `train`. */
export async function readPopularity(
  dataDir: string,
  train: Ratings | null,
): Promise<PopularList> {
  const path = inDataDir(movieStatsTable, dataDir);
  if (await pathExists(path)) return popularFromMovieStats(pl.readParquet(path), path);
  if (!train) {
    throw new Error(
      `Cannot build the popular list: neither ${path} nor the training ratings ${
        inDataDir(trainTable, dataDir)
      } exist: run deno task pipeline or pass --data-dir`,
    );
  }
  return PopularList.fromRatings(train);
}

/**
 * Loads the model of `source` and everything served with it. A pipeline
 * folder whose select stage chose two champions gives the rating champion
 * with the ranking champion beside it ({@linkcode LoadedModel.ranker}), both
 * loaded before either serves, so a swap replaces the pair at once. Throws on
 * any defect of either.
 */
export async function loadFromSource(
  source: ModelSource,
  options: LoadOptions = {},
): Promise<LoadedModel> {
  const env = options.env ?? {};
  let artifact: ModelArtifact;
  let version: string | null = null;
  let where = describeSource(source);
  let champions: ChampionDirs | null = null;
  let read: ArtifactReader;
  if (source.kind === "mlflow") {
    const r = await _artifactFromMlflow(source, env);
    artifact = r.artifact;
    version = r.version;
    read = r.read;
    where = `models:/${source.name}@${source.alias} version ${r.version}`;
  } else {
    if (source.kind === "pipeline") champions = await championDirs(source.dataDir);
    const dir = source.kind === "dir" ? source.modelDir : champions!.rating;
    where = dir;
    artifact = await _artifactFromDir(dir);
    read = _dirReader(dir);
  }
  const load = options.loadModel ?? registryLoadModel;
  const build = async (a: ModelArtifact, at: string): Promise<Recommender> => {
    try {
      return await load(a);
    } catch (err) {
      throw new Error(`Cannot load the model from ${at}: ${(err as Error).message}`);
    }
  };
  const model = await build(artifact, where);
  let ranking: { model: Recommender; artifact: ModelArtifact; where: string } | null = null;
  if (champions?.ranking) {
    const a = await _artifactFromDir(champions.ranking);
    ranking = { model: await build(a, champions.ranking), artifact: a, where: champions.ranking };
  }
  const dataDir = source.dataDir;
  // Each model's own serving bundle, else the data folder's pieces (read once), checked against it.
  let fromData: Promise<ServingData> | null = null;
  const servingData = async (
    a: ModelArtifact,
    at: string,
    reader: ArtifactReader,
  ): Promise<ServingData> => {
    const bundled = await readServingBundle(reader, a.manifest, at);
    if (bundled) return bundled;
    fromData ??= (async () => {
      const catalog = await readCatalog(inDataDir(moviesTable, dataDir), at);
      const train = await readTrain(inDataDir(trainTable, dataDir));
      const popularity = await readPopularity(dataDir, train);
      return { catalog, popularity, train, bundle: null };
    })();
    const d = await fromData;
    checkSeenMatchesModel(d.train, a.manifest, {
      where: at,
      trainPath: inDataDir(trainTable, dataDir),
      ...(await _validationCounts(reader)),
    });
    return d;
  };
  const served = await servingData(artifact, where, read);
  const loadedAt = new Date().toISOString();
  const taskOf = (m: Recommender): ModelTask =>
    (m as { task?: unknown }).task === "ranking" ? "ranking" : "rating";
  let ranker: LoadedModel | null = null;
  if (ranking) {
    const floor = champions!.rankingMinRatings ??
      await readEvaluatedMinRatings(dataDir, ranking.model.name);
    const d = await servingData(ranking.artifact, ranking.where, _dirReader(ranking.where));
    ranker = new LoadedModel({
      ...(options.cacheLists !== undefined ? { cacheLists: options.cacheLists } : {}),
      model: ranking.model,
      manifest: ranking.artifact.manifest,
      catalog: d.catalog,
      popularity: d.popularity,
      train: d.train,
      info: {
        name: ranking.model.name,
        version: ranking.artifact.manifest.dataSha256.slice(0, 12),
        source: "pipeline ranking champion",
        location: ranking.where,
        loadedAt,
        task: taskOf(ranking.model),
        ...(floor !== undefined ? { evaluatedMinRatings: floor } : {}),
      },
    });
  }
  const manifest = artifact.manifest;
  const evaluatedMinRatings = champions?.ratingMinRatings ??
    await readEvaluatedMinRatings(dataDir, model.name) ??
    (served.bundle ? await _bundledMinRatings(read) : undefined);
  return new LoadedModel({
    ...(options.cacheLists !== undefined ? { cacheLists: options.cacheLists } : {}),
    model,
    manifest,
    catalog: served.catalog,
    popularity: served.popularity,
    train: served.train,
    ranking: ranker,
    info: {
      name: model.name,
      version: version ?? manifest.dataSha256.slice(0, 12),
      source: sourceLabel(source),
      location: where,
      loadedAt,
      task: taskOf(model),
      ...(evaluatedMinRatings !== undefined ? { evaluatedMinRatings } : {}),
    },
  });
}

/** Reads files of a model folder by relative path (null when absent). */
function _dirReader(dir: string): ArtifactReader {
  return async (path) => {
    try {
      return await Deno.readFile(join(dir, ...path.split("/")));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw new Error(`Cannot read ${join(dir, path)}: ${(err as Error).message}`);
    }
  };
}

/** The holdout counts of a model folder's `validation.json`, when it has one. */
async function _validationCounts(
  read: ArtifactReader,
): Promise<{ validation?: { trainRatings: number; holdoutRatings: number } }> {
  const bytes = await read(VALIDATION_FILE).catch(() => null);
  if (!bytes) return {};
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes));
    return Number.isInteger(v.trainRatings) && Number.isInteger(v.holdoutRatings)
      ? { validation: { trainRatings: v.trainRatings, holdoutRatings: v.holdoutRatings } }
      : {};
  } catch {
    return {};
  }
}

/** The support floor of a model's own `validation.json` (a registry model has no metrics folder). */
async function _bundledMinRatings(read: ArtifactReader): Promise<number | undefined> {
  const bytes = await read(VALIDATION_FILE).catch(() => null);
  if (!bytes) return undefined;
  try {
    return _floor(JSON.parse(new TextDecoder().decode(bytes)).minRatings);
  } catch {
    return undefined;
  }
}

/** The `minRatings` the evaluate stage used for `model`, when its metrics.json says. */
async function readEvaluatedMinRatings(
  dataDir: string,
  model: string,
): Promise<number | undefined> {
  try {
    const m = JSON.parse(await Deno.readTextFile(inDataDir(metricsFile, dataDir, { model })));
    return Number.isInteger(m.minRatings) && m.minRatings >= 0 ? m.minRatings : undefined;
  } catch {
    return undefined; // no pipeline metrics (a model folder or the registry): the built-in default
  }
}
