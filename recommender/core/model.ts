/**
 * The one interface every model implements (LensKit / Surprise style):
 * a zod config, `fit`, `predict`, `recommend`, `similar`, `save`, and a static
 * `load` on each class. Scoring, ranking and fallback are separate pieces: a
 * model that cannot score says so in a typed result; the caller (see
 * `recommender/scoring/fallback.ts`) lets the popularity fallback answer and the answer
 * records which scorer produced it.
 *
 * @module
 */
import type { Ratings } from "./ratings.ts";

/** Which piece of the system produced a score. */
export type Scorer =
  | "model" // the model's own factors / neighbours
  | "baseline" // global mean + user/item biases (unknown movie or user)
  | "user-mean" // the user's mean rating (unknown movie, svd)
  | "global-mean" // nothing known about user or movie
  | "popularity"; // the weighted-rating popular list (unknown user)

/** A predicted rating, clipped to the rating scale. */
export interface Prediction {
  readonly userId: number;
  readonly movieId: number;
  /** Predicted rating, clipped to the model's rating scale. */
  readonly rating: number;
  readonly scorer: Scorer;
}

/** One scored movie in a ranked list. */
export interface ScoredMovie {
  readonly movieId: number;
  readonly score: number;
}

/** A ranked list for one user, or the reason there is none. */
export type Recommendations =
  | { readonly ok: true; readonly items: ScoredMovie[]; readonly scorer: Scorer }
  | { readonly ok: false; readonly reason: "unknown-user" };

/** Options of {@linkcode Recommender.recommend}. */
export interface RecommendOptions {
  /** Leave out movies the user rated in the training data. Default true. */
  readonly excludeSeen?: boolean;
  /** Only movies for which this returns true are ranked (e.g. a genre filter). */
  readonly filter?: (movieId: number) => boolean;
  /**
   * Only movies with at least this many ratings in the model's training data
   * are ranked (rarely rated movies get extreme predictions). Default 0: all.
   */
  readonly minRatings?: number;
}

/** One training epoch, for loss curves. */
export interface EpochRecord {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validationLoss?: number;
  readonly seconds: number;
}

/** Progress callback payload while fitting. */
export interface FitProgress {
  readonly model: string;
  readonly epoch?: number;
  readonly epochs?: number;
  readonly message: string;
}

/** Options of {@linkcode Recommender.fit}. */
export interface FitOptions {
  /** Held-out ratings for early stopping and validation loss. */
  readonly validation?: Ratings;
  /** Called as training progresses (epochs, phases). */
  readonly onProgress?: (progress: FitProgress) => void;
}

/** What `save()` returns: a JSON manifest and one binary blob of Float32/Int32 arrays. */
export interface ModelArtifact {
  readonly manifest: ModelManifest;
  readonly data: Uint8Array;
}

/** Describes one typed array inside {@linkcode ModelArtifact.data}. */
export interface ArraySpec {
  readonly name: string;
  readonly dtype: "float32" | "int32";
  /** Byte offset in the blob (multiple of 4). */
  readonly offset: number;
  readonly length: number;
  readonly shape: readonly number[];
}

/** The JSON half of a saved model. Validated with zod on load. */
export interface ModelManifest {
  readonly format: "movierec-model";
  readonly formatVersion: 1;
  readonly model: string;
  readonly config: Record<string, unknown>;
  readonly ratingScale: readonly [number, number];
  readonly globalMean: number;
  readonly arrays: readonly ArraySpec[];
  /** sha256 of the data blob, checked on load. */
  readonly dataSha256: string;
  /** Content hash of the training data, for "model from another data set" checks. */
  readonly trainDataHash?: string;
  /**
   * When `save()` packed it. The train stage moves it to the model folder's
   * `timings.json`, so a pipeline's model file is the same bytes on every run.
   */
  readonly trainedAt?: string;
  /** Anything else the model needs (explained variance, history, ...). */
  readonly extra: Record<string, unknown>;
}

/** The surface every model implements. */
export interface Recommender {
  /** Registry name, e.g. `svd`, `biased-mf`. */
  readonly name: string;
  /** The parsed zod config the model was built with. */
  readonly config: Record<string, unknown>;
  /** Per-epoch losses (empty for closed-form models). */
  readonly history: readonly EpochRecord[];
  /** Learns from the training ratings. Replaces any earlier fit. */
  fit(train: Ratings, options?: FitOptions): void;
  /** Predicted rating for one pair; never throws for unknown ids (see `scorer`). */
  predict(userId: number, movieId: number): Prediction;
  /** Top-`k` movies for a known user, or `{ ok: false }` for an unknown one. */
  recommend(userId: number, k: number, options?: RecommendOptions): Recommendations;
  /** The `k` most similar movies by cosine of item factors; null for an unknown movie. */
  similar(movieId: number, k: number): ScoredMovie[] | null;
  /** Serializes the fitted model (no executable serialization). */
  save(): Promise<ModelArtifact>;
}
