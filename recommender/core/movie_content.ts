/**
 * Movie content for the models that read it (`hybrid`): one sparse feature
 * row per movie built from the features stage's columns (genre multi-hot,
 * tag counts, release year), and the small interface through which a model
 * receives it before `fit` (the train stage hands it to every model that
 * {@linkcode acceptsContent}).
 *
 * Features per movie: one per genre (1 when the movie has it), the release
 * year as `(year - 1990) / 20` and its square (0 with a `year_unknown` flag
 * when the title has no year), `log1p(tag applications) / 3` and
 * `log1p(distinct taggers) / 3`. No feature is derived from ratings, so the
 * content of a movie held out of training carries nothing of its ratings.
 *
 * @module
 */

/** Content rows of movies, in CSR layout over feature indices. */
export interface MovieContent {
  /** Movie ids, strictly ascending; row `r` belongs to `movieIds[r]`. */
  readonly movieIds: Int32Array;
  /** Feature names, one per column. */
  readonly features: readonly string[];
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** The columns {@linkcode movieContent} reads (as the features stage writes them). */
export interface MovieContentColumns {
  readonly movieId: ArrayLike<number>;
  /** `genre_<name>` -> 0/1 per movie (the `movie_genres.parquet` columns). */
  readonly genres: Readonly<Record<string, ArrayLike<number>>>;
  /** Tag applications per movie; absent: no tag features. */
  readonly tagCount?: ArrayLike<number>;
  /** Distinct users who tagged it. */
  readonly tagUsers?: ArrayLike<number>;
  /** Release year per movie (null or NaN when unknown); absent: no year features. */
  readonly releaseYear?: ArrayLike<number | null>;
}

/**
 * Builds the content rows (the features of the module doc). Rows are sorted
 * by movie id; a repeated movie id is an error.
 *
 * @example
 * ```ts
 * import { movieContent } from "./movie_content.ts";
 * const c = movieContent({
 *   movieId: [20, 10],
 *   genres: { genre_drama: [1, 0], genre_comedy: [0, 1] },
 *   releaseYear: [1990, null],
 * });
 * if (c.movieIds.join() !== "10,20" || c.features.length !== 5) throw new Error();
 * ```
 */
export function movieContent(columns: MovieContentColumns): MovieContent {
  const n = columns.movieId.length;
  const genreNames = Object.keys(columns.genres).filter((g) => g !== "genre_count").sort();
  const features = [...genreNames];
  const hasYear = columns.releaseYear !== undefined;
  if (hasYear) features.push("year", "year_squared", "year_unknown");
  const hasTags = columns.tagCount !== undefined;
  if (hasTags) features.push("log_tag_count", "log_tag_users");
  for (
    const [name, col] of [
      ["tagCount", columns.tagCount],
      ["tagUsers", columns.tagUsers],
      ["releaseYear", columns.releaseYear],
      ...genreNames.map((g) => [g, columns.genres[g]] as const),
    ] as const
  ) {
    if (col !== undefined && col.length !== n) {
      throw new RangeError(
        `Cannot build movie content: column "${name}" has ${col.length} rows, expected ${n} (one per movieId)`,
      );
    }
  }
  const order = Array.from({ length: n }, (_, r) => r).sort((a, b) =>
    columns.movieId[a]! - columns.movieId[b]!
  );
  const movieIds = new Int32Array(n);
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [], val: number[] = [];
  order.forEach((r, row) => {
    movieIds[row] = columns.movieId[r]!;
    if (row > 0 && movieIds[row] === movieIds[row - 1]) {
      throw new RangeError(
        `Cannot build movie content: movie ${movieIds[row]} appears twice; give one row per movie`,
      );
    }
    genreNames.forEach((g, f) => {
      if (Number(columns.genres[g]![r]) > 0) {
        idx.push(f);
        val.push(1);
      }
    });
    let f = genreNames.length;
    if (hasYear) {
      const y = columns.releaseYear![r];
      if (y === null || y === undefined || !Number.isFinite(y)) {
        idx.push(f + 2);
        val.push(1);
      } else {
        const x = (y - 1990) / 20;
        idx.push(f, f + 1);
        val.push(x, x * x);
      }
      f += 3;
    }
    if (hasTags) {
      const tc = Number(columns.tagCount![r] ?? 0), tu = Number(columns.tagUsers?.[r] ?? 0);
      if (tc > 0) {
        idx.push(f, f + 1);
        val.push(Math.log1p(tc) / 3, Math.log1p(tu) / 3);
      }
    }
    indptr[row + 1] = idx.length;
  });
  return {
    movieIds,
    features,
    indptr,
    indices: Int32Array.from(idx),
    values: Float32Array.from(val),
  };
}

/** A model that reads movie content: the train stage calls `useContent` before `fit`. */
export interface ContentAware {
  /** Gives the model the content rows it fits with (replaces earlier content). */
  useContent(content: MovieContent): void;
}

/** True when the model reads movie content. */
export function acceptsContent<T extends object>(model: T): model is T & ContentAware {
  return typeof (model as Partial<ContentAware>).useContent === "function";
}
