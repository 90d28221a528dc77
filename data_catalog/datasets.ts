/**
 * The data catalog: every dataset the pipeline reads or writes, named once
 * with its path, format, owning stage and (for tables) its column schema.
 *
 * Stages declare their deps and outs with these paths, read and write their
 * tables through {@linkcode readTable} / {@linkcode writeTable} (which check
 * the schema), and `data/README.md` is generated from this file
 * (`deno task catalog`), so the docs cannot drift from the code. The idea is
 * Kedro's `catalog.yml`, written as typed TypeScript.
 *
 * Two levels, because the DAG hashes and caches whole folders:
 * - a {@linkcode FolderDataset} is what a stage declares as a dep or out
 *   (`data/processed`, `data/interim/split`, ...);
 * - a {@linkcode FileDataset} lives in one of those folders (`ratings.parquet`
 *   in `data/processed`), with its format and schema.
 *
 * @module
 */

/** Column types as Polars names them (see {@linkcode dtypeName}). */
export type ColumnType =
  | "Int8"
  | "Int32"
  | "Int64"
  | "Float32"
  | "Float64"
  | "String"
  | "List(String)";

/** One column of a Parquet table. */
export interface Column {
  readonly type: ColumnType;
  readonly doc: string;
  /** May hold nulls (documented; Parquet keeps nullability per column). */
  readonly nullable?: boolean;
}

/** A folder a stage writes as one unit (the DAG's dep/out granularity). */
export interface FolderDataset {
  readonly kind: "folder";
  /** Path relative to the project root, as declared in stage deps/outs. */
  readonly path: string;
  /** The stage that writes it. */
  readonly stage: string;
  readonly doc: string;
}

interface FileBase {
  /** The folder dataset it lives in. */
  readonly folder: FolderDataset;
  /** Path inside the folder (may contain `<placeholder>` segments). */
  readonly file: string;
  readonly doc: string;
  /** Written only in some cases (said in `doc`). */
  readonly optional?: boolean;
}

/** A Parquet table with a fixed schema (plus optional pattern columns). */
export interface TableDataset extends FileBase {
  readonly kind: "parquet";
  readonly columns: Readonly<Record<string, Column>>;
  /** Columns named by a pattern (e.g. one per genre), all of one type. */
  readonly patternColumns?: { readonly pattern: RegExp; readonly type: ColumnType; doc: string };
  /** Parquet compression ({@linkcode writeTable}); Polars' default when absent. */
  readonly compression?: "zstd";
}

/** A JSON, binary or folder-of-files entry; its type lives in `definedIn`. */
export interface OtherFileDataset extends FileBase {
  readonly kind: "json" | "binary" | "zip" | "folder";
  /** Module (project-relative) that defines and validates its shape. */
  readonly definedIn?: string;
}

/** Any file-level catalog entry. */
export type FileDataset = TableDataset | OtherFileDataset;

// ---------------------------------------------------------------- folders

/** Downloaded source zips (the etl stage's download cache, not a DAG out). */
export const rawFolder: FolderDataset = {
  kind: "folder",
  path: "data/raw",
  stage: "etl",
  doc: "download cache of source zips, kept so a URL is fetched once",
};

/** Typed tables of the source data. */
export const processedFolder: FolderDataset = {
  kind: "folder",
  path: "data/processed",
  stage: "etl",
  doc: "the source data as typed Parquet tables",
};

/** Per-user, per-movie and per-rating features. */
export const featuresFolder: FolderDataset = {
  kind: "folder",
  path: "data/features",
  stage: "features",
  doc: "aggregates and content features",
};

/** Train/test folds. */
export const splitFolder: FolderDataset = {
  kind: "folder",
  path: "data/interim/split",
  stage: "split",
  doc: "train/test folds",
};

/** One folder per trained model. */
export const modelsFolder: FolderDataset = {
  kind: "folder",
  path: "data/models",
  stage: "train",
  doc: "fitted models and their holdout validation",
};

/** The champions picked on the holdout. */
export const selectionFolder: FolderDataset = {
  kind: "folder",
  path: "data/selection",
  stage: "select",
  doc: "the rating and ranking champions, picked without reading the test set",
};

/** Test-set metrics. */
export const metricsFolder: FolderDataset = {
  kind: "folder",
  path: "data/metrics",
  stage: "evaluate",
  doc: "test-set metrics and report data per model",
};

/** Every folder dataset, in pipeline order. */
export const FOLDERS: readonly FolderDataset[] = [
  rawFolder,
  processedFolder,
  featuresFolder,
  splitFolder,
  modelsFolder,
  selectionFolder,
  metricsFolder,
];

// ---------------------------------------------------------------- tables

const ratingColumns = {
  userId: { type: "Int32", doc: "user id" },
  movieId: { type: "Int32", doc: "movie id" },
  rating: { type: "Float32", doc: "the rating (half stars on MovieLens)" },
  timestamp: { type: "Int64", doc: "unix seconds" },
} as const satisfies Record<string, Column>;

/** Every rating of the source data. */
export const ratingsTable: TableDataset = {
  kind: "parquet",
  folder: processedFolder,
  file: "ratings.parquet",
  compression: "zstd",
  doc: "every rating",
  columns: ratingColumns,
};

/** The movie catalog. */
export const moviesTable: TableDataset = {
  kind: "parquet",
  folder: processedFolder,
  file: "movies.parquet",
  compression: "zstd",
  doc: "the movie catalog",
  columns: {
    movieId: { type: "Int32", doc: "movie id" },
    title: { type: "String", doc: "title with the year, as in the source" },
    year: { type: "Int32", doc: "release year parsed from the title", nullable: true },
    genres: { type: "List(String)", doc: "genres (empty for `(no genres listed)`)" },
  },
};

/** Free-text tags (variants that ship tags.csv). */
export const tagsTable: TableDataset = {
  kind: "parquet",
  folder: processedFolder,
  file: "tags.parquet",
  compression: "zstd",
  doc: "free-text tags (when the variant has tags)",
  optional: true,
  columns: {
    userId: { type: "Int32", doc: "user id" },
    movieId: { type: "Int32", doc: "movie id" },
    tag: { type: "String", doc: "the tag text" },
    timestamp: { type: "Int64", doc: "unix seconds" },
  },
};

/** External ids (variants that ship links.csv). */
export const linksTable: TableDataset = {
  kind: "parquet",
  folder: processedFolder,
  file: "links.parquet",
  compression: "zstd",
  doc: "IMDb and TMDb ids (when the variant has links)",
  optional: true,
  columns: {
    movieId: { type: "Int32", doc: "movie id" },
    imdbId: { type: "String", doc: "IMDb id (leading zeros kept)" },
    tmdbId: { type: "Int32", doc: "TMDb id", nullable: true },
  },
};

/** Per-user aggregates. */
export const userStatsTable: TableDataset = {
  kind: "parquet",
  folder: featuresFolder,
  file: "user_stats.parquet",
  doc: "per user: activity and rating mean",
  columns: {
    userId: { type: "Int32", doc: "user id" },
    count: { type: "Int32", doc: "ratings given" },
    mean: { type: "Float64", doc: "mean rating" },
    std: { type: "Float64", doc: "rating standard deviation", nullable: true },
    first_timestamp: { type: "Int64", doc: "first rating, unix seconds" },
    last_timestamp: { type: "Int64", doc: "last rating, unix seconds" },
  },
};

/** Per-movie aggregates, the API's popular list. */
export const movieStatsTable: TableDataset = {
  kind: "parquet",
  folder: featuresFolder,
  file: "movie_stats.parquet",
  doc: "per movie: count, mean, popularity rank, IMDb-style weighted rating (the popular list)",
  columns: {
    movieId: { type: "Int32", doc: "movie id" },
    count: { type: "Int32", doc: "ratings received" },
    mean: { type: "Float64", doc: "mean rating (null when unrated)", nullable: true },
    std: {
      type: "Float64",
      doc: "rating standard deviation (null under 2 ratings)",
      nullable: true,
    },
    popularity_rank: { type: "Int32", doc: "1 = most ratings" },
    weighted_rating: { type: "Float64", doc: "(v R + m C) / (v + m), the cold-start score" },
  },
};

/** Per-rating calendar features. */
export const ratingFeaturesTable: TableDataset = {
  kind: "parquet",
  folder: featuresFolder,
  file: "rating_features.parquet",
  doc: "per rating: calendar features and the movie's age when rated",
  columns: {
    ...ratingColumns,
    year: { type: "Int32", doc: "year of the rating" },
    month: { type: "Int8", doc: "month 1-12" },
    weekday: { type: "Int8", doc: "ISO weekday 1-7" },
    release_year: { type: "Int32", doc: "movie release year", nullable: true },
    years_since_release: { type: "Int32", doc: "year - release_year", nullable: true },
  },
};

/** Content features per movie (the hybrid model reads them). */
export const movieGenresTable: TableDataset = {
  kind: "parquet",
  folder: featuresFolder,
  file: "movie_genres.parquet",
  doc: "per movie: genre multi-hot columns, tag counts, release year (read by the hybrid model)",
  columns: {
    movieId: { type: "Int32", doc: "movie id" },
    genre_count: { type: "Int32", doc: "genres listed" },
    tag_count: { type: "Int32", doc: "tags applied" },
    tag_users: { type: "Int32", doc: "distinct users who tagged it", nullable: true },
    release_year: { type: "Int32", doc: "release year", nullable: true },
  },
  patternColumns: {
    pattern: /^genre_(?!count$)[a-z_]+$/,
    type: "Float64",
    doc: "`genre_<name>`: 1 when the movie has the genre, one column per genre in the data",
  },
};

/** The first (or only) fold's training ratings. */
export const trainTable: TableDataset = {
  kind: "parquet",
  folder: splitFolder,
  file: "train.parquet",
  doc: "the first (or only) fold's training ratings",
  columns: ratingColumns,
};

/** The first (or only) fold's test ratings. */
export const testTable: TableDataset = {
  kind: "parquet",
  folder: splitFolder,
  file: "test.parquet",
  doc: "the first (or only) fold's test ratings",
  columns: ratingColumns,
};

/** Every fold's training ratings (multi-fold kinds). */
export const foldTrainTable: TableDataset = {
  kind: "parquet",
  folder: splitFolder,
  file: "folds/<i>/train.parquet",
  doc: "fold i's training ratings (k-fold and multi-split kinds; fold 1 is also at the top)",
  optional: true,
  columns: ratingColumns,
};

/** Every fold's test ratings (multi-fold kinds). */
export const foldTestTable: TableDataset = {
  kind: "parquet",
  folder: splitFolder,
  file: "folds/<i>/test.parquet",
  doc: "fold i's test ratings",
  optional: true,
  columns: ratingColumns,
};

// ---------------------------------------------------------------- other files

/** `<dataset>.zip` in rawFolder. */
export const rawZipFile: OtherFileDataset = {
  kind: "zip",
  folder: rawFolder,
  file: "<dataset>.zip",
  doc: "a downloaded MovieLens zip (URL sources only)",
  optional: true,
};

/** `summary.json` in processedFolder. */
export const summaryFile: OtherFileDataset = {
  kind: "json",
  folder: processedFolder,
  file: "summary.json",
  doc: "dataset name, variant, sha256, counts, rating scale, date range",
  definedIn: "stages/etl.ts",
};

/** Training half of a predefined split shipped in the zip (ml-100k `u1.base`...). */
export const predefinedBaseTable: TableDataset = {
  kind: "parquet",
  folder: processedFolder,
  file: "splits/<name>.base.parquet",
  doc: "a predefined split's training ratings, as shipped in the zip (ml-100k `u1.base`...)",
  optional: true,
  compression: "zstd",
  columns: ratingColumns,
};

/** Test half of a predefined split shipped in the zip (ml-100k `u1.test`...). */
export const predefinedTestTable: TableDataset = {
  kind: "parquet",
  folder: processedFolder,
  file: "splits/<name>.test.parquet",
  doc: "a predefined split's test ratings (ml-100k `u1.test`...)",
  optional: true,
  compression: "zstd",
  columns: ratingColumns,
};

/** `manifest.json` in splitFolder. */
export const splitManifestFile: OtherFileDataset = {
  kind: "json",
  folder: splitFolder,
  file: "manifest.json",
  doc: "kind, seed, folds, cold users/movies per fold",
  definedIn: "stages/split.ts",
};

/** `<model>/manifest.json` in modelsFolder. */
export const modelManifestFile: OtherFileDataset = {
  kind: "json",
  folder: modelsFolder,
  file: "<model>/manifest.json",
  doc: "model name, config, shapes, data hash (no timings: they change every run)",
  definedIn: "recommender/core/_artifact.ts",
};

/** `<model>/model.bin` in modelsFolder. */
export const modelBlobFile: OtherFileDataset = {
  kind: "binary",
  folder: modelsFolder,
  file: "<model>/model.bin",
  doc: "the fitted arrays (factors, biases, id vocabularies) of fold 1, served by the API",
  definedIn: "recommender/core/_artifact.ts",
};

/** `<model>/validation.json` in modelsFolder. */
export const validationFile: OtherFileDataset = {
  kind: "json",
  folder: modelsFolder,
  file: "<model>/validation.json",
  doc: "holdout metrics per support floor and the floor picked",
  definedIn: "recommender/evaluation/validation.ts",
};

/** `<model>/timings.json` in modelsFolder. */
export const modelTimingsFile: OtherFileDataset = {
  kind: "json",
  folder: modelsFolder,
  file: "<model>/timings.json",
  doc: "fit seconds and throughput (left out of the folder's hash)",
  definedIn: "stages/train.ts",
};

/** `<model>/folds/<i>/` in modelsFolder. */
export const modelFoldsFolder: OtherFileDataset = {
  kind: "folder",
  folder: modelsFolder,
  file: "<model>/folds/<i>/",
  doc: "the same files for each extra fold",
  optional: true,
};

/** `champions.json` in selectionFolder. */
export const championsFile: OtherFileDataset = {
  kind: "json",
  folder: selectionFolder,
  file: "champions.json",
  doc: "the rating and ranking champions with their holdout scores, and every candidate",
  definedIn: "stages/select.ts",
};

/** `<model>/metrics.json` in metricsFolder. */
export const metricsFile: OtherFileDataset = {
  kind: "json",
  folder: metricsFolder,
  file: "<model>/metrics.json",
  doc: "every metric (mean and 95% CI over folds) and the `minRatings` floor used",
  definedIn: "stages/evaluate.ts",
};

/** `<model>/report_data.json` in metricsFolder. */
export const reportDataFile: OtherFileDataset = {
  kind: "json",
  folder: metricsFolder,
  file: "<model>/report_data.json",
  doc: "histograms, samples, recommendations for the run page",
  definedIn: "stages/report/run_report_data.ts",
};

/** `<model>/timings.json` in metricsFolder. */
export const metricsTimingsFile: OtherFileDataset = {
  kind: "json",
  folder: metricsFolder,
  file: "<model>/timings.json",
  doc: "evaluation seconds (left out of the folder's hash)",
  definedIn: "stages/evaluate.ts",
};

/** `summary.json` in metricsFolder. */
export const metricsSummaryFile: OtherFileDataset = {
  kind: "json",
  folder: metricsFolder,
  file: "summary.json",
  doc: "the comparison table of every model",
  definedIn: "stages/evaluate.ts",
};

/** Every file-level dataset, grouped by folder in pipeline order. */
export const FILES: readonly FileDataset[] = [
  rawZipFile,
  ratingsTable,
  moviesTable,
  tagsTable,
  linksTable,
  summaryFile,
  predefinedBaseTable,
  predefinedTestTable,
  userStatsTable,
  movieStatsTable,
  ratingFeaturesTable,
  movieGenresTable,
  trainTable,
  testTable,
  foldTrainTable,
  foldTestTable,
  splitManifestFile,
  modelManifestFile,
  modelBlobFile,
  validationFile,
  modelTimingsFile,
  modelFoldsFolder,
  championsFile,
  metricsFile,
  reportDataFile,
  metricsTimingsFile,
  metricsSummaryFile,
];

/** The project-relative path of a file dataset (placeholders kept). */
export function datasetPath(ds: FileDataset): string {
  return `${ds.folder.path}/${ds.file}`;
}
