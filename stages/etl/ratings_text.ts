/**
 * The one reader of ratings text in the MovieLens formats, for the etl stage
 * (the files of a MovieLens zip) and the split stage (`split.predefined`
 * ratings files): every value checked, a bad one reported with its file,
 * line and column.
 *
 * @module
 */
import pl from "nodejs-polars";
import { castColumns, type ColumnSpec, readDelimited } from "./_table.ts";

/**
 * A ratings file layout: `csv` (ratings.csv, with a header), `dat`
 * (`::`-separated, ml-1m/10m), `tab` (tab-separated, ml-100k's `u.data`).
 */
export type RatingsFormat = "csv" | "dat" | "tab";

/** Options of {@linkcode readRatingsText}. */
export interface RatingsTextOptions {
  /** File name used in messages, e.g. `ratings.csv`. */
  readonly file: string;
  /**
   * The layout. Omitted: guessed from the first line (`::`, a comma with or
   * without a header, tabs, else runs of spaces), the columns taken in the
   * order user, movie, rating[, timestamp] when there is no header, and a
   * missing timestamp read as 0.
   */
  readonly format?: RatingsFormat;
  /** Allowed ratings `[min, max]`; omitted: any number. */
  readonly ratingScale?: readonly [number, number];
}

const NAMES = ["userId", "movieId", "rating", "timestamp"] as const;

/**
 * Reads ratings text into userId Int32, movieId Int32, rating Float32,
 * timestamp Int64.
 *
 * @example
 * ```ts
 * import { readRatingsText } from "./ratings_text.ts";
 * const df = readRatingsText("1::10::4::881250949\n", { file: "ratings.dat" });
 * if (df.getColumn("rating").get(0) !== 4) throw new Error("expected a 4");
 * ```
 */
export function readRatingsText(text: string, options: RatingsTextOptions): pl.DataFrame {
  const { file, format } = options;
  const firstLine = text.slice(0, text.indexOf("\n") >>> 0).trim();
  let df: pl.DataFrame;
  let headerLines = 0;
  const names = (): string[] => {
    if (format) return [...NAMES];
    // user, movie, rating[, timestamp] and any further columns, which are left out
    const fields = firstLine.split(/::|,|\t|[ ]+/).length;
    return Array.from({ length: Math.max(3, fields) }, (_, i) => NAMES[i] ?? `extra_${i}`);
  };
  if (format === "dat" || (!format && firstLine.includes("::"))) {
    // "::" is two bytes; Polars wants one. \x1f (unit separator) never occurs in MovieLens text.
    df = readDelimited(text.replaceAll("::", "\x1f"), {
      file,
      sep: "\x1f",
      names: names(),
      quoted: false,
      delimiterLabel: '"::"',
    });
  } else if (format === "csv" || (!format && firstLine.includes(","))) {
    const header = format === "csv" || /[a-z]/i.test(firstLine);
    headerLines = header ? 1 : 0;
    df = readDelimited(text, {
      file,
      sep: ",",
      quoted: true,
      ...(header ? {} : { names: names() }),
    });
  } else {
    const tabbed = format || firstLine.includes("\t") ? text : text.replace(/[ ]+/g, "\t");
    df = readDelimited(tabbed, {
      file,
      sep: "\t",
      names: names(),
      quoted: false,
      delimiterLabel: format ? "tab" : "tab or spaces",
    });
  }
  const timestamp = format !== undefined || df.columns.includes("timestamp");
  const typed = castColumns(df, ratingColumns(options.ratingScale, { timestamp }), {
    file,
    headerLines,
  });
  return timestamp ? typed : typed.withColumns(pl.lit(0).cast(pl.Int64).alias("timestamp"));
}

/** The checked columns of a ratings table. */
function ratingColumns(
  scale: readonly [number, number] | undefined,
  options: { timestamp: boolean },
): ColumnSpec[] {
  return [
    { name: "userId", type: "int32", min: 0 },
    { name: "movieId", type: "int32", min: 0 },
    scale
      ? { name: "rating", type: "float32", min: scale[0], max: scale[1] }
      : { name: "rating", type: "float32" },
    ...(options.timestamp ? [{ name: "timestamp", type: "int64" } as const] : []),
  ];
}
