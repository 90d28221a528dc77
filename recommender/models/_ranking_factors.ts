/**
 * The scoring half the latent-factor ranking models share (`ials`, `bpr`):
 * their factors as a {@linkcode FactorView} (built once per fit or load, so
 * {@linkcode ItemScorer} finds the same WebAssembly scorer every time), a
 * user's scores over every item, and similar movies by the cosine of the item
 * factors.
 *
 * @module
 */
import type { FactorView } from "../core/factor_view.ts";
import type { ScoredMovie } from "../core/model.ts";
import type { Vocabulary } from "../core/vocabulary.ts";
import { ItemScorer } from "../scoring/item_scorer.ts";
import { rankScores } from "../scoring/rank_scores.ts";
import { TopK } from "../scoring/top_k.ts";

/** What {@linkcode _RankingFactors} scores with. */
export interface _RankingFactorsInit {
  readonly users: Vocabulary;
  readonly items: Vocabulary;
  readonly k: number;
  /** `nUsers * k`, row-major. */
  readonly userFactors: Float32Array;
  /** `nItems * k`, row-major. */
  readonly itemFactors: Float32Array;
  /** Per-item additive term of the score (bpr), if any. */
  readonly itemBias?: Float32Array;
  readonly regularization: number;
}

/** Factors of a ranking model, scored through the shared item scorer. */
export class _RankingFactors {
  /** The factors as the shared scorer reads them (ranking scores: no rating scale). */
  readonly view: FactorView;
  readonly #items: Vocabulary;
  readonly #top = new TopK();
  readonly #one = new Int32Array(1);

  constructor(init: _RankingFactorsInit) {
    const { k, itemFactors: Q } = init;
    const nI = init.items.size;
    const norms = new Float32Array(nI);
    for (let i = 0; i < nI; i++) {
      let s = 0;
      for (let f = i * k; f < (i + 1) * k; f++) s += Q[f]! * Q[f]!;
      norms[i] = Math.sqrt(s);
    }
    this.#items = init.items;
    this.view = {
      k,
      userIds: init.users.ids,
      itemIds: init.items.ids,
      userFactors: init.userFactors,
      itemFactors: Q,
      itemNorms: norms,
      ...(init.itemBias ? { itemBias: init.itemBias } : {}),
      globalMean: 0,
      ratingScale: [0, 1],
      regularization: init.regularization,
    };
  }

  /** Writes the scores of `k` factors of `vector` (from `offset`) for every item into `out`. */
  scores(vector: Float32Array, offset: number, out: Float32Array): void {
    ItemScorer.of(this.view).scores({ vector, offset }, out);
  }

  /**
   * The `k` movies most similar to `movieId` by the cosine of item factors;
   * null for an unknown movie.
   *
   * @example
   * ```ts
   * import { _RankingFactors } from "./_ranking_factors.ts";
   * import { Vocabulary } from "../core/vocabulary.ts";
   * const f = new _RankingFactors({
   *   users: Vocabulary.fromIds([1]), items: Vocabulary.fromIds([10, 20, 30]), k: 1,
   *   userFactors: Float32Array.of(1), itemFactors: Float32Array.of(1, 2, -1), regularization: 0,
   * });
   * if (f.similar(10, 1)![0]!.movieId !== 20 || f.similar(99, 1) !== null) throw new Error();
   * ```
   */
  similar(movieId: number, k: number): ScoredMovie[] | null {
    const i = this.#items.indexOf(movieId);
    if (i < 0) return null;
    this.#one[0] = i;
    return rankScores(ItemScorer.of(this.view).cosines(i), this.#top, {
      k,
      itemIds: this.#items.ids,
      skip: this.#one,
    });
  }
}
