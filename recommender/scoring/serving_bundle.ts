/**
 * The serving bundle: everything a replica serves a model with besides the
 * model file itself, packed next to it so that `models:/NAME@ALIAS` downloads
 * a self-contained model (no `data/` folder on the replica). Pure: bytes in,
 * bytes out, no files read.
 *
 * A bundle is the folder `serving/` of the model's artifact folder:
 *
 * | file           | holds                                                                                   |
 * | -------------- | --------------------------------------------------------------------------------------- |
 * | `bundle.json`  | {@linkcode ServingBundleManifest}: which model it belongs to, the data hashes, the files |
 * | `seen.bin.gz`  | the seen-items CSR (gzip): user ids, row pointers, movie-id deltas, ratings              |
 * | `popular.bin`  | the popular list in rank order: movie ids, weighted ratings, votes, means               |
 * | `movies.json.gz` | the catalog slice the API shows (movieId, title, year, genres), gzip               |
 *
 * The data hashes, precisely:
 * - `model.dataSha256`: the sha256 of the model's `model.bin` (its manifest's `dataSha256`): the
 *   bundle belongs to exactly that model file;
 * - `model.trainDataHash`: the model's own `trainDataHash`, {@linkcode hashRatings} of the exact
 *   ratings it was fit on (with `train.refit: false` that is the training ratings minus the
 *   validation holdout, not the split's `train.parquet`);
 * - `data.fitOn` / `data.fitRatingsHash`: which ratings those were, as the builder checked them
 *   against the model (`train`, or `train-minus-holdout`);
 * - `data.seenRatingsHash`: {@linkcode hashRatings} of the split's training ratings as read (the
 *   "already seen" sets the evaluate stage leaves out, and the server too);
 * - `files[*].sha256`: each piece's bytes, checked after download.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "fflate";
import { z } from "zod";
import type { ModelManifest } from "../core/model.ts";
import { hashRatings, type Ratings } from "../core/ratings.ts";
import type { PopularList } from "./popular_list.ts";

/** Folder of the bundle inside a model's artifact folder. */
export const SERVING_DIR = "serving";
/** The bundle's manifest file. */
export const BUNDLE_FILE = "bundle.json";

const _sha = z.string().regex(/^[0-9a-f]{64}$/);
const _file = z.strictObject({ bytes: z.number().int().nonnegative(), sha256: _sha });

/** The bundle's manifest (`serving/bundle.json`), validated on load. */
export const servingBundleManifest = z.strictObject({
  format: z.literal("movierec-serving-bundle"),
  formatVersion: z.literal(1),
  model: z.strictObject({
    name: z.string().min(1),
    dataSha256: _sha,
    trainDataHash: z.string().nullable(),
  }),
  data: z.strictObject({
    fitOn: z.enum(["train", "train-minus-holdout", "unknown"]),
    fitRatingsHash: z.string().nullable(),
    seenRatingsHash: _sha,
    /** sha256 of the MovieLens zip the pipeline read (its `processed/summary.json`), when known. */
    datasetSha256: z.string().nullable(),
  }),
  ratingScale: z.tuple([z.number(), z.number()]),
  seen: z.strictObject({
    users: z.number().int().nonnegative(),
    ratings: z.number().int().nonnegative(),
    ratingCoding: z.enum(["half-steps-uint8", "float32"]),
  }),
  popular: z.strictObject({
    entries: z.number().int().nonnegative(),
    m: z.number().nullable(),
    globalMean: z.number().nullable(),
  }),
  catalog: z.strictObject({ movies: z.number().int().nonnegative() }),
  files: z.strictObject({
    "seen.bin.gz": _file,
    "popular.bin": _file,
    "movies.json.gz": _file,
  }),
});

/** Parsed `serving/bundle.json`. */
export type ServingBundleManifest = z.output<typeof servingBundleManifest>;

/** The names of the bundle's data files. */
export type BundleFileName = keyof ServingBundleManifest["files"];

/** The bundle's data file names, in the order they are written. */
export const BUNDLE_DATA_FILES: readonly BundleFileName[] = [
  "seen.bin.gz",
  "popular.bin",
  "movies.json.gz",
];

/** The catalog slice the API shows, as plain columns. */
export interface CatalogSlice {
  readonly movieId: ArrayLike<number>;
  readonly title: ArrayLike<string | null>;
  readonly year: ArrayLike<number | null>;
  readonly genres: ArrayLike<readonly string[] | null>;
}

/** The popular list as its saved arrays, in rank order (`PopularList.fromArrays`). */
export type PopularArrays = Pick<
  PopularList,
  "movieIds" | "scores" | "votes" | "means" | "m" | "globalMean"
>;

/** What {@linkcode encodeServingBundle} packs. */
export interface ServingBundleInput {
  /** The model's manifest (the bundle is bound to its `dataSha256` and `trainDataHash`). */
  readonly model: ModelManifest;
  /** The split's training ratings: each user's already-seen movies, with the ratings. */
  readonly seen: Ratings;
  /** Which ratings the model was fit on, and their {@linkcode hashRatings}. */
  readonly fit: { readonly on: "train" | "train-minus-holdout"; readonly hash: string } | null;
  readonly catalog: CatalogSlice;
  readonly popular: PopularArrays;
  readonly datasetSha256?: string | null;
}

/** A packed bundle: the manifest and the data files by name. */
export interface ServingBundle {
  readonly manifest: ServingBundleManifest;
  readonly files: Readonly<Record<BundleFileName, Uint8Array>>;
}

function _sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function _bytes(a: Int32Array | Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function _concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Row of each id in `sorted` (ascending unique ids): a dense table when ids are small, else a map. */
function _rows(sorted: Int32Array): (id: number) => number {
  const max = sorted.length > 0 ? sorted[sorted.length - 1]! : 0;
  if (sorted.length > 0 && sorted[0]! >= 0 && max <= 16_000_000) {
    const t = new Int32Array(max + 1);
    for (let r = 0; r < sorted.length; r++) t[sorted[r]!] = r;
    return (id) => t[id]!;
  }
  const m = new Map<number, number>();
  for (let r = 0; r < sorted.length; r++) m.set(sorted[r]!, r);
  return (id) => m.get(id)!;
}

/**
 * The ratings as a CSR sorted by user, then movie: user ids, row pointers,
 * movie ids, ratings. O(ratings): bucketed by movie first, then each movie's
 * ratings appended to their users' rows in movie order (no comparison sort).
 */
function _csr(r: Ratings) {
  const n = r.rating.length;
  const users = Int32Array.from(new Set(r.userId)).sort();
  const movieIds = Int32Array.from(new Set(r.movieId)).sort();
  const userRow = _rows(users), movieRow = _rows(movieIds);
  const ptr = new Int32Array(users.length + 1);
  const byMoviePtr = new Int32Array(movieIds.length + 1);
  const uRow = new Int32Array(n), mRow = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    uRow[e] = userRow(r.userId[e]!);
    mRow[e] = movieRow(r.movieId[e]!);
    ptr[uRow[e]! + 1]!++;
    byMoviePtr[mRow[e]! + 1]!++;
  }
  for (let u = 0; u < users.length; u++) ptr[u + 1]! += ptr[u]!;
  for (let i = 0; i < movieIds.length; i++) byMoviePtr[i + 1]! += byMoviePtr[i]!;
  const byMovie = new Int32Array(n);
  const movieFill = byMoviePtr.slice(0, movieIds.length);
  for (let e = 0; e < n; e++) byMovie[movieFill[mRow[e]!]!++] = e;
  const movies = new Int32Array(n), ratings = new Float32Array(n);
  const fill = ptr.slice(0, users.length);
  for (let x = 0; x < n; x++) {
    const e = byMovie[x]!;
    const at = fill[uRow[e]!]!++;
    movies[at] = r.movieId[e]!;
    ratings[at] = r.rating[e]!;
  }
  return { users, ptr, movies, ratings };
}

/** The model-independent part of a bundle: the packed pieces, shared by every model of one run. */
export interface PackedServingData {
  readonly files: Readonly<Record<BundleFileName, Uint8Array>>;
  readonly seenRatingsHash: string;
  readonly datasetSha256: string | null;
  readonly seen: ServingBundleManifest["seen"];
  readonly popular: ServingBundleManifest["popular"];
  readonly catalog: ServingBundleManifest["catalog"];
}

/** Packs the pieces (seen CSR, popular list, catalog slice); {@linkcode bindServingBundle} names the model. */
export function packServingData(
  input: Pick<ServingBundleInput, "seen" | "catalog" | "popular" | "datasetSha256">,
): PackedServingData {
  const csr = _csr(input.seen);
  const n = csr.movies.length;
  const deltas = new Int32Array(n);
  for (let u = 0; u + 1 < csr.ptr.length; u++) {
    let prev = 0;
    for (let j = csr.ptr[u]!; j < csr.ptr[u + 1]!; j++) {
      deltas[j] = csr.movies[j]! - prev;
      prev = csr.movies[j]!;
    }
  }
  let halfSteps = true;
  const codes = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    const c = csr.ratings[j]! * 2;
    if (!(Number.isInteger(c) && c >= 0 && c <= 255)) {
      halfSteps = false;
      break;
    }
    codes[j] = c;
  }
  const seenRaw = _concat([
    _bytes(csr.users),
    _bytes(csr.ptr),
    _bytes(deltas),
    halfSteps ? codes : _bytes(csr.ratings),
  ]);
  const p = input.popular;
  const k = p.movieIds.length;
  if (p.scores.length !== k || p.votes.length !== k || p.means.length !== k) {
    throw new RangeError(`Cannot build the serving bundle: the popular list's columns differ`);
  }
  const popular = _concat([_bytes(p.movieIds), _bytes(p.scores), _bytes(p.votes), _bytes(p.means)]);
  const c = input.catalog;
  const movies = new TextEncoder().encode(JSON.stringify({
    movieId: Array.from(c.movieId),
    title: Array.from(c.title),
    year: Array.from(c.year),
    genres: Array.from(c.genres, (g) => g ? [...g] : null),
  }));
  return {
    files: {
      // mtime 0 in the header: the same pieces are the same bytes. Level 1: 4x faster than 6 for
      // 8% more bytes (bench/serving_bundle.ts).
      "seen.bin.gz": gzipSync(seenRaw, { level: 1, mtime: 0 }),
      "popular.bin": popular,
      "movies.json.gz": gzipSync(movies, { level: 6, mtime: 0 }),
    },
    seenRatingsHash: hashRatings(input.seen),
    datasetSha256: input.datasetSha256 ?? null,
    seen: {
      users: csr.users.length,
      ratings: n,
      ratingCoding: halfSteps ? "half-steps-uint8" : "float32",
    },
    popular: {
      entries: k,
      m: Number.isFinite(p.m) ? p.m : null,
      globalMean: Number.isFinite(p.globalMean) ? p.globalMean : null,
    },
    catalog: { movies: c.movieId.length },
  };
}

/**
 * Binds packed pieces to one model: the bundle's manifest names its model
 * file and training-data hash. Throws when `fit.hash` is not the model's own
 * training-data hash (the pieces would be from another run).
 */
export function bindServingBundle(
  packed: PackedServingData,
  model: ModelManifest,
  fit: ServingBundleInput["fit"],
): ServingBundle {
  const trainDataHash = model.trainDataHash ?? null;
  if (fit && trainDataHash !== null && fit.hash !== trainDataHash) {
    throw new Error(
      `Cannot build the serving bundle of ${model.model}: it was fit on other ratings (data hash ${
        trainDataHash.slice(0, 12)
      }...) than the split's training ratings${
        fit.on === "train-minus-holdout" ? " minus the validation holdout" : ""
      } (${fit.hash.slice(0, 12)}...): re-run the pipeline from the train stage`,
    );
  }
  const entry = (b: Uint8Array) => ({ bytes: b.length, sha256: _sha256(b) });
  const f = packed.files;
  const manifest: ServingBundleManifest = {
    format: "movierec-serving-bundle",
    formatVersion: 1,
    model: { name: model.model, dataSha256: model.dataSha256, trainDataHash },
    data: {
      fitOn: fit?.on ?? "unknown",
      fitRatingsHash: fit?.hash ?? null,
      seenRatingsHash: packed.seenRatingsHash,
      datasetSha256: packed.datasetSha256,
    },
    ratingScale: [model.ratingScale[0], model.ratingScale[1]],
    seen: packed.seen,
    popular: packed.popular,
    catalog: packed.catalog,
    files: {
      "seen.bin.gz": entry(f["seen.bin.gz"]),
      "popular.bin": entry(f["popular.bin"]),
      "movies.json.gz": entry(f["movies.json.gz"]),
    },
  };
  return { manifest, files: f };
}

/**
 * Packs a model's serving pieces. Throws when `fit.hash` is not the model's
 * own training-data hash (the pieces would be from another run).
 *
 * @example
 * ```ts
 * import { decodeServingBundle, encodeServingBundle } from "./serving_bundle.ts";
 * import { hashRatings, ratingsFromColumns } from "../core/ratings.ts";
 * const seen = ratingsFromColumns({ userId: [2, 1, 1], movieId: [5, 9, 5], rating: [4, 3.5, 5] });
 * const model = { dataSha256: "a".repeat(64), trainDataHash: hashRatings(seen), model: "m", ratingScale: [0.5, 5] } as never;
 * const b = encodeServingBundle({
 *   model, seen, fit: { on: "train", hash: hashRatings(seen) },
 *   catalog: { movieId: [5, 9], title: ["A", "B"], year: [null, 1999], genres: [["Drama"], []] },
 *   popular: { movieIds: Int32Array.of(5), scores: Float32Array.of(4), votes: Int32Array.of(2), means: Float32Array.of(4.5), m: 1, globalMean: 4 },
 * });
 * const back = decodeServingBundle(b.manifest, b.files, model, "here");
 * if (back.seen.movieId.join() !== "5,9,5" || back.seen.rating[1] !== 3.5) throw new Error();
 * ```
 */
export function encodeServingBundle(input: ServingBundleInput): ServingBundle {
  return bindServingBundle(packServingData(input), input.model, input.fit);
}

/** Parses `bundle.json`; throws naming `where` when it is not a serving bundle manifest. */
export function parseBundleManifest(bytes: Uint8Array, where: string): ServingBundleManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new Error(
      `Cannot read the serving bundle: ${where} is not JSON: ${(err as Error).message}`,
    );
  }
  const r = servingBundleManifest.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(
      `Cannot read the serving bundle: ${where}: ${
        issue.path.join(".") || "(root)"
      }: ${issue.message}: re-log the model with the current track step`,
    );
  }
  return r.data;
}

/** What a bundle unpacks to. */
export interface ServingPieces {
  /** The seen ratings in CSR order (user, then movie); timestamps are 0. */
  readonly seen: Ratings;
  readonly catalog: CatalogSlice;
  readonly popular: PopularArrays;
}

/**
 * Checks the bundle against the model it is served with and unpacks it.
 * Refuses (throws, naming `where` and what to fix) a bundle of another model
 * file, of another training-data hash or rating scale, and any piece whose
 * bytes do not match the bundle's sha256.
 */
export function decodeServingBundle(
  manifest: ServingBundleManifest,
  files: Readonly<Record<BundleFileName, Uint8Array>>,
  model: ModelManifest,
  where: string,
): ServingPieces {
  const fix = "log the model and its serving/ folder together (re-run the pipeline's track step)";
  if (manifest.model.dataSha256 !== model.dataSha256) {
    throw new Error(
      `Cannot serve ${where}: its serving bundle belongs to another model file (model.bin sha256 ${
        model.dataSha256.slice(0, 12)
      }..., the bundle names ${manifest.model.dataSha256.slice(0, 12)}...): ${fix}`,
    );
  }
  const want = model.trainDataHash ?? null;
  if (manifest.model.trainDataHash !== want) {
    throw new Error(
      `Cannot serve ${where}: its serving bundle was built for training data hash ${
        String(manifest.model.trainDataHash).slice(0, 12)
      }..., the model's is ${String(want).slice(0, 12)}...: ${fix}`,
    );
  }
  if (
    want !== null && manifest.data.fitRatingsHash !== null && manifest.data.fitRatingsHash !== want
  ) {
    throw new Error(
      `Cannot serve ${where}: the serving bundle's ratings (data hash ${
        manifest.data.fitRatingsHash.slice(0, 12)
      }...) are not the ones the model was fit on (${want.slice(0, 12)}...): ${fix}`,
    );
  }
  const [lo, hi] = model.ratingScale;
  if (manifest.ratingScale[0] !== lo || manifest.ratingScale[1] !== hi) {
    throw new Error(
      `Cannot serve ${where}: the serving bundle's rating scale ${
        manifest.ratingScale.join("-")
      } is not the model's ${lo}-${hi}: ${fix}`,
    );
  }
  for (const name of BUNDLE_DATA_FILES) {
    const bytes = files[name];
    const sha = _sha256(bytes);
    if (sha !== manifest.files[name].sha256) {
      throw new Error(
        `Cannot serve ${where}: serving/${name} (sha256 ${
          sha.slice(0, 12)
        }...) does not match its bundle (${
          manifest.files[name].sha256.slice(0, 12)
        }...): the download is incomplete or the piece is from another run: ${fix}`,
      );
    }
  }
  // Seen CSR.
  const raw = gunzipSync(files["seen.bin.gz"]);
  const nU = manifest.seen.users, n = manifest.seen.ratings;
  const half = manifest.seen.ratingCoding === "half-steps-uint8";
  const expect = 4 * (nU + nU + 1 + n) + (half ? n : 4 * n);
  if (raw.length !== expect) {
    throw new Error(
      `Cannot serve ${where}: serving/seen.bin.gz holds ${raw.length} bytes, its bundle says ${expect}: ${fix}`,
    );
  }
  const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  const users = new Int32Array(buf, 0, nU);
  const ptr = new Int32Array(buf, 4 * nU, nU + 1);
  const deltas = new Int32Array(buf, 4 * (2 * nU + 1), n);
  const at = 4 * (2 * nU + 1 + n);
  const userId = new Int32Array(n), movieId = new Int32Array(n), rating = new Float32Array(n);
  if (half) {
    const codes = new Uint8Array(buf, at, n);
    for (let j = 0; j < n; j++) rating[j] = codes[j]! / 2;
  } else rating.set(new Float32Array(buf, at, n));
  for (let u = 0; u < nU; u++) {
    let prev = 0;
    for (let j = ptr[u]!; j < ptr[u + 1]!; j++) {
      userId[j] = users[u]!;
      prev += deltas[j]!;
      movieId[j] = prev;
    }
  }
  if (ptr[nU] !== n) {
    throw new Error(`Cannot serve ${where}: serving/seen.bin.gz has broken row pointers: ${fix}`);
  }
  // Popular list.
  const k = manifest.popular.entries;
  const pop = files["popular.bin"];
  if (pop.length !== 16 * k) {
    throw new Error(
      `Cannot serve ${where}: serving/popular.bin holds ${pop.length} bytes, its bundle says ${
        16 * k
      }: ${fix}`,
    );
  }
  const pbuf = pop.buffer.slice(pop.byteOffset, pop.byteOffset + pop.byteLength);
  const popular: PopularArrays = {
    movieIds: new Int32Array(pbuf, 0, k),
    scores: new Float32Array(pbuf, 4 * k, k),
    votes: new Int32Array(pbuf, 8 * k, k),
    means: new Float32Array(pbuf, 12 * k, k),
    m: manifest.popular.m ?? NaN,
    globalMean: manifest.popular.globalMean ?? NaN,
  };
  // Catalog slice.
  const catalog = JSON.parse(new TextDecoder().decode(gunzipSync(files["movies.json.gz"]))) as {
    movieId: number[];
    title: (string | null)[];
    year: (number | null)[];
    genres: (string[] | null)[];
  };
  const m = manifest.catalog.movies;
  if (
    ![catalog.movieId, catalog.title, catalog.year, catalog.genres].every((c) =>
      Array.isArray(c) && c.length === m
    )
  ) {
    throw new Error(
      `Cannot serve ${where}: serving/movies.json.gz does not hold ${m} movies in four columns: ${fix}`,
    );
  }
  return {
    seen: { userId, movieId, rating, timestamp: new Float64Array(n) },
    catalog,
    popular,
  };
}
