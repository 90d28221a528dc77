/**
 * Reads any GroupLens MovieLens zip into typed frames. The variant is detected
 * from the zip's contents:
 *
 * | variant | files | format |
 * |---|---|---|
 * | `csv` (ml-latest-small, ml-latest, ml-20m, ml-25m, ml-32m) | ratings.csv, movies.csv, tags.csv, links.csv | CSV with header |
 * | `dat` (ml-1m, ml-10m) | ratings.dat, movies.dat, tags.dat | `::` separated, no header; ml-1m titles in latin-1 |
 * | `100k` (ml-100k) | u.data, u.item, u.genre, u1.base ... ub.test | tab / `|` separated, latin-1 titles, genre flags |
 *
 * Output frames: ratings (userId Int32, movieId Int32, rating Float32,
 * timestamp Int64), movies (movieId Int32, title Utf8, year Int32, genres
 * List(Utf8)), tags and links where the variant has them.
 *
 * @module
 */
import pl from "nodejs-polars";
import { unzipSync } from "fflate";
import { castColumns, InputError, readDelimited } from "./_table.ts";
import { readRatingsText } from "./ratings_text.ts";

/** The detected file layout. */
export type Variant = "csv" | "dat" | "100k";

/** Typed frames read from one MovieLens release. */
export interface MovieLensFrames {
  readonly variant: Variant;
  readonly ratings: pl.DataFrame;
  readonly movies: pl.DataFrame;
  readonly tags?: pl.DataFrame;
  readonly links?: pl.DataFrame;
  /** Predefined train/test splits shipped in the zip (ml-100k: u1..u5, ua, ub). */
  readonly splits: Readonly<Record<string, { base: pl.DataFrame; test: pl.DataFrame }>>;
}

/** Options of {@linkcode readMovieLensZip}. */
export interface ReadZipOptions {
  /** Name used in messages, e.g. `data/raw/ml-latest-small.zip`. */
  readonly label: string;
  /** Allowed rating range. */
  readonly ratingScale: readonly [number, number];
}

const WANTED =
  /(^|\/)(ratings\.csv|movies\.csv|tags\.csv|links\.csv|ratings\.dat|movies\.dat|tags\.dat|u\.data|u\.item|u\.genre|u[1-5a-b]\.(base|test))$/;

/** Unzips the entries we read; a non-zip or truncated archive gets a clear error. */
export function openZip(bytes: Uint8Array, label: string): Map<string, Uint8Array> {
  if (bytes.length < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new InputError(
      `Cannot open ${label}: not a zip archive (it does not start with "PK"); check the dataset URL or path`,
    );
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => WANTED.test(f.name) && !f.name.includes("__MACOSX"),
    });
  } catch (e) {
    throw new InputError(
      `Cannot open ${label}: the zip archive is truncated or corrupt (${
        (e as Error).message
      }); delete it and download again`,
    );
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(entries)) out.set(name.split("/").pop()!, data);
  return out;
}

/** Decodes UTF-8, or latin-1 when the bytes are not valid UTF-8 (ml-100k, ml-1m titles). */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("latin1").decode(bytes);
  }
}

/** Detects the variant from the file names present. */
export function detectVariant(
  files: ReadonlySet<string> | Map<string, unknown>,
  label: string,
): Variant {
  const has = (n: string) => files.has(n);
  if (has("ratings.csv")) return "csv";
  if (has("ratings.dat")) return "dat";
  if (has("u.data")) return "100k";
  throw new InputError(
    `Cannot read ${label}: no ratings file found (expected ratings.csv, ratings.dat or u.data inside the zip; found: ${
      [...files.keys()].join(", ") || "nothing we read"
    })`,
  );
}

function requireRows(df: pl.DataFrame, file: string): pl.DataFrame {
  if (df.height === 0) throw new InputError(`Cannot read ${file}: it has no ratings`);
  return df;
}

/**
 * Adds `year` (from "Title (1995)", else from a `releaseYear` column when the
 * variant has one) and turns `genres` "A|B" into a list.
 */
export function tidyMovies(df: pl.DataFrame): pl.DataFrame {
  const titleYear = pl.col("title").str.strip().str.extract(String.raw`\((\d{4})[^()]*\)$`, 1).cast(
    pl.Int32,
    false,
  );
  const year = df.columns.includes("releaseYear")
    ? pl.when(titleYear.isNull()).then(pl.col("releaseYear")).otherwise(titleYear)
    : titleYear;
  return df.withColumns(
    pl.col("title").str.strip(),
    year.alias("year"),
    pl.col("genres")
      .str.split("|")
      .lst.eval(
        pl.element().filter(
          pl.element().neq(pl.lit("(no genres listed)")).and(pl.element().neq(pl.lit(""))),
        ),
      )
      .alias("genres"),
  ).select("movieId", "title", "year", "genres");
}

function text(files: Map<string, Uint8Array>, name: string, label: string): string {
  const bytes = files.get(name);
  if (!bytes) throw new InputError(`Cannot read ${label}: ${name} is missing from the zip`);
  return decodeText(bytes);
}

function readCsvVariant(files: Map<string, Uint8Array>, options: ReadZipOptions): MovieLensFrames {
  const { label } = options;
  const read = (name: string) =>
    readDelimited(text(files, name, label), { file: name, sep: ",", quoted: true });
  const ratings = requireRows(
    readRatingsText(text(files, "ratings.csv", label), {
      file: "ratings.csv",
      format: "csv",
      ratingScale: options.ratingScale,
    }),
    "ratings.csv",
  );
  const movies = tidyMovies(castColumns(read("movies.csv"), [
    { name: "movieId", type: "int32", min: 0 },
    { name: "title", type: "string" },
    { name: "genres", type: "string", nullable: true },
  ], { file: "movies.csv", headerLines: 1 }));
  const tags = files.has("tags.csv")
    ? castColumns(read("tags.csv"), [
      { name: "userId", type: "int32", min: 0 },
      { name: "movieId", type: "int32", min: 0 },
      { name: "tag", type: "string", nullable: true },
      { name: "timestamp", type: "int64" },
    ], { file: "tags.csv", headerLines: 1 })
    : undefined;
  const links = files.has("links.csv")
    ? castColumns(read("links.csv"), [
      { name: "movieId", type: "int32", min: 0 },
      { name: "imdbId", type: "string", nullable: true },
      { name: "tmdbId", type: "int32", nullable: true },
    ], { file: "links.csv", headerLines: 1 })
    : undefined;
  return {
    variant: "csv",
    ratings,
    movies,
    ...(tags ? { tags } : {}),
    ...(links ? { links } : {}),
    splits: {},
  };
}

function readDat(
  files: Map<string, Uint8Array>,
  name: string,
  names: string[],
  label: string,
): pl.DataFrame {
  const raw = text(files, name, label);
  // "::" is two bytes; Polars wants one. \x1f (unit separator) never occurs in MovieLens text.
  return readDelimited(raw.replaceAll("::", "\x1f"), {
    file: name,
    sep: "\x1f",
    names,
    quoted: false,
    delimiterLabel: '"::"',
  });
}

function readDatVariant(files: Map<string, Uint8Array>, options: ReadZipOptions): MovieLensFrames {
  const { label } = options;
  const ratings = requireRows(
    readRatingsText(text(files, "ratings.dat", label), {
      file: "ratings.dat",
      format: "dat",
      ratingScale: options.ratingScale,
    }),
    "ratings.dat",
  );
  const movies = tidyMovies(
    castColumns(readDat(files, "movies.dat", ["movieId", "title", "genres"], label), [
      { name: "movieId", type: "int32", min: 0 },
      { name: "title", type: "string" },
      { name: "genres", type: "string", nullable: true },
    ], { file: "movies.dat", headerLines: 0 }),
  );
  const tags = files.has("tags.dat")
    ? castColumns(readDat(files, "tags.dat", ["userId", "movieId", "tag", "timestamp"], label), [
      { name: "userId", type: "int32", min: 0 },
      { name: "movieId", type: "int32", min: 0 },
      { name: "tag", type: "string", nullable: true },
      { name: "timestamp", type: "int64" },
    ], { file: "tags.dat", headerLines: 0 })
    : undefined;
  return { variant: "dat", ratings, movies, ...(tags ? { tags } : {}), splits: {} };
}

function read100kRatings(
  files: Map<string, Uint8Array>,
  name: string,
  options: ReadZipOptions,
): pl.DataFrame {
  return readRatingsText(text(files, name, options.label), {
    file: name,
    format: "tab",
    ratingScale: options.ratingScale,
  });
}

function read100kVariant(files: Map<string, Uint8Array>, options: ReadZipOptions): MovieLensFrames {
  const { label } = options;
  const ratings = requireRows(read100kRatings(files, "u.data", options), "u.data");
  const genreNames = files.has("u.genre")
    ? text(files, "u.genre", label).split("\n").map((l) => l.trim()).filter(Boolean).map((l) =>
      l.split("|")[0]!
    )
    : [];
  const flagCount = genreNames.length || 19;
  const names = [
    "movieId",
    "title",
    "releaseDate",
    "videoReleaseDate",
    "imdbUrl",
    ...Array.from({ length: flagCount }, (_, i) => `g${i}`),
  ];
  const item = readDelimited(text(files, "u.item", label), {
    file: "u.item",
    sep: "|",
    names,
    quoted: false,
    delimiterLabel: '"|"',
  });
  const flags = Array.from(
    { length: flagCount },
    (_, i) => ({ name: `g${i}`, type: "int32" as const, min: 0, max: 1 }),
  );
  const typed = castColumns(item, [
    { name: "movieId", type: "int32", min: 0 },
    { name: "title", type: "string" },
    { name: "releaseDate", type: "string", nullable: true },
    ...flags,
  ], { file: "u.item", headerLines: 0 });
  // Genre flags -> "Action|Comedy" so tidyMovies treats all variants alike; "unknown" is no genre.
  const genreExpr = pl.concatString(
    flags.map((f, i) =>
      pl.when(pl.col(f.name).eq(1)).then(pl.lit(genreNames[i] ?? `genre${i}`)).otherwise(pl.lit(""))
    ),
    "|",
  ).str.replaceAll(String.raw`\|+`, "|").str.replaceAll(String.raw`^\||\|$`, "").str.replace(
    "^unknown$",
    "",
  );
  const movies = tidyMovies(typed.withColumns(
    genreExpr.alias("genres"),
    pl.col("releaseDate").str.extract(String.raw`(\d{4})$`, 1).cast(pl.Int32, false).alias(
      "releaseYear",
    ),
  ));
  const splits: Record<string, { base: pl.DataFrame; test: pl.DataFrame }> = {};
  for (const s of ["u1", "u2", "u3", "u4", "u5", "ua", "ub"]) {
    if (files.has(`${s}.base`) && files.has(`${s}.test`)) {
      splits[s] = {
        base: read100kRatings(files, `${s}.base`, options),
        test: read100kRatings(files, `${s}.test`, options),
      };
    }
  }
  return { variant: "100k", ratings, movies, splits };
}

/**
 * Reads a MovieLens zip (any GroupLens variant) into typed frames.
 * Throws {@linkcode InputError} naming file, line and column for bad input.
 */
export function readMovieLensZip(bytes: Uint8Array, options: ReadZipOptions): MovieLensFrames {
  const files = openZip(bytes, options.label);
  const variant = detectVariant(files, options.label);
  if (variant === "csv") return readCsvVariant(files, options);
  if (variant === "dat") return readDatVariant(files, options);
  return read100kVariant(files, options);
}
