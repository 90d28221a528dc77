/**
 * A seeded synthetic data set shaped like MovieLens, for scale tests and
 * offline use: the marginals of ml-latest-small, a planted low-rank taste
 * structure, and any size.
 *
 * - Movie popularity: Zipf-like weights over popularity ranks, and the ranks
 *   shuffled over movie ids, so popularity says nothing about the id (a model
 *   that breaks ties by id gains nothing).
 * - User activity: a long tail (lognormal weights above a floor, like
 *   MovieLens' 20-rating minimum) scaled so that the total is exactly
 *   `users x ratingsPerUser`.
 * - Ratings: `3.5 + user bias + movie bias + 1.5 p.q + noise`, with popular
 *   movies rated a little higher, mapped by quantiles onto MovieLens'
 *   half-star histogram (whole stars more common than half stars).
 * - Timestamps over 1996-2018: each user starts at a random time and rates in
 *   bursts (most ratings in the first days, a tail over months or years).
 * - Genres tied to tastes: each genre is a direction in the taste space and a
 *   movie gets the one to three genres its factors point to most.
 *
 * Good for: the cost of every stage at any size (etl -> evaluate at 25M),
 * and relative comparisons where the planted structure is what matters. Not
 * for: quality claims about models on real data; the taste structure is
 * low-rank plus noise by construction, so the factor models fit it better
 * than they fit MovieLens.
 *
 * @module
 */
import pl from "nodejs-polars";
import { z } from "zod";
import { Prng } from "../../recommender/core/prng.ts";

/** Size and shape of the synthetic data set. */
export const syntheticSchema = z.object({
  users: z.number().int().min(1).default(1000),
  movies: z.number().int().min(1).default(2000),
  /** Mean ratings per user; the total is exactly `users x ratingsPerUser`. */
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

/** Shares of 0.5, 1, ..., 5 stars in ml-latest-small (100,836 ratings). */
export const MOVIELENS_RATING_SHARES: readonly number[] = [
  0.0136,
  0.0279,
  0.0178,
  0.0749,
  0.055,
  0.1988,
  0.1303,
  0.266,
  0.0848,
  0.131,
];

const FIRST_TIME = 828_000_000; // 1996-03-28
const LAST_TIME = 1_537_800_000; // 2018-09-24
const DAY = 86_400;
const POP_OFFSET = 20, POP_EXPONENT = 1.3;

/** Ratings per user: a floor plus lognormal weights, summing to exactly `total`, each at most `cap`. */
function userActivity(prng: Prng, options: { users: number; total: number; cap: number }) {
  const { users, total, cap } = options;
  const mean = total / users;
  const floor = Math.max(1, Math.min(Math.floor(mean), Math.round(mean * 0.12)));
  const weights = new Float64Array(users);
  let sum = 0;
  for (let u = 0; u < users; u++) sum += weights[u] = Math.exp(1.4 * prng.gaussian());
  const counts = new Int32Array(users);
  let left = total;
  const extra = total - floor * users;
  for (let u = 0; u < users; u++) {
    const n = Math.min(cap, floor + Math.floor((extra * weights[u]!) / sum));
    counts[u] = n;
    left -= n;
  }
  // Rounding and the cap leave a remainder: spread it over users with room, in a seeded order.
  const order = prng.shuffle(Int32Array.from({ length: users }, (_, u) => u));
  for (let pass = 0; left > 0 && pass < 1_000_000; pass++) {
    let moved = false;
    for (let j = 0; j < users && left > 0; j++) {
      const u = order[j]!;
      if (counts[u]! < cap) {
        counts[u]!++;
        left--;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return counts;
}

/** Thresholds on raw scores so that `shares` of the sample fall in each rating bin. */
function quantileThresholds(sample: Float32Array, shares: readonly number[]): Float64Array {
  const sorted = sample.slice().sort();
  const out = new Float64Array(shares.length - 1);
  let cumulative = 0;
  for (let b = 0; b < out.length; b++) {
    cumulative += shares[b]!;
    const at = Math.min(sorted.length - 1, Math.max(0, Math.floor(cumulative * sorted.length)));
    out[b] = sorted[at] ?? 0;
  }
  return out;
}

/**
 * Generates ratings and movies frames with the ETL's schema: exactly
 * `users x ratingsPerUser` ratings (fewer only when a user would need more
 * movies than half the catalog), ids from 1.
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
  const scale = 1 / Math.sqrt(factors);
  const userF = Float32Array.from({ length: users * factors }, () => gaussian() * scale);
  const movieF = Float32Array.from({ length: movies * factors }, () => gaussian() * scale);
  const userBias = Float32Array.from({ length: users }, () => gaussian() * 0.3);

  // Popularity: Zipf-like weights by rank; rank -> movie index shuffled (independent of ids).
  const byRank = prng.shuffle(Int32Array.from({ length: movies }, (_, m) => m));
  const cumulative = new Float64Array(movies);
  const logWeight = new Float64Array(movies);
  let total = 0;
  for (let rank = 0; rank < movies; rank++) {
    const w = 1 / Math.pow(rank + POP_OFFSET, POP_EXPONENT);
    cumulative[rank] = total += w;
    logWeight[byRank[rank]!] = Math.log(w);
  }
  let lwMean = 0, lwSq = 0;
  for (let m = 0; m < movies; m++) lwMean += logWeight[m]! / movies;
  for (let m = 0; m < movies; m++) lwSq += (logWeight[m]! - lwMean) ** 2 / movies;
  const lwStd = Math.sqrt(lwSq) || 1;
  // Popular movies are rated a little higher, as in MovieLens.
  const movieBias = Float32Array.from(
    { length: movies },
    (_, m) => gaussian() * 0.4 + 0.15 * (logWeight[m]! - lwMean) / lwStd,
  );
  const pickRank = () => {
    const x = random() * total;
    let lo = 0, hi = movies - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const cap = Math.max(
    1,
    Math.min(movies, Math.max(params.ratingsPerUser, Math.floor(movies / 2))),
  );
  const counts = userActivity(prng, { users, total: users * params.ratingsPerUser, cap });
  let n = 0;
  for (let u = 0; u < users; u++) n += counts[u]!;
  const userId = new Int32Array(n), movieId = new Int32Array(n);
  const raw = new Float32Array(n);
  const timestamp = new Float64Array(n);
  const picked = new Uint8Array(movies);
  const chosen = new Int32Array(cap);
  let row = 0;
  for (let u = 0; u < users; u++) {
    const nu = counts[u]!;
    let got = 0;
    for (let draws = 0; got < nu && draws < 50 * nu + 1000; draws++) {
      const m = byRank[pickRank()]!;
      if (picked[m]) continue;
      picked[m] = 1;
      chosen[got++] = m;
    }
    // A heavy user who has seen most of the popular mass: the rest uniformly among the unseen.
    for (let m = 0; got < nu && m < movies; m++) {
      if (!picked[m]) {
        picked[m] = 1;
        chosen[got++] = m;
      }
    }
    const list = chosen.subarray(0, got).sort();
    // Bursty activity: a start time, most ratings soon after, a tail over a lognormal span.
    const startAt = FIRST_TIME + random() * (LAST_TIME - FIRST_TIME);
    const span = Math.min(LAST_TIME - startAt, DAY * Math.exp(2 + 2 * gaussian()));
    for (let j = 0; j < got; j++) {
      const m = list[j]!;
      picked[m] = 0;
      let dot = 0;
      for (let f = 0; f < factors; f++) dot += userF[u * factors + f]! * movieF[m * factors + f]!;
      raw[row] = userBias[u]! + movieBias[m]! + 1.5 * dot + params.noise * gaussian();
      userId[row] = u + 1;
      movieId[row] = m + 1;
      timestamp[row] = Math.floor(startAt + span * random() ** 3);
      row++;
    }
  }

  // Half stars with MovieLens' histogram: raw scores mapped through sample quantiles.
  const sampleSize = Math.min(n, 200_000);
  const sample = new Float32Array(sampleSize);
  for (let j = 0; j < sampleSize; j++) sample[j] = raw[Math.floor(random() * n)]!;
  const thresholds = quantileThresholds(sample, MOVIELENS_RATING_SHARES);
  const rating = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const x = raw[j]!;
    let bin = 0;
    while (bin < thresholds.length && x > thresholds[bin]!) bin++;
    rating[j] = 0.5 * (bin + 1);
  }

  // Genres: each a direction in taste space; a movie's 1-3 genres are those its factors point to.
  const genreDir = Float32Array.from({ length: GENRES.length * factors }, () => gaussian());
  const titles: string[] = [], years: number[] = [], genres: string[][] = [];
  const scores = new Float64Array(GENRES.length);
  const idx = GENRES.map((_, g) => g);
  for (let m = 0; m < movies; m++) {
    // Release years skewed recent, as in MovieLens.
    const year = Math.max(1902, 2018 - Math.floor(-Math.log(1 - random()) * 18));
    titles.push(`Synthetic Movie ${m + 1} (${year})`);
    years.push(year);
    for (let g = 0; g < GENRES.length; g++) {
      let s = 0;
      for (let f = 0; f < factors; f++) s += genreDir[g * factors + f]! * movieF[m * factors + f]!;
      scores[g] = s / scale + 0.5 * gaussian();
    }
    idx.sort((a, b) => scores[b]! - scores[a]!);
    const count = 1 + Math.floor(random() * 3);
    genres.push(idx.slice(0, count).map((g) => GENRES[g]!).sort());
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
