import assert from "node:assert/strict";
import { _loadMovieLensSmall } from "../../recommender/core/_test_data.ts";
import { Prng } from "../../recommender/core/prng.ts";
import { generateSynthetic } from "./synthetic.ts";
import {
  _countsById,
  _gini,
  _halfStarShares,
  _spearman,
  _totalVariation,
} from "./_synthetic_stats.ts";

/** ml-latest-small's shape: 610 users, 9,742 movies, 165 ratings per user on average. */
const shaped = generateSynthetic({
  users: 610,
  movies: 9742,
  ratingsPerUser: 165,
  factors: 8,
  noise: 0.6,
  seed: 42,
});
const syn = {
  userId: shaped.ratings.getColumn("userId").toTypedArray() as Int32Array,
  movieId: shaped.ratings.getColumn("movieId").toTypedArray() as Int32Array,
  rating: shaped.ratings.getColumn("rating").toTypedArray() as Float32Array,
  timestamp: shaped.ratings.getColumn("timestamp").toArray().map(Number),
};
const real = _loadMovieLensSmall();

/**
 * How much a user's taste for a genre carries over between two random halves
 * of their ratings: the correlation over (user, genre) of the mean residual
 * (rating minus the user's mean) in one half and in the other.
 */
function genreTasteCarryOver(genreOf: (movie: number) => readonly string[], seed: number): number {
  const prng = new Prng(seed);
  const sums = new Map<string, [number, number, number, number]>();
  const userMean = new Map<number, [number, number]>();
  for (let j = 0; j < syn.rating.length; j++) {
    const m = userMean.get(syn.userId[j]!) ?? [0, 0];
    m[0] += syn.rating[j]!;
    m[1]++;
    userMean.set(syn.userId[j]!, m);
  }
  for (let j = 0; j < syn.rating.length; j++) {
    const [s, c] = userMean.get(syn.userId[j]!)!;
    const residual = syn.rating[j]! - s / c;
    const half = prng.next() < 0.5 ? 0 : 2;
    for (const g of genreOf(syn.movieId[j]!)) {
      const key = `${syn.userId[j]}|${g}`;
      const e = sums.get(key) ?? [0, 0, 0, 0];
      e[half] += residual;
      e[half + 1]!++;
      sums.set(key, e);
    }
  }
  const a: number[] = [], b: number[] = [];
  for (const [s0, c0, s1, c1] of sums.values()) {
    if (c0 >= 3 && c1 >= 3) (a.push(s0 / c0), b.push(s1 / c1));
  }
  const mean = (x: number[]) => x.reduce((p, q) => p + q, 0) / x.length;
  const ma = mean(a), mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

Deno.test("generateSynthetic() matches ml-latest-small's half-star histogram", () => {
  const distance = _totalVariation(_halfStarShares(syn.rating), _halfStarShares(real.rating));
  assert.ok(distance < 0.02, `total variation distance ${distance.toFixed(4)}, expected < 0.02`);
  const shares = _halfStarShares(syn.rating);
  assert.ok(shares[7]! > shares[6]! && shares[5]! > shares[4]!, "whole stars beat half stars");
});

Deno.test("generateSynthetic() has MovieLens' long tails of item popularity and user activity", () => {
  // ml-latest-small: item Gini 0.716, user Gini 0.604, every user >= 20 ratings, median movie 3.
  const items = [..._countsById(syn.movieId).values()];
  const users = [..._countsById(syn.userId).values()];
  const giniItems = _gini(items), giniUsers = _gini(users);
  assert.ok(giniItems > 0.62 && giniItems < 0.8, `item popularity Gini ${giniItems.toFixed(3)}`);
  assert.ok(giniUsers > 0.45 && giniUsers < 0.72, `user activity Gini ${giniUsers.toFixed(3)}`);
  assert.ok(Math.min(...users) >= 20, "a user below MovieLens' 20-rating floor");
  assert.equal(syn.rating.length, 610 * 165);
  const realItems = _gini([..._countsById(real.movieId).values()]);
  assert.ok(Math.abs(giniItems - realItems) < 0.08, `${giniItems} vs real ${realItems}`);
});

Deno.test("generateSynthetic() popularity does not follow movie ids", () => {
  const counts = _countsById(syn.movieId);
  const ids = [...counts.keys()];
  const rho = _spearman(ids, ids.map((i) => counts.get(i)!));
  assert.ok(Math.abs(rho) < 0.1, `Spearman(id, popularity) ${rho.toFixed(3)}`);
});

Deno.test("generateSynthetic() timestamps span years", () => {
  const min = Math.min(...syn.timestamp), max = Math.max(...syn.timestamp);
  assert.ok((max - min) / (365 * 86400) > 15, `span ${(max - min) / (365 * 86400)} years`);
  assert.ok(min >= 820_000_000 && max <= 1_540_000_000, "within 1996-2018");
});

Deno.test("generateSynthetic() ties genres to tastes", () => {
  const genres = shaped.movies.getColumn("genres").toArray() as unknown as string[][];
  const tied = genreTasteCarryOver((m) => genres[m - 1]!, 1);
  // Control: the same genre lists dealt to other movies.
  const order = new Prng(3).shuffle(Int32Array.from({ length: genres.length }, (_, i) => i));
  const dealt = genreTasteCarryOver((m) => genres[order[m - 1]!]!, 1);
  assert.ok(
    tied > dealt + 0.05,
    `carry-over ${tied.toFixed(3)} vs shuffled genres ${dealt.toFixed(3)}`,
  );
});
