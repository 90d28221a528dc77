/**
 * A seeded, MovieLens-shaped synthetic data set for offline use and scale
 * tests: users and movies with latent tastes, Zipf-like movie popularity,
 * ratings on the 0.5..5 half-star scale, titles with years, genre lists.
 *
 * @module
 */
import pl from "nodejs-polars";
import { z } from "zod";
import { Prng } from "../../recommender/prng.ts";

/** Size and shape of the synthetic data set. */
export const syntheticSchema = z.object({
  users: z.number().int().min(1).default(1000),
  movies: z.number().int().min(1).default(2000),
  ratingsPerUser: z.number().int().min(1).default(40),
  factors: z.number().int().min(1).default(8),
  noise: z.number().min(0).default(0.6),
  seed: z.number().int().default(42),
});

/** Parsed synthetic params. */
export type SyntheticParams = z.output<typeof syntheticSchema>;

const GENRES = [
  "Action",
  "Adventure",
  "Animation",
  "Children",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
];

/**
 * Generates ratings and movies frames with the ETL's schema.
 *
 * @example
 * ```ts
 * import { generateSynthetic } from "./synthetic.ts";
 * const { ratings, movies } = generateSynthetic({ users: 5, movies: 20, ratingsPerUser: 4, factors: 2, noise: 0.5, seed: 1 });
 * if (ratings.height !== 20 || movies.height !== 20) throw new Error("wrong size");
 * ```
 */
export function generateSynthetic(
  params: SyntheticParams,
): { ratings: pl.DataFrame; movies: pl.DataFrame } {
  const prng = new Prng(params.seed);
  const random = () => prng.next();
  const gaussian = () => prng.gaussian();
  const { users, movies, factors } = params;
  const perUser = Math.min(params.ratingsPerUser, movies);
  const scale = 1 / Math.sqrt(factors);
  const userF = Float32Array.from({ length: users * factors }, () => gaussian() * scale);
  const movieF = Float32Array.from({ length: movies * factors }, () => gaussian() * scale);
  const movieBias = Float32Array.from({ length: movies }, () => gaussian() * 0.4);
  const userBias = Float32Array.from({ length: users }, () => gaussian() * 0.3);
  // Zipf-like popularity: cumulative weights 1/(rank+10).
  const cumulative = new Float64Array(movies);
  let total = 0;
  for (let m = 0; m < movies; m++) cumulative[m] = total += 1 / (m + 10);
  const pick = () => {
    const x = random() * total;
    let lo = 0, hi = movies - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const n = users * perUser;
  const userId = new Int32Array(n), movieId = new Int32Array(n), rating = new Float32Array(n);
  const timestamp = new Float64Array(n);
  const start = 946684800; // 2000-01-01
  let row = 0;
  const chosen = new Set<number>();
  for (let u = 0; u < users; u++) {
    chosen.clear();
    while (chosen.size < perUser) chosen.add(pick());
    let t = start + Math.floor(random() * 20 * 365 * 86400);
    for (const m of chosen) {
      let dot = 0;
      for (let f = 0; f < factors; f++) dot += userF[u * factors + f]! * movieF[m * factors + f]!;
      const raw = 3.5 + userBias[u]! + movieBias[m]! + 1.5 * dot + params.noise * gaussian();
      userId[row] = u + 1;
      movieId[row] = m + 1;
      rating[row] = Math.min(5, Math.max(0.5, Math.round(raw * 2) / 2));
      t += Math.floor(random() * 86400 * 3);
      timestamp[row] = t;
      row++;
    }
  }
  const titles: string[] = [], years: number[] = [], genres: string[][] = [];
  for (let m = 0; m < movies; m++) {
    const year = 1950 + Math.floor(random() * 70);
    titles.push(`Synthetic Movie ${m + 1} (${year})`);
    years.push(year);
    const g = new Set<string>();
    const count = 1 + Math.floor(random() * 3);
    while (g.size < count) g.add(GENRES[Math.floor(random() * GENRES.length)]!);
    genres.push([...g].sort());
  }
  return {
    ratings: pl.DataFrame({
      userId: pl.Series("userId", userId, pl.Int32),
      movieId: pl.Series("movieId", movieId, pl.Int32),
      rating: pl.Series("rating", rating, pl.Float32),
      timestamp: pl.Series("timestamp", timestamp).cast(pl.Int64),
    }),
    movies: pl.DataFrame({
      movieId: pl.Series("movieId", Int32Array.from({ length: movies }, (_, i) => i + 1), pl.Int32),
      title: pl.Series("title", titles, pl.Utf8),
      year: pl.Series("year", years, pl.Int32),
      genres: pl.Series("genres", genres, pl.List(pl.Utf8)),
    }),
  };
}
