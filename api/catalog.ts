/**
 * The movie catalog the API answers with: id, title, year and genres of every
 * movie, indexed for O(1) lookup by id, case-insensitive genre names, and a
 * title search over pre-normalized titles.
 *
 * @module
 */

/** A movie as the API returns it. */
export interface Movie {
  readonly movieId: number;
  readonly title: string | null;
  readonly year: number | null;
  readonly genres: readonly string[];
}

/** Plain columns a catalog is built from (e.g. read from `movies.parquet`). */
export interface CatalogColumns {
  readonly movieId: ArrayLike<number>;
  readonly title: ArrayLike<string | null>;
  readonly year: ArrayLike<number | null>;
  readonly genres: ArrayLike<readonly string[] | null>;
}

/** Largest id for which a dense id -> row table is used instead of a Map. */
const _DENSE_LIMIT = 16_000_000;

/** Lower case, accents removed, runs of non-alphanumerics collapsed to one space. */
export function normalizeTitle(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** An immutable, indexed movie catalog. */
export class Catalog {
  /** Movies in ascending id order. */
  readonly movies: readonly Movie[];
  /** Genre names as spelled in the data, sorted. */
  readonly genreNames: readonly string[];
  readonly #dense: Int32Array | null;
  readonly #map: Map<number, number> | null;
  readonly #genreByKey: Map<string, string>;
  readonly #titleKeys: string[];
  #fragments: string[] | null = null;

  private constructor(movies: Movie[]) {
    this.movies = movies;
    let maxId = 0;
    const genres = new Set<string>();
    for (const m of movies) {
      if (m.movieId > maxId) maxId = m.movieId;
      for (const g of m.genres) genres.add(g);
    }
    if (maxId <= _DENSE_LIMIT) {
      this.#dense = new Int32Array(maxId + 1).fill(-1);
      this.#map = null;
      for (let r = 0; r < movies.length; r++) this.#dense[movies[r]!.movieId] = r;
    } else {
      this.#dense = null;
      this.#map = new Map(movies.map((m, r) => [m.movieId, r]));
    }
    this.genreNames = [...genres].sort();
    this.#genreByKey = new Map(this.genreNames.map((g) => [g.toLowerCase(), g]));
    this.#titleKeys = movies.map((m) => normalizeTitle(m.title ?? ""));
  }

  /** Builds a catalog from columns; duplicate ids keep the first row. */
  static fromColumns(columns: CatalogColumns): Catalog {
    const n = columns.movieId.length;
    const seen = new Set<number>();
    const movies: Movie[] = [];
    for (let r = 0; r < n; r++) {
      const id = columns.movieId[r]!;
      if (!Number.isInteger(id) || id < 0 || seen.has(id)) continue;
      seen.add(id);
      const year = columns.year[r];
      movies.push(Object.freeze({
        movieId: id,
        title: columns.title[r] ?? null,
        year: typeof year === "number" && Number.isFinite(year) ? year : null,
        genres: Object.freeze(
          (columns.genres[r] ?? []).filter((g) => g !== "(no genres listed)" && g !== ""),
        ),
      }));
    }
    movies.sort((a, b) => a.movieId - b.movieId);
    return new Catalog(movies);
  }

  /** Number of movies. */
  get size(): number {
    return this.movies.length;
  }

  /** Row of a movie id, or -1. */
  rowOf(movieId: number): number {
    if (this.#dense) {
      return movieId >= 0 && movieId < this.#dense.length ? this.#dense[movieId]! : -1;
    }
    return this.#map!.get(movieId) ?? -1;
  }

  /** The movie with that id, or null. */
  get(movieId: number): Movie | null {
    const r = this.rowOf(movieId);
    return r < 0 ? null : this.movies[r]!;
  }

  /**
   * The movie as a JSON object without its closing brace, ready for a
   * trailing field: `{"movieId":1,"title":"Toy Story (1995)","year":1995,"genres":[...]`.
   * Serialized once per movie (on first use), so ranked answers are joined, not re-built.
   *
   * @example
   * ```ts
   * import { Catalog } from "./catalog.ts";
   * const c = Catalog.fromColumns({ movieId: [1], title: ["Heat"], year: [1995], genres: [["Crime"]] });
   * const json = c.fragment(1) + ',"score":4.5}';
   * if (JSON.parse(json).title !== "Heat") throw new Error("expected Heat");
   * ```
   */
  fragment(movieId: number): string {
    const r = this.rowOf(movieId);
    if (r < 0) return `{"movieId":${movieId},"title":null,"year":null,"genres":[]`;
    const all = this.#fragments ??= new Array(this.movies.length);
    let f = all[r];
    if (f === undefined) {
      const m = this.movies[r]!;
      f = all[r] = `{"movieId":${m.movieId},"title":${JSON.stringify(m.title)},"year":${
        JSON.stringify(m.year)
      },"genres":${JSON.stringify(m.genres)}`;
    }
    return f;
  }

  /** The catalog's spelling of a genre name given in any case, or null. */
  genre(name: string): string | null {
    return this.#genreByKey.get(name.trim().toLowerCase()) ?? null;
  }

  /**
   * Movies whose normalized title contains the normalized query: titles that
   * start with it first, then by id. `total` counts all matches.
   */
  search(query: string, limit: number): { items: Movie[]; total: number } {
    const q = normalizeTitle(query);
    if (q === "") return { items: this.movies.slice(0, limit), total: this.movies.length };
    const prefix: Movie[] = [];
    const inner: Movie[] = [];
    let total = 0;
    for (let r = 0; r < this.movies.length; r++) {
      const key = this.#titleKeys[r]!;
      const at = key.indexOf(q);
      if (at < 0) continue;
      total++;
      if (at === 0) {
        if (prefix.length < limit) prefix.push(this.movies[r]!);
      } else if (inner.length < limit) inner.push(this.movies[r]!);
    }
    return { items: prefix.concat(inner).slice(0, limit), total };
  }
}
