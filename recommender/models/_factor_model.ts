/**
 * The common half of every factor model class: config, fitted state,
 * delegation to {@linkcode _FactorScorer}, save and restore.
 *
 * @module
 */
import type { _RawFactors, _SharedRawScores } from "../scoring/_raw_scoring.ts";
import type {
  EpochRecord,
  FitOptions,
  ModelArtifact,
  Prediction,
  Recommendations,
  Recommender,
  RecommendOptions,
  ScoredMovie,
} from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import type { FactorView } from "../core/factor_view.ts";
import { Vocabulary } from "../core/vocabulary.ts";
import { _FactorScorer } from "../scoring/_factor_scorer.ts";
import type { _RawScoring } from "../scoring/_raw_scoring.ts";
import { _ArtifactReader, _hashRatings, _packArtifact } from "../core/_artifact.ts";

/** Training ratings encoded to dense indices, with the basic statistics. */
export interface _EncodedTrain {
  readonly users: Vocabulary;
  readonly items: Vocabulary;
  readonly u: Int32Array;
  readonly i: Int32Array;
  readonly r: Float32Array;
  readonly globalMean: number;
  readonly ratingScale: readonly [number, number];
  readonly hash: string;
}

/** Encodes training ratings; throws on an empty table. */
export function _encodeTrain(train: Ratings, model: string): _EncodedTrain {
  const n = train.rating.length;
  if (n === 0) throw new RangeError(`Cannot fit model "${model}": the training ratings are empty`);
  const users = Vocabulary.fromIds(train.userId);
  const items = Vocabulary.fromIds(train.movieId);
  let sum = 0, lo = Infinity, hi = -Infinity;
  for (let e = 0; e < n; e++) {
    const r = train.rating[e]!;
    if (!Number.isFinite(r)) {
      throw new RangeError(`Cannot fit model "${model}": rating at row ${e} is ${r}`);
    }
    sum += r;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  if (hi === lo) hi = lo + 1;
  return {
    users,
    items,
    u: users.encode(train.userId),
    i: items.encode(train.movieId),
    r: train.rating,
    globalMean: sum / n,
    ratingScale: [lo, hi],
    hash: _hashRatings(train),
  };
}

/** Base class of the factor models; subclasses implement `fit` and set the scorer. */
export abstract class _FactorModel<C extends Record<string, unknown>>
  implements Recommender, _RawScoring {
  abstract readonly name: string;
  readonly config: C;
  history: EpochRecord[] = [];
  protected _scorer: _FactorScorer | null = null;
  protected _extra: Record<string, unknown> = {};
  protected _trainDataHash: string | undefined;

  constructor(config: C) {
    this.config = config;
  }

  /** The factors' L2 regularization (0 when none). */
  protected abstract get _regularization(): number;

  abstract fit(train: Ratings, options?: FitOptions): void;

  /** The fitted scorer, or a clear error. */
  protected get _fitted(): _FactorScorer {
    if (!this._scorer) {
      throw new Error(`Model "${this.name}" is not fitted: call fit() or load() first`);
    }
    return this._scorer;
  }

  predict(userId: number, movieId: number): Prediction {
    return this._fitted.predict(userId, movieId);
  }

  recommend(userId: number, k: number, options?: RecommendOptions): Recommendations {
    return this._fitted.recommend(userId, k, options);
  }

  similar(movieId: number, k: number): ScoredMovie[] | null {
    return this._fitted.similar(movieId, k);
  }

  /** The item ids {@linkcode rawScores} scores, ascending. */
  rawItemIds(): Int32Array {
    return this._fitted.p.items.ids;
  }

  /** Raw (unclipped) scores of every item for a user (see {@linkcode _RawScoring}). */
  rawScores(userId: number, out: Float32Array): boolean {
    return this._fitted.rawScores(userId, out);
  }

  /** Dense indices of the items the user rated in training. */
  seenItems(userId: number): Int32Array {
    return this._fitted.seenItems(userId);
  }

  /** Training ratings per item of {@linkcode rawItemIds} (shared, do not write to it). */
  itemCounts(): Int32Array {
    return this._fitted.itemCounts();
  }

  /** Without factors (global-mean, baseline) every user's scores are the item biases shifted. */
  sharedRawScores(): _SharedRawScores | null {
    return this._fitted.sharedRawScores();
  }

  /** Every known user's raw scores are its row's scores of {@linkcode factors} (none without factors). */
  rawFactors(): _RawFactors | null {
    const view = this.factors();
    if (view === null || view.k === 0) return null;
    const users = this._fitted.p.users;
    return { view, scoresUser: (userId) => users.indexOf(userId) >= 0 };
  }

  /** Read-only factors for fold-in and explanations; null before fit. */
  factors(): FactorView | null {
    return this._scorer?.factors() ?? null;
  }

  /** Extra facts recorded by fit (explained variance, epochs, ...). */
  get extra(): Readonly<Record<string, unknown>> {
    return this._extra;
  }

  save(): Promise<ModelArtifact> {
    const s = this._fitted;
    return Promise.resolve(
      _packArtifact(
        {
          model: this.name,
          config: { ...this.config },
          ratingScale: [s.p.ratingScale[0], s.p.ratingScale[1]],
          globalMean: s.p.globalMean,
          ...(this._trainDataHash ? { trainDataHash: this._trainDataHash } : {}),
          extra: { ...this._extra, history: this.history },
        },
        s.toArrays(),
      ),
    );
  }

  /** Restores fitted state from a validated artifact. */
  protected _restore(r: _ArtifactReader): this {
    this._scorer = _FactorScorer.fromReader(r, this._regularization);
    const { history, ...extra } = r.manifest.extra;
    this.history = Array.isArray(history) ? (history as EpochRecord[]) : [];
    this._extra = extra;
    this._trainDataHash = r.manifest.trainDataHash;
    return this;
  }
}
