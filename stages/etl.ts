/**
 * ETL stage: MovieLens zip (downloaded, local, or synthetic) -> typed Parquet
 * in `data/processed/` plus `summary.json`. See `data/README.md` for columns.
 *
 * @module
 */
import { dirname, join } from "node:path";
import pl from "nodejs-polars";
import { z } from "zod";
import { writeTextAtomic } from "../lib/atomic.ts";
import { sha256 } from "../dag/hash.ts";
import type { Progress } from "../dag/progress.ts";
import { formatCount } from "../dag/progress.ts";
import { defineStage } from "../dag/stage.ts";
import { redactUri } from "../tracking/redactor.ts";
import { fetchToFile, verifySha256 } from "./etl/download.ts";
import { type MovieLensFrames, openZip, readMovieLensZip } from "./etl/movielens.ts";
import { resolveSource, type Source } from "./etl/source.ts";
import { generateSynthetic, syntheticSchema } from "./etl/synthetic.ts";
import {
  linksTable,
  moviesTable,
  pathIn,
  predefinedBaseTable,
  predefinedTestTable,
  processedFolder,
  ratingsTable,
  summaryFile,
  tagsTable,
  writeTable,
} from "../data_catalog/mod.ts";

/** sha256 of GroupLens releases we have verified (used when `etl.sha256` is not set). */
export const KNOWN_SHA256: Readonly<Record<string, string>> = {
  "ml-latest-small": "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
};

/** The `etl` params section. */
export const etlParams = z.object({
  /** MovieLens name, URL, local zip path, file:// URL, or "synthetic". */
  dataset: z.string().min(1).default("ml-latest-small"),
  /** Expected sha256 of the zip; a mismatch stops the run. */
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "expected 64 hex digits").optional(),
  /** Allowed rating range; ratings outside it are an input error. */
  ratingScale: z.tuple([z.number(), z.number()]).default([0.5, 5])
    .refine(([lo, hi]) => lo < hi, "the first value must be below the second"),
  /** Download attempts in all. */
  downloadAttempts: z.number().int().min(1).max(10).default(3),
  /** Size of the synthetic data set (dataset: synthetic). */
  synthetic: syntheticSchema.prefault({}),
});

/** Parsed `etl` params. */
export type EtlParams = z.output<typeof etlParams>;

/**
 * What `summary.json` holds: facts of the data's content only. Where the zip
 * came from (a URL, a path) is not recorded, so the same zip read from two
 * places gives byte-identical outputs and downstream stages stay cached; the
 * sha256 identifies it.
 */
export interface DataSummary {
  readonly dataset: string;
  readonly variant: string;
  readonly sha256: string | null;
  readonly counts: {
    readonly ratings: number;
    readonly users: number;
    readonly movies: number;
    readonly ratedMovies: number;
    readonly tags: number;
    readonly links: number;
  };
  readonly ratingScale: { readonly min: number; readonly max: number; readonly values: number[] };
  readonly dateRange: { readonly first: string | null; readonly last: string | null };
  readonly predefinedSplits: string[];
  readonly warnings: string[];
}

/** Builds the data summary of typed frames (pure). */
export function summarize(
  frames: MovieLensFrames,
  meta: { dataset: string; sha256: string | null },
): DataSummary {
  const r = frames.ratings;
  const ts = r.getColumn("timestamp");
  const first = r.height > 0 ? Number(ts.min()) : NaN;
  const last = r.height > 0 ? Number(ts.max()) : NaN;
  const iso = (
    s: number,
  ) => (Number.isFinite(s) && s > 0 ? new Date(s * 1000).toISOString() : null);
  const ratedMovies = r.getColumn("movieId").nUnique();
  const catalog = new Set(frames.movies.getColumn("movieId").toArray() as number[]);
  const unknown =
    r.select("movieId").unique().filter(pl.col("movieId").isIn([...catalog]).not()).height;
  // Distinct (user, movie) pairs as one 64-bit key (injective for 32-bit ids): a hash of one
  // column instead of a unique() over two (7 s -> under 1 s at 10M ratings).
  const pairs = r.select(
    pl.col("userId").cast(pl.Int64).mul(4294967296).add(pl.col("movieId").cast(pl.Int64))
      .alias("pair"),
  ).getColumn("pair").nUnique();
  const duplicates = r.height - pairs;
  const warnings: string[] = [];
  if (unknown > 0) warnings.push(`${unknown} rated movies are missing from the movies file`);
  if (duplicates > 0) warnings.push(`${duplicates} (user, movie) pairs are rated more than once`);
  return {
    ...meta,
    variant: frames.variant,
    counts: {
      ratings: r.height,
      users: r.getColumn("userId").nUnique(),
      movies: frames.movies.height,
      ratedMovies,
      tags: frames.tags?.height ?? 0,
      links: frames.links?.height ?? 0,
    },
    ratingScale: {
      min: Number(r.getColumn("rating").min()),
      max: Number(r.getColumn("rating").max()),
      values: (r.getColumn("rating").unique().sort().toArray() as number[]).map((v) => Number(v)),
    },
    dateRange: { first: iso(first), last: iso(last) },
    predefinedSplits: Object.keys(frames.splits),
    warnings,
  };
}

async function isIntactZip(path: string, expected: string | undefined): Promise<boolean> {
  try {
    const bytes = await Deno.readFile(path);
    openZip(bytes, path);
    if (expected) verifySha256(bytes, expected, path);
    return true;
  } catch {
    return false;
  }
}

/** Gets the zip bytes for a URL or file source, using data/raw/ as a download cache. */
async function obtainZip(
  source: Exclude<Source, { kind: "synthetic" }>,
  options: { params: EtlParams; root: string; progress: Progress; signal: AbortSignal },
) {
  const { params, root, progress, signal } = options;
  const expected = params.sha256 ?? KNOWN_SHA256[source.name];
  if (source.kind === "file") {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(source.path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new Error(
          `Cannot read dataset ${source.path}: the file does not exist (check --dataset / etl.dataset)`,
        );
      }
      throw e;
    }
    if (params.sha256) verifySha256(bytes, params.sha256, source.path);
    return { bytes, label: source.path };
  }
  const rawPath = join(root, "data", "raw", `${source.name}.zip`);
  const metaPath = `${rawPath}.json`;
  let cachedUrl: string | undefined;
  try {
    cachedUrl = JSON.parse(await Deno.readTextFile(metaPath)).urlSha256;
  } catch { /* no record: download */ }
  if (cachedUrl === sha256(source.url) && await isIntactZip(rawPath, expected)) {
    progress.info(`using ${rawPath} (already downloaded, intact)`);
    return { bytes: await Deno.readFile(rawPath), label: rawPath };
  }
  const bytes = await fetchToFile(source.url, rawPath, {
    ...(expected ? { sha256: expected } : {}),
    attempts: params.downloadAttempts,
    progress,
    signal,
  });
  await writeTextAtomic(
    metaPath,
    // The URL is kept redacted (it may carry a password); its hash identifies it.
    JSON.stringify(
      { url: redactUri(source.url), urlSha256: sha256(source.url), sha256: sha256(bytes) },
      null,
      2,
    ) + "\n",
  );
  return { bytes, label: rawPath };
}

/** The ETL stage descriptor. */
export const etlStage = defineStage({
  name: "etl",
  description:
    "Download/extract MovieLens (or generate synthetic data) -> typed Parquet in data/processed",
  deps: [],
  outs: [processedFolder.path],
  params: etlParams,
  code: import.meta.url,
  async extraKey(params, root, tools) {
    const source = resolveSource(params.dataset, root);
    if (source.kind === "file") {
      try {
        return `file:${await tools.hashFile(source.path)}`;
      } catch {
        return "file:missing";
      }
    }
    return source.kind;
  },
  async run(ctx) {
    const { params, progress } = ctx;
    const source = resolveSource(params.dataset, ctx.root);
    let frames: MovieLensFrames;
    let zipSha: string | null = null;
    let label: string;
    if (source.kind === "synthetic") {
      progress.info(
        `generating synthetic data (${formatCount(params.synthetic.users)} users x ${
          formatCount(params.synthetic.ratingsPerUser)
        } ratings, seed ${params.synthetic.seed})`,
      );
      frames = { variant: "csv", ...generateSynthetic(params.synthetic), splits: {} };
      label = "synthetic";
    } else {
      const zip = await obtainZip(source, { params, root: ctx.root, progress, signal: ctx.signal });
      zipSha = sha256(zip.bytes);
      label = zip.label;
      frames = readMovieLensZip(zip.bytes, { label, ratingScale: params.ratingScale });
    }
    progress.info(
      `read ${formatCount(frames.ratings.height)} ratings, ${
        formatCount(frames.movies.height)
      } movies (${frames.variant} variant)`,
    );
    const out = ctx.outputs[processedFolder.path]!;
    await Deno.mkdir(out, { recursive: true });
    writeTable(ratingsTable, out, frames.ratings);
    writeTable(moviesTable, out, frames.movies);
    if (frames.tags) writeTable(tagsTable, out, frames.tags);
    if (frames.links) writeTable(linksTable, out, frames.links);
    if (Object.keys(frames.splits).length > 0) {
      await Deno.mkdir(dirname(pathIn(predefinedBaseTable, out, { name: "x" })));
      for (const [name, { base, test }] of Object.entries(frames.splits)) {
        writeTable(predefinedBaseTable, out, base, { name });
        writeTable(predefinedTestTable, out, test, { name });
      }
    }
    const summary = summarize(frames, { dataset: source.name, sha256: zipSha });
    for (const w of summary.warnings) progress.warn(w);
    await Deno.writeTextFile(pathIn(summaryFile, out), JSON.stringify(summary, null, 2) + "\n");
    return {
      summary: `${formatCount(summary.counts.ratings)} ratings, ${
        formatCount(summary.counts.users)
      } users, ${formatCount(summary.counts.movies)} movies`,
      metrics: {
        ratings: summary.counts.ratings,
        users: summary.counts.users,
        movies: summary.counts.movies,
      },
    };
  },
});
