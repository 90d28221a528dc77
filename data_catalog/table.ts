/**
 * Reads and writes the catalog's Parquet tables, checking each against its
 * declared schema so a table with a missing, extra or mistyped column fails
 * with a message naming the file and the column, not somewhere downstream.
 *
 * @example Check a frame against the ratings schema
 * ```ts
 * import pl from "nodejs-polars";
 * import { ratingsTable } from "./datasets.ts";
 * import { schemaProblems } from "./table.ts";
 * const df = pl.DataFrame({ userId: [1], movieId: [2], rating: [4.5], timestamp: [0] });
 * // Polars infers Float64 and Float64 here: the ratings table wants Int32 ids.
 * const problems = schemaProblems(ratingsTable, df);
 * if (problems.length === 0) throw new Error("expected type problems");
 * ```
 *
 * @module
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import type { ColumnType, FileDataset, FolderDataset, TableDataset } from "./datasets.ts";

/** A Polars dtype's name as the catalog writes it (`Int32`, `List(String)`). */
export function dtypeName(dtype: pl.DataType): string {
  // String(dtype) nests a wrapper per level: `DataType(List(DataType(String)))`.
  const text = String(dtype);
  const wrappers = text.split("DataType(").length - 1;
  return text.replaceAll("DataType(", "").slice(0, text.length - 9 * wrappers - wrappers)
    .replaceAll("Utf8", "String");
}

/** What is wrong with `df` as the table `ds` (empty when it matches). */
export function schemaProblems(ds: TableDataset, df: pl.DataFrame): string[] {
  const problems: string[] = [];
  const schema = df.schema as Record<string, pl.DataType>;
  for (const [name, col] of Object.entries(ds.columns)) {
    const actual = schema[name];
    if (actual === undefined) problems.push(`column "${name}" (${col.type}) is missing`);
    else if (dtypeName(actual) !== col.type) {
      problems.push(`column "${name}" is ${dtypeName(actual)}, expected ${col.type}`);
    }
  }
  for (const [name, dtype] of Object.entries(schema)) {
    if (name in ds.columns) continue;
    const pattern = ds.patternColumns;
    if (pattern && pattern.pattern.test(name)) {
      if (dtypeName(dtype) !== pattern.type) {
        problems.push(`column "${name}" is ${dtypeName(dtype)}, expected ${pattern.type}`);
      }
    } else problems.push(`column "${name}" is not in the catalog's schema`);
  }
  return problems;
}

function check(ds: TableDataset, df: pl.DataFrame, path: string, verb: string): void {
  const problems = schemaProblems(ds, df);
  if (problems.length === 0) return;
  throw new Error(
    `Cannot ${verb} ${path}: it does not match the catalog's schema for ${ds.folder.path}/${ds.file} (${
      problems.join("; ")
    }); see data/README.md, or re-run the ${ds.folder.stage} stage`,
  );
}

/**
 * Where `ds` lives inside `dir`, its folder's actual or temporary path
 * (`<placeholder>` segments filled from `placeholders`).
 */
export function pathIn(
  ds: FileDataset,
  dir: string,
  placeholders: Readonly<Record<string, string>> = {},
): string {
  const file = ds.file.replaceAll(/<([a-z]+)>/g, (_, key: string) => {
    const value = placeholders[key];
    if (value === undefined) throw new Error(`pathIn: no value for <${key}> in ${ds.file}`);
    return value;
  });
  return join(dir, file);
}

/**
 * Where `ds` lives under a data folder laid out like `data/` (the API's
 * `--data-dir`): `inDataDir(moviesTable, "/srv/data")` is
 * `/srv/data/processed/movies.parquet`.
 */
export function inDataDir(
  ds: FileDataset | FolderDataset,
  dataDir: string,
  placeholders: Readonly<Record<string, string>> = {},
): string {
  if (!("folder" in ds)) return join(dataDir, ds.path.replace(/^data\//, ""));
  return pathIn(ds, inDataDir(ds.folder, dataDir), placeholders);
}

/** Reads `ds` from `dir` and checks its schema. */
export function readTable(
  ds: TableDataset,
  dir: string,
  placeholders: Readonly<Record<string, string>> = {},
): pl.DataFrame {
  const path = pathIn(ds, dir, placeholders);
  let df: pl.DataFrame;
  try {
    df = pl.readParquet(path);
  } catch (error) {
    throw new Error(
      `Cannot read ${path} (${ds.folder.path}/${ds.file}): ${
        error instanceof Error ? error.message : String(error)
      }; re-run the ${ds.folder.stage} stage`,
    );
  }
  check(ds, df, path, "read");
  return df;
}

/**
 * Checks `df` against `ds` and writes it into `dir` (a stage's temporary
 * output folder: the runner renames the folder into place, so the file is
 * never seen half-written).
 */
export function writeTable(
  ds: TableDataset,
  dir: string,
  df: pl.DataFrame,
  placeholders: Readonly<Record<string, string>> = {},
): void {
  const path = pathIn(ds, dir, placeholders);
  check(ds, df, path, "write");
  if (ds.compression) df.writeParquet(path, { compression: ds.compression });
  else df.writeParquet(path);
}

/** The Polars dtype of a catalog column type (for building empty frames). */
export function polarsType(type: ColumnType): pl.DataType {
  switch (type) {
    case "Int8":
      return pl.Int8;
    case "Int32":
      return pl.Int32;
    case "Int64":
      return pl.Int64;
    case "Float32":
      return pl.Float32;
    case "Float64":
      return pl.Float64;
    case "String":
      return pl.Utf8;
    case "List(String)":
      return pl.List(pl.Utf8);
  }
}

/**
 * Where `ds` lives in the project at `root` (`<root>/data/...`), for code
 * that reads the pipeline's outputs after the DAG (tracking, notebooks).
 */
export function atRoot(
  ds: FileDataset | FolderDataset,
  root: string,
  placeholders: Readonly<Record<string, string>> = {},
): string {
  if (!("folder" in ds)) return join(root, ds.path);
  return pathIn(ds, join(root, ds.folder.path), placeholders);
}

/**
 * The last segment of a file dataset's name (`manifest.json` of
 * `<model>/manifest.json`), for code that already holds the folder it is in
 * (one model's or one fold's).
 */
export function fileName(ds: FileDataset): string {
  return ds.file.split("/").filter((s) => s !== "").at(-1)!;
}
