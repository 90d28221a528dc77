/**
 * Model choice as a measurement (LensKit's and RecBole's habit): a model
 * fitted on the training ratings minus a holdout is measured on that
 * holdout, never on the test set. The report says how well it predicts
 * (RMSE, MAE) and ranks (the ranking metrics at each candidate support
 * floor), and which floor ranks best: the `minRatings` the evaluate stage
 * and the API then use for that model, and what the `select` stage compares
 * to pick the champions.
 *
 * @module
 */
import type { Recommender } from "../core/model.ts";
import { type Ratings, selectRows } from "../core/ratings.ts";
import { Prng } from "../core/prng.ts";
import { evaluateModel } from "./evaluation.ts";

/** Options of {@linkcode validateModel}. */
export interface ValidationOptions {
  /** Cut-off of the ranking metrics. */
  readonly k: number;
  /** A holdout rating at or above this is relevant. */
  readonly relevanceThreshold: number;
  /** Support floors to try (`minRatings` of `recommend`); the best NDCG@k wins, ties to the lower. */
  readonly minRatings: readonly number[];
  /**
   * Users measured at most: a holdout of more users is measured on a seeded
   * sample of this many (all their holdout ratings), so that choosing a
   * model costs a bounded ranking pass however big the data (LensKit's
   * sampled evaluation users). Default: every user.
   */
  readonly maxUsers?: number;
  /** Seed of that sample. */
  readonly seed?: number;
}

/** What {@linkcode validateModel} measured on the holdout. */
export interface ValidationReport {
  /** `"ranking"` for models trained to rank (their predict is a baseline), else `"rating"`. */
  readonly task: "rating" | "ranking";
  readonly k: number;
  readonly relevanceThreshold: number;
  /** Training ratings the measured model was fitted on, and holdout ratings it was measured on. */
  readonly trainRatings: number;
  readonly holdoutRatings: number;
  readonly rmse: number;
  readonly mae: number;
  /** Ranking metrics per floor tried, in the order given. */
  readonly byFloor: ReadonlyArray<
    { readonly minRatings: number; readonly metrics: Record<string, number> }
  >;
  /**
   * Present when the holdout had more than `maxUsers` users: how many it had,
   * and how many (a seeded sample) were measured.
   */
  readonly sampledUsers?: { readonly of: number; readonly measured: number };
  /** The chosen floor. */
  readonly minRatings: number;
  /** The ranking metrics at the chosen floor. */
  readonly ranking: Record<string, number>;
}

/**
 * Measures a model fitted on `train` on the `holdout` ratings, and chooses
 * its support floor.
 *
 * @example
 * ```ts
 * import { validateModel } from "./validation.ts";
 * import { createModel } from "../models/model_registry.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const train = ratingsFromColumns({ userId: [1, 1, 2, 2, 3], movieId: [1, 2, 1, 3, 1], rating: [5, 3, 4, 2, 5] });
 * const holdout = ratingsFromColumns({ userId: [3, 3], movieId: [2, 3], rating: [4, 1] });
 * const model = createModel("popularity");
 * model.fit(train);
 * const v = validateModel(model, train, holdout, { k: 2, relevanceThreshold: 4, minRatings: [0, 2] });
 * if (v.byFloor.length !== 2 || v.task !== "rating" || !(v.rmse > 0)) throw new Error(JSON.stringify(v));
 * ```
 */
export function validateModel(
  model: Recommender,
  train: Ratings,
  holdout: Ratings,
  options: ValidationOptions,
): ValidationReport {
  if (options.minRatings.length === 0) {
    throw new RangeError(
      `Cannot validate model "${model.name}": no support floor to try (minRatings is empty)`,
    );
  }
  const sample = options.maxUsers === undefined
    ? null
    : sampleUsers(holdout, options.maxUsers, options.seed ?? 0);
  if (sample) holdout = sample.holdout;
  const ndcgKey = `ndcg_at_${options.k}`;
  let rmse = NaN, mae = NaN;
  const byFloor: Array<{ minRatings: number; metrics: Record<string, number> }> = [];
  let best = -1, bestNdcg = -Infinity;
  // One evaluation: every floor is ranked from the same scoring pass of each user.
  const [firstFloor, ...otherFloors] = options.minRatings;
  const r = evaluateModel(model, train, holdout, {
    k: options.k,
    relevanceThreshold: options.relevanceThreshold,
    minRatings: firstFloor!,
    moreFloors: otherFloors,
  });
  rmse = r.metrics.rmse!;
  mae = r.metrics.mae!;
  const first: Record<string, number> = {};
  for (const [key, value] of Object.entries(r.metrics)) {
    if (!["rmse", "mae", "explained_variance", "fcp", "cold_start_rate"].includes(key)) {
      first[key] = value;
    }
  }
  const measured = [{ minRatings: firstFloor!, metrics: first }, ...(r.moreFloors ?? [])];
  for (const { minRatings: floor, metrics } of measured) {
    const ranking = { ...metrics };
    byFloor.push({ minRatings: floor, metrics: ranking });
    const ndcg = ranking[ndcgKey] ?? NaN;
    const lower = best >= 0 && floor < byFloor[best]!.minRatings;
    if (ndcg > bestNdcg || (ndcg === bestNdcg && lower)) {
      bestNdcg = ndcg;
      best = byFloor.length - 1;
    }
  }
  if (best < 0) best = 0; // no floor gave a defined NDCG: keep the first
  return {
    task: (model as { task?: string }).task === "ranking" ? "ranking" : "rating",
    k: options.k,
    relevanceThreshold: options.relevanceThreshold,
    trainRatings: train.rating.length,
    holdoutRatings: holdout.rating.length,
    rmse,
    mae,
    byFloor,
    ...(sample ? { sampledUsers: { of: sample.of, measured: sample.measured } } : {}),
    minRatings: byFloor[best]!.minRatings,
    ranking: byFloor[best]!.metrics,
  };
}

/**
 * The holdout ratings of a seeded sample of `maxUsers` of its users; null
 * when it has no more users than that.
 */
export function sampleUsers(
  holdout: Ratings,
  maxUsers: number,
  seed: number,
): { holdout: Ratings; of: number; measured: number } | null {
  if (!Number.isInteger(maxUsers) || maxUsers < 1) {
    throw new RangeError(
      `Cannot sample holdout users: maxUsers must be a whole number >= 1, got ${maxUsers}`,
    );
  }
  const users = Int32Array.from(new Set(holdout.userId)).sort();
  if (users.length <= maxUsers) return null;
  const kept = new Set(new Prng(seed).shuffle(users).subarray(0, maxUsers));
  const rows: number[] = [];
  for (let i = 0; i < holdout.userId.length; i++) if (kept.has(holdout.userId[i]!)) rows.push(i);
  return { holdout: selectRows(holdout, rows), of: users.length, measured: maxUsers };
}
