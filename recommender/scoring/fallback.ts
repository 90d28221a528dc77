/**
 * Cold start at serving time: a model wrapped with the popular list. Known
 * users get the model's ranking; unknown users get the popular list (scorer
 * `popularity`); movies the model does not know are never recommended. Every
 * answer carries its `scorer` and a `fallback` flag.
 *
 * @module
 */
import type {
  Prediction,
  Recommender,
  RecommendOptions,
  ScoredMovie,
  Scorer,
} from "../core/model.ts";
import type { PopularList } from "./popular_list.ts";
import type { FactorView } from "../core/factor_view.ts";

/** A prediction with the fallback flag (true when the model's own scorer could not answer). */
export interface ServedPrediction extends Prediction {
  readonly fallback: boolean;
}

/** A ranked list that always exists, with who produced it. */
export interface ServedRecommendations {
  readonly items: ScoredMovie[];
  readonly scorer: Scorer;
  readonly fallback: boolean;
}

/** Options of {@linkcode ServingModel}. */
export interface ServingOptions {
  /**
   * Which movies the model knows (popular movies outside it are skipped). Defaults to the
   * model's factor item ids when it exposes `factors()`, else every movie.
   */
  readonly knownMovie?: (movieId: number) => boolean;
}

/**
 * A model plus the popularity fallback.
 *
 * @example
 * ```ts
 * import { ServingModel } from "./fallback.ts";
 * import { PopularList } from "./popular_list.ts";
 * import { BaselineOnly } from "../models/baseline_only.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const train = ratingsFromColumns({ userId: [1, 2], movieId: [10, 20], rating: [5, 2] });
 * const model = new BaselineOnly();
 * model.fit(train);
 * const serving = new ServingModel(model, PopularList.fromRatings(train, { m: 1 }));
 * const r = serving.recommend(42, 1);
 * if (r.scorer !== "popularity" || !r.fallback) throw new Error("expected the fallback");
 * ```
 */
export class ServingModel {
  readonly model: Recommender;
  readonly popular: PopularList;
  readonly #known: ((movieId: number) => boolean) | null;

  constructor(model: Recommender, popular: PopularList, options: ServingOptions = {}) {
    this.model = model;
    this.popular = popular;
    if (options.knownMovie) this.#known = options.knownMovie;
    else {
      const view = (model as { factors?: () => FactorView | null }).factors?.();
      if (view) {
        const ids = new Set(view.itemIds);
        this.#known = (id) => ids.has(id);
      } else this.#known = null;
    }
  }

  /** The model's prediction; `fallback` is true unless the model's own scorer answered. */
  predict(userId: number, movieId: number): ServedPrediction {
    const p = this.model.predict(userId, movieId);
    return { ...p, fallback: p.scorer !== "model" && p.scorer !== this.#ownScorer() };
  }

  /** Top-`k` for any user: the model's list, or the popular list for an unknown user. */
  recommend(userId: number, k: number, options: RecommendOptions = {}): ServedRecommendations {
    const r = this.model.recommend(userId, k, options);
    if (r.ok) {
      return {
        items: r.items,
        scorer: r.scorer,
        fallback: r.scorer !== this.#ownScorer() && r.scorer !== "model",
      };
    }
    const known = this.#known;
    const filter = options.filter;
    return popularFallback(
      this.popular,
      k,
      (id) => (!known || known(id)) && (!filter || filter(id)),
    );
  }

  /** Similar movies by the model; null for a movie it does not know. */
  similar(movieId: number, k: number): ScoredMovie[] | null {
    return this.model.similar(movieId, k);
  }

  /** The scorer the wrapped model uses for its own answers (non-factor baselines). */
  #ownScorer(): Scorer {
    const name = this.model.name;
    return name === "popularity" ? "popularity" : name === "global-mean" ? "global-mean" : "model";
  }
}

/**
 * The fallback's answer for a user the model cannot rank: the `k` best
 * movies of the popular list that `keep` (when given) allows, with scorer
 * `popularity` and the fallback flag. The one rule for {@linkcode ServingModel}
 * and the API.
 *
 * @example
 * ```ts
 * import { popularFallback } from "./fallback.ts";
 * import { PopularList } from "./popular_list.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const popular = PopularList.fromRatings(
 *   ratingsFromColumns({ userId: [1, 2, 1], movieId: [10, 10, 20], rating: [5, 4, 2] }),
 *   { m: 1 },
 * );
 * const answer = popularFallback(popular, 5, (id) => id !== 10);
 * if (answer.items.map((x) => x.movieId).join() !== "20" || !answer.fallback) throw new Error();
 * ```
 */
export function popularFallback(
  popular: PopularList,
  k: number,
  keep?: (movieId: number) => boolean,
): ServedRecommendations {
  return { scorer: "popularity", fallback: true, items: popular.top(k, keep) };
}

/** Wraps `model` with the popularity fallback (see {@linkcode ServingModel}). */
export function withFallback(model: Recommender, popular: PopularList, options?: ServingOptions) {
  return new ServingModel(model, popular, options);
}
