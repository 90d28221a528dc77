/**
 * Split stage: `data/processed` -> `data/interim/split`.
 *
 * Writes `train.parquet` / `test.parquet` (the first fold),
 * `folds/<i>/{train,test}.parquet` for every fold i = 1..K when there is more
 * than one, and `manifest.json` ({@linkcode SplitManifest}: kind, seed, sizes
 * and the users/movies seen only in each test set). Columns are those of
 * `ratings.parquet`. The row logic lives in `recommender/splits/`.
 *
 * Kinds: `random` (holdout by `testFraction`), `temporal` (the latest
 * `testFraction` of all ratings, or everything from `cutoff` on), `leave-last-n`
 * (each user's `n` latest ratings), `kfold` (`folds` folds), `predefined`
 * (ml-100k's `u1`..`u5`, `ua`, `ub` extracted by the etl stage into
 * `data/processed/splits/`, one name or a list of names as folds, or
 * `{ train, test }` paths to ratings files: `.parquet`, `ratings.csv`-style CSV
 * with header, `::`-separated `.dat`, or tab-separated `u.data`-style files),
 * `cold-movies` (a `testFraction` of the movies held out with all their
 * ratings, for content models).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, extname, join, resolve } from "node:path";
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import { z } from "zod";
import { writeTextAtomic } from "../lib/atomic.ts";
import { formatCount } from "../dag/progress.ts";
import { defineStage } from "../dag/stage.ts";
import { selectRows } from "../recommender/core/ratings.ts";
import type { Split } from "../recommender/splits/fold.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { temporalSplit } from "../recommender/splits/temporal_split.ts";
import { leaveLastNSplit } from "../recommender/splits/leave_last_n_split.ts";
import { kFoldSplit } from "../recommender/splits/kfold_split.ts";
import { predefinedSplit } from "../recommender/splits/predefined_split.ts";
import { coldMoviesSplit } from "../recommender/splits/cold_movies_split.ts";
import { ratingsFromFrame, ratingsToFrame } from "./ratings_frame.ts";
import { splitFoldDir } from "./_split_folds.ts";
import { readRatingsText } from "./etl/ratings_text.ts";
import {
  foldTestTable,
  foldTrainTable,
  pathIn,
  predefinedBaseTable,
  predefinedTestTable,
  processedFolder,
  ratingsTable,
  readTable,
  splitFolder,
  splitManifestFile,
  testTable,
  trainTable,
  writeTable,
} from "../data_catalog/mod.ts";

/** The split kinds. */
export const SPLIT_KINDS = [
  "random",
  "temporal",
  "leave-last-n",
  "kfold",
  "predefined",
  "cold-movies",
] as const;

/** The `split` params section. */
export const splitParams = z.object({
  kind: z.enum(SPLIT_KINDS).default("random"),
  /** Share of ratings (random, temporal) or of movies (cold-movies) in the test set, in (0, 1). */
  testFraction: z.number().gt(0).lt(1).default(0.2),
  /** PRNG seed (random, kfold, leave-last-n ties, cold-movies). */
  seed: z.number().int().default(42),
  /** Number of folds (kfold). */
  folds: z.number().int().min(2).max(100).default(5),
  /** Ratings held out per user (leave-last-n). */
  n: z.number().int().min(1).default(1),
  /** Temporal cut-off in unix seconds; when set it replaces testFraction (temporal). */
  cutoff: z.number().optional(),
  /** Predefined split: a name ("u1".."u5", "ua", "ub"), a list of names (one fold each), or file paths. */
  predefined: z.union([
    z.string().min(1),
    z.array(z.string().min(1)).min(1),
    z.object({ train: z.string().min(1), test: z.string().min(1) }).strict(),
  ]).optional(),
}).strict().superRefine((p, ctx) => {
  if (p.kind === "predefined" && p.predefined === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["predefined"],
      message:
        'kind "predefined" needs a split name (e.g. "u1"), a list of names, or { train, test } file paths',
    });
  }
});

/** Parsed `split` params. */
export type SplitParams = z.output<typeof splitParams>;

/** A predefined train/test pair read from files. */
export interface NamedPair {
  readonly name: string;
  readonly train: pl.DataFrame;
  readonly test: pl.DataFrame;
}

/** One fold's sizes and cold-start facts in `manifest.json`. */
export interface FoldManifest {
  readonly fold: number;
  /** Predefined split name, when there is one. */
  readonly name?: string;
  readonly trainRatings: number;
  readonly testRatings: number;
  readonly trainUsers: number;
  readonly testUsers: number;
  /** Users / movies present only in the test set. */
  readonly coldUsers: number;
  readonly coldMovies: number;
  /** Test ratings whose user or movie is cold. */
  readonly coldTestRatings: number;
  readonly coldUserIds: number[];
  readonly coldMovieIds: number[];
}

/** `data/interim/split/manifest.json`. */
export interface SplitManifest {
  readonly kind: SplitParams["kind"];
  readonly seed: number;
  readonly params: SplitParams;
  /** Rows the folds were drawn from (for predefined splits: all given pairs together). */
  readonly totalRatings: number;
  readonly folds: FoldManifest[];
}

/** The folds as frames, and their manifest. */
export interface SplitOutput {
  readonly folds: { readonly train: pl.DataFrame; readonly test: pl.DataFrame }[];
  readonly manifest: SplitManifest;
}

/**
 * Splits a ratings frame as `params` say. `predefined` supplies the pairs for
 * `kind: "predefined"` (the stage reads them from files).
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { splitFrame, splitParams } from "./split.ts";
 * const ratings = pl.DataFrame({ userId: [1, 1, 2, 2, 3], movieId: [1, 2, 1, 3, 2], rating: [4, 3, 5, 2, 1], timestamp: [1, 2, 3, 4, 5] });
 * const out = splitFrame(ratings, splitParams.parse({ kind: "temporal", testFraction: 0.4 }));
 * if (out.folds[0]!.test.height !== 2) throw new Error("expected two test ratings");
 * ```
 */
export function splitFrame(
  ratings: pl.DataFrame,
  params: SplitParams,
  predefined: readonly NamedPair[] = [],
): SplitOutput {
  let split: Split;
  switch (params.kind) {
    case "random":
      split = randomSplit(ratingsFromFrame(ratings), params);
      break;
    case "temporal":
      split = temporalSplit(
        ratingsFromFrame(ratings),
        params.cutoff !== undefined
          ? { cutoff: params.cutoff }
          : { testFraction: params.testFraction },
      );
      break;
    case "leave-last-n":
      split = leaveLastNSplit(ratingsFromFrame(ratings), { n: params.n, seed: params.seed });
      break;
    case "kfold":
      split = kFoldSplit(ratingsFromFrame(ratings), { folds: params.folds, seed: params.seed });
      break;
    case "cold-movies":
      split = coldMoviesSplit(ratingsFromFrame(ratings), params);
      break;
    case "predefined":
      if (predefined.length === 0) {
        throw new Error(
          "Cannot make predefined split: no train/test pair given (set split.predefined)",
        );
      }
      split = predefinedSplit(predefined.map((p) => ({
        train: ratingsFromFrame(p.train, `${p.name} train`),
        test: ratingsFromFrame(p.test, `${p.name} test`),
      })));
      break;
  }
  const folds = split.folds.map((f) => ({
    train: ratingsToFrame(selectRows(split.ratings, f.train)),
    test: ratingsToFrame(selectRows(split.ratings, f.test)),
  }));
  const distinct = (ids: Int32Array, rows: Int32Array) => {
    const s = new Set<number>();
    for (const r of rows) s.add(ids[r]!);
    return s.size;
  };
  return {
    folds,
    manifest: {
      kind: params.kind,
      seed: params.seed,
      params,
      totalRatings: split.ratings.rating.length,
      folds: split.folds.map((f, i) => ({
        fold: i + 1,
        ...(params.kind === "predefined" && predefined[i] ? { name: predefined[i]!.name } : {}),
        trainRatings: f.train.length,
        testRatings: f.test.length,
        trainUsers: distinct(split.ratings.userId, f.train),
        testUsers: distinct(split.ratings.userId, f.test),
        coldUsers: f.coldUsers.length,
        coldMovies: f.coldMovies.length,
        coldTestRatings: f.coldTestRows,
        coldUserIds: Array.from(f.coldUsers),
        coldMovieIds: Array.from(f.coldMovies),
      })),
    },
  };
}

/** Names of the predefined splits in a `data/processed/splits` folder (sorted). */
export async function listPredefinedSplits(dir: string): Promise<string[]> {
  const names = new Set<string>();
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = /^(.+)\.base\.parquet$/.exec(e.name);
      if (m) names.add(m[1]!);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return [...names].sort();
}

/**
 * Reads a ratings file in a MovieLens format: `.parquet` with the
 * `ratings.parquet` columns, CSV with a `userId,movieId,rating[,timestamp]`
 * header, `::`-separated `.dat` (ml-1m/10m), or whitespace/tab-separated
 * `user item rating timestamp` (ml-100k `u.data`, `u1.base`, ...).
 */
export async function readRatingsFile(path: string): Promise<pl.DataFrame> {
  const name = basename(path);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot read ratings file ${path}: it does not exist; fix split.predefined`);
    }
    throw e;
  }
  if (extname(name) === ".parquet") return pl.readParquet(Buffer.from(bytes));
  return readRatingsText(new TextDecoder().decode(bytes), { file: `ratings file ${path}` });
}

/** Reads the pairs `params.predefined` names. */
async function _readPredefined(
  params: SplitParams,
  processed: string,
  root: string,
): Promise<NamedPair[]> {
  const p = params.predefined;
  if (p === undefined) return [];
  if (typeof p === "object" && !Array.isArray(p)) {
    return [{
      name: `${basename(p.train)}/${basename(p.test)}`,
      train: await readRatingsFile(resolve(root, p.train)),
      test: await readRatingsFile(resolve(root, p.test)),
    }];
  }
  const names = typeof p === "string" ? [p] : p;
  const dir = join(processed, "splits");
  const available = await listPredefinedSplits(dir);
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `Cannot read predefined split "${unknown[0]}": ${
        available.length > 0
          ? `available splits are ${available.join(", ")}`
          : "this data set ships no predefined splits (ml-100k has u1..u5, ua, ub); use { train, test } file paths or another split kind"
      }`,
    );
  }
  return names.map((name) => ({
    name,
    train: readTable(predefinedBaseTable, processed, { name }),
    test: readTable(predefinedTestTable, processed, { name }),
  }));
}

/** The `split` stage. */
export const splitStage = defineStage({
  name: "split",
  description:
    "seeded train/test split (random, temporal, leave-last-n, kfold, predefined, cold-movies)",
  deps: [processedFolder.path],
  outs: [splitFolder.path],
  params: splitParams,
  code: import.meta.url,
  /** Predefined files outside data/ are part of the cache key through their content. */
  async extraKey(params, root, tools) {
    const p = params.predefined;
    if (
      params.kind !== "predefined" || p === undefined || typeof p === "string" || Array.isArray(p)
    ) {
      return "";
    }
    const h = createHash("sha256");
    for (const path of [p.train, p.test]) {
      try {
        h.update(await tools.hashFile(resolve(root, path)));
      } catch {
        h.update(`missing:${path}`);
      }
    }
    return h.digest("hex");
  },
  async run(ctx) {
    const processed = ctx.inputs[processedFolder.path]!;
    const out = ctx.outputs[splitFolder.path]!;
    const params = ctx.params;
    const predefined = params.kind === "predefined"
      ? await _readPredefined(params, processed, ctx.root)
      : [];
    const ratings = params.kind === "predefined"
      ? pl.DataFrame({ userId: [] })
      : readTable(ratingsTable, processed);
    const result = splitFrame(ratings, params, predefined);
    await Deno.mkdir(out, { recursive: true });
    const first = result.folds[0]!;
    writeTable(trainTable, out, first.train);
    writeTable(testTable, out, first.test);
    if (result.folds.length > 1) {
      for (const [i, fold] of result.folds.entries()) {
        await Deno.mkdir(splitFoldDir(out, i + 1), { recursive: true });
        writeTable(foldTrainTable, out, fold.train, { i: String(i + 1) });
        writeTable(foldTestTable, out, fold.test, { i: String(i + 1) });
      }
    }
    await writeTextAtomic(
      pathIn(splitManifestFile, out),
      JSON.stringify(result.manifest, null, 2) + "\n",
    );
    const f1 = result.manifest.folds[0]!;
    for (const f of result.manifest.folds) {
      ctx.progress.info(
        `fold ${f.fold}${f.name ? ` (${f.name})` : ""}: ${formatCount(f.trainRatings)} train, ${
          formatCount(f.testRatings)
        } test, ${f.coldUsers} test-only users, ${f.coldMovies} test-only movies`,
      );
    }
    return {
      summary: `${params.kind}, ${result.folds.length} fold(s), fold 1: ${
        formatCount(f1.trainRatings)
      } train / ${formatCount(f1.testRatings)} test`,
      metrics: {
        folds: result.folds.length,
        train_ratings: f1.trainRatings,
        test_ratings: f1.testRatings,
        cold_users: f1.coldUsers,
        cold_movies: f1.coldMovies,
      },
    };
  },
});
