/**
 * `popular-count`: the bestseller list. Every movie's score is its number of
 * positive training ratings (those >= 3 by default); every user, known or
 * not, gets the most-rated movies they have not seen. It sits beside
 * `popularity` (the weighted-rating list), which it beats on top-N ranking:
 * how many people watched a movie predicts the next watch better than how
 * well it was rated.
 *
 * @module
 */
import { z } from "zod";
import type {
  FitOptions,
  ModelArtifact,
  Recommendations,
  RecommendOptions,
  ScoredMovie,
  Scorer,
} from "../core/model.ts";
import { _parseConfig } from "../core/_config.ts";
import {
  type _NamedArray,
  _positiveThresholdField,
  type _RankingData,
  _RankingModel,
  type _RowPositives,
} from "./_ranking_model.ts";
import { _ArtifactReader } from "../core/_artifact.ts";
import type { _RawScoring, _SharedRawScores } from "../scoring/_raw_scoring.ts";

/** Config of {@linkcode PopularCount}. */
export const popularCountConfigSchema = z.object({
  /** Ratings at or above this count (validation: 3 by a hair over 0, all ratings). */
  positiveThreshold: _positiveThresholdField.default(3),
}).strict();

/** Parsed config of {@linkcode PopularCount}. */
export type PopularCountConfig = z.output<typeof popularCountConfigSchema>;

/**
 * The `popular-count` model (see the module doc).
 *
 * @example
 * ```ts
 * import { PopularCount } from "./popular_count.ts";
 * import { ratingsFromColumns } from "../core/ratings.ts";
 * const m = new PopularCount({ positiveThreshold: 0 });
 * m.fit(ratingsFromColumns({ userId: [1, 2, 2], movieId: [10, 10, 20], rating: [1, 2, 5] }));
 * const r = m.recommend(99, 1);
 * if (!r.ok || r.items[0]!.movieId !== 10) throw new Error("10 has the most ratings");
 * ```
 */
export class PopularCount extends _RankingModel<PopularCountConfig> {
  readonly name = "popular-count";
  #scores: Float32Array = new Float32Array(0);

  constructor(config: z.input<typeof popularCountConfigSchema> = {}) {
    super(_parseConfig(popularCountConfigSchema, config, "popular-count"));
  }

  protected override get _emptyScorer(): Scorer {
    return "model";
  }

  protected _fitModel(data: _RankingData, _options: FitOptions): void {
    this.#index(data);
  }

  #index(data: _RankingData): void {
    const s = new Float32Array(data.nItems);
    for (let x = 0; x < data.pos.indices.length; x++) s[data.pos.indices[x]!]! += 1;
    this.#scores = s;
  }

  protected _scoreUser(_u: number, out: Float32Array): void {
    out.set(this.#scores);
  }

  protected override _fallbackScores(out: Float32Array): void {
    out.set(this.#scores);
  }

  protected _scorePositives(_row: _RowPositives, out: Float32Array): void {
    out.set(this.#scores);
  }

  /** Unknown users get the list too (scorer `model`: this model answers everyone). */
  protected override _unknownUser(k: number, options: RecommendOptions): Recommendations {
    const buf = new Float32Array(this.#scores);
    return { ok: true, items: this._rank(buf, k, options), scorer: "model" };
  }

  /** Every user gets the rating counts (see {@linkcode _RawScoring.sharedRawScores}). */
  sharedRawScores(): _SharedRawScores {
    return { scores: this.#scores, knows: (userId) => this._knows(userId) };
  }

  /** No item similarities: an empty list for a known movie, null for an unknown one. */
  similar(movieId: number, _k: number): ScoredMovie[] | null {
    return this._items.has(movieId) ? [] : null;
  }

  protected _modelArrays(): _NamedArray[] {
    return [];
  }

  protected _restoreModel(_r: _ArtifactReader, data: _RankingData): void {
    this.#index(data);
  }

  /** Loads a saved `popular-count` model, validating the file. */
  static load(artifact: ModelArtifact): PopularCount {
    const r = new _ArtifactReader(artifact, "popular-count");
    return new PopularCount(r.manifest.config as z.input<typeof popularCountConfigSchema>)
      ._restore(r);
  }
}
