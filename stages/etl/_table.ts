/**
 * Reading delimited MovieLens text into Polars with every column as text
 * first, then checking and casting each column, so a bad value is reported
 * with its file, line and column instead of a parser's generic message.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";

/** A bad input file: the message names the file, line, column and expectation. */
export class InputError extends Error {
  override name = "InputError";
}

/** What a column must hold. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: "int32" | "int64" | "float32" | "string";
  readonly min?: number;
  readonly max?: number;
  /** Empty values allowed (become null). */
  readonly nullable?: boolean;
}

/** Options of {@linkcode readDelimited}. */
export interface ReadOptions {
  /** File name used in messages, e.g. `ratings.csv`. */
  readonly file: string;
  /** Single-byte separator after any rewriting. */
  readonly sep: string;
  /** Column names for files without a header row; omit when the file has one. */
  readonly names?: readonly string[];
  /** Honour double quotes (CSV); off for `.dat` and `u.item`, whose titles contain bare quotes. */
  readonly quoted: boolean;
  /** Shown in the delimiter error, e.g. `"::"`. */
  readonly delimiterLabel?: string;
}

/** Reads text into a DataFrame of String columns; checks the column count. */
export function readDelimited(text: string, options: ReadOptions): pl.DataFrame {
  const { file, sep, names } = options;
  if (text.trim() === "") throw new InputError(`Cannot read ${file}: the file is empty`);
  let df: pl.DataFrame;
  try {
    df = pl.readCSV(Buffer.from(text, "utf8"), {
      hasHeader: names === undefined,
      sep,
      inferSchemaLength: 0,
      ...(options.quoted ? { quoteChar: '"' } : { quoteChar: undefined }),
    });
  } catch (e) {
    throw new InputError(`Cannot read ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  const label = options.delimiterLabel ?? JSON.stringify(sep);
  if (names) {
    if (df.width !== names.length) {
      const firstLine = text.slice(0, text.indexOf("\n") >>> 0).slice(0, 80);
      throw new InputError(
        `Cannot read ${file}: line 1 has ${df.width} field${
          df.width === 1 ? "" : "s"
        } when split on ${label}, expected ${names.length} (${
          names.join(", ")
        }): unknown delimiter or wrong format? Line 1 is "${firstLine}"`,
      );
    }
    df = df.rename(Object.fromEntries(df.columns.map((c, i) => [c, names[i]!])));
  } else if (df.width === 1 && !df.columns[0]!.includes(sep)) {
    throw new InputError(
      `Cannot read ${file}: the header "${
        df.columns[0]
      }" has one column when split on ${label}: unknown delimiter (expected ${label}-separated values)`,
    );
  }
  return df;
}

const polarsType = {
  int32: pl.Int32,
  int64: pl.Int64,
  float32: pl.Float32,
  string: pl.Utf8,
} as const;

function expectation(spec: ColumnSpec): string {
  const kind = spec.type === "string"
    ? "text"
    : spec.type.startsWith("int")
    ? "an integer"
    : "a number";
  if (spec.min !== undefined && spec.max !== undefined) {
    return `${kind} from ${spec.min} to ${spec.max}`;
  }
  if (spec.min !== undefined) return `${kind} >= ${spec.min}`;
  return kind;
}

/**
 * Checks that every column in `specs` exists and parses, then casts it.
 * `headerLines` is 1 for files with a header, 0 otherwise (for line numbers).
 */
export function castColumns(
  df: pl.DataFrame,
  specs: readonly ColumnSpec[],
  options: { file: string; headerLines: number },
): pl.DataFrame {
  const { file, headerLines } = options;
  const missing = specs.filter((s) => !df.columns.includes(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    throw new InputError(
      `Cannot read ${file}: missing column${missing.length > 1 ? "s" : ""} ${
        missing.map((m) => `"${m}"`).join(", ")
      } (found: ${df.columns.join(", ")})`,
    );
  }
  const exprs = [];
  for (const spec of specs) {
    const raw = pl.col(spec.name).str.strip();
    const cast = spec.type === "string" ? raw : raw.cast(polarsType[spec.type], false);
    let bad = spec.nullable ? pl.lit(false) : raw.isNull().or(raw.eq(pl.lit("")));
    if (spec.type !== "string") {
      bad = bad.or(raw.isNotNull().and(raw.neq(pl.lit(""))).and(cast.isNull()));
      if (spec.min !== undefined) bad = bad.or(cast.lt(pl.lit(spec.min)));
      if (spec.max !== undefined) bad = bad.or(cast.gt(pl.lit(spec.max)));
    }
    const offenders = df.withRowIndex("__row").filter(bad).head(1);
    if (offenders.height > 0) {
      const row = offenders.toRecords()[0]!;
      const line = Number(row.__row) + 1 + headerLines;
      const value = row[spec.name];
      const shown = value === null || value === "" ? "empty" : `"${String(value).slice(0, 60)}"`;
      throw new InputError(
        `Cannot read ${file}: line ${line}, column "${spec.name}" is ${shown}, expected ${
          expectation(spec)
        }`,
      );
    }
    exprs.push(cast.alias(spec.name));
  }
  return df.select(...exprs);
}
