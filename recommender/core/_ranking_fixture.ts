/**
 * Test-only fixtures of the ranking models: two disjoint groups of users
 * and movies with a known answer, and a small random binary matrix.
 *
 * @module
 */
import { type Ratings, ratingsFromColumns } from "./ratings.ts";
import { Prng } from "./prng.ts";

/**
 * Two disjoint groups: users 1..6 rate movies 101..106, users 11..16 rate
 * movies 201..206; each user rates all of their group's movies but one, listed in
 * `missing` (user -> movie). A user's best unseen movie is
 * their group's missing one.
 */
export function _twoGroups(): { ratings: Ratings; missing: Map<number, number> } {
  const u: number[] = [], m: number[] = [], r: number[] = [];
  const missing = new Map<number, number>();
  for (const [base, first] of [[1, 101], [11, 201]] as const) {
    for (let k = 0; k < 6; k++) {
      const user = base + k;
      missing.set(user, first + k);
      for (let j = 0; j < 6; j++) {
        if (j === k) continue;
        u.push(user);
        m.push(first + j);
        r.push(3.5 + ((user + j) % 4) * 0.5);
      }
    }
  }
  return { ratings: ratingsFromColumns({ userId: u, movieId: m, rating: r }), missing };
}

/** A seeded random ratings table: `users` x `movies`, each pair rated with probability `density`. */
export function _randomRatings(
  users: number,
  movies: number,
  options: { density: number; seed: number },
): Ratings {
  const rng = new Prng(options.seed);
  const u: number[] = [], m: number[] = [], r: number[] = [];
  for (let a = 0; a < users; a++) {
    for (let b = 0; b < movies; b++) {
      // every user and movie rated at least once
      if (rng.next() < options.density || b === a % movies || a === b % users) {
        u.push(a + 1);
        m.push(1000 + b);
        r.push(1 + rng.below(9) * 0.5);
      }
    }
  }
  return ratingsFromColumns({ userId: u, movieId: m, rating: r });
}

/** One user's ratings of a table, as `recommendForRatings` takes them. */
export function _ratingsOf(
  ratings: Ratings,
  userId: number,
): { movieIds: number[]; ratings: number[] } {
  const movieIds: number[] = [], values: number[] = [];
  for (let e = 0; e < ratings.rating.length; e++) {
    if (ratings.userId[e] === userId) {
      movieIds.push(ratings.movieId[e]!);
      values.push(ratings.rating[e]!);
    }
  }
  return { movieIds, ratings: values };
}
