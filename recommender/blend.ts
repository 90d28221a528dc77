/**
 * `blend`: a linear blend of other models' predictions (stacking). The
 * training ratings are split (seeded) into a fit part and a holdout; each
 * member is fitted on the fit part, the blend weights (with an intercept) are
 * fitted by ridge least squares on the members' holdout predictions, then the
 * members are refitted on all the training ratings. Only training data is
 * used: the test set never enters.
 *
 * @module
 */
import { z } from "zod";
import { Matrix, solve } from "ml-matrix";
import type {
  EpochRecord,
  FitOptions,
  ModelArtifact,
  Prediction,
  Recommendations,
  Recommender,
  RecommendOptions,
  ScoredMovie,
} from "./model.ts";
import type { Ratings } from "./ratings.ts";
import type { FactorView } from "./factor_view.ts";
import { selectRows } from "./ratings.ts";
import { TopK } from "./top_k.ts";
import { _ArtifactReader, _hashRatings, _manifestSchema, _packArtifact } from "./_artifact.ts";
import { _parseConfig } from "./_config.ts";
import { Prng } from "./prng.ts";
import { _hasRawScoring, type _RawScoring } from "./_raw_scoring.ts";

/** The member factory the registry provides (avoids an import cycle). */
export interface BlendFactory {
  create(name: string, config: unknown): Recommender & { factors?: () => FactorView | null };
  load(artifact: ModelArtifact): Recommender & { factors?: () => FactorView | null };
}

/** Config of {@linkcode Blend}. */
export const blendConfigSchema = z.object({
  /** The blended models, each with its own config. */
  members: z.array(
    z.object({
      model: z.string().refine((m) => m !== "blend", { message: "A blend cannot contain a blend" }),
      config: z.record(z.string(), z.unknown()).default({}),
    }).strict(),
  ).min(1).default([
    { model: "als", config: {} },
    { model: "biased-mf", config: {} },
    { model: "svd", config: {} },
    { model: "baseline", config: {} },
  ]),
  /** Share of the training ratings held out to fit the weights. */
  holdoutFraction: z.number().gt(0).lt(1).default(0.1),
  /** Ridge penalty of the weight fit. */
  ridge: z.number().nonnegative().default(1),
  /** Refit the members on all training ratings after fitting the weights. */
  refit: z.boolean().default(true),
  /** Seed of the holdout split. */
  seed: z.number().int().default(42),
}).strict();

/** Parsed config of {@linkcode Blend}. */
export type BlendConfig = z.output<typeof blendConfigSchema>;

/** The `blend` model (see the module doc). Build it through the registry's `createModel`. */
export class Blend implements Recommender {
  readonly name = "blend";
  readonly config: BlendConfig;
  history: EpochRecord[] = [];
  #factory: BlendFactory;
  #members: Array<Recommender & { factors?: () => FactorView | null }> = [];
  /** Intercept then one weight per member. */
  #weights: Float64Array = new Float64Array(0);
  #scale: readonly [number, number] = [0.5, 5];
  #globalMean = 0;
  #hash: string | undefined;
  #extra: Record<string, unknown> = {};
  readonly #top = new TopK();
  /** Ranking buffers and member alignment, built on the first recommend() after fit/load. */
  #plan: _RankPlan | null | undefined;

  constructor(config: z.input<typeof blendConfigSchema>, factory: BlendFactory) {
    this.config = _parseConfig(blendConfigSchema, config, "blend");
    this.#factory = factory;
    // validate every member's name and config up front, naming the member
    this.config.members.forEach((m, j) => {
      try {
        factory.create(m.model, m.config);
      } catch (e) {
        throw new RangeError(
          `Invalid config for model "blend": members.${j}: ${(e as Error).message}`,
        );
      }
    });
  }

  /** The blend weights: intercept first, then one per member. */
  get weights(): readonly number[] {
    return Array.from(this.#weights);
  }

  /** Facts recorded by fit (holdout RMSE of each member and of the blend). */
  get extra(): Readonly<Record<string, unknown>> {
    return this.#extra;
  }

  fit(train: Ratings, options: FitOptions = {}): void {
    const t0 = performance.now();
    const c = this.config;
    const n = train.rating.length;
    if (n < 2) throw new RangeError('Cannot fit model "blend": need at least 2 training ratings');
    const order = new Prng(c.seed).shuffle(Int32Array.from({ length: n }, (_, e) => e));
    const nHold = Math.max(1, Math.round(n * c.holdoutFraction));
    const holdout = selectRows(train, order.subarray(0, nHold));
    const fitPart = selectRows(train, order.subarray(nHold));
    const M = c.members.length;
    const X = new Matrix(nHold, M + 1);
    const memberRmse: number[] = [];
    c.members.forEach((spec, j) => {
      options.onProgress?.({
        model: this.name,
        message: `fitting member ${j + 1}/${M} (${spec.model}) on the fit part`,
      });
      const m = this.#factory.create(spec.model, spec.config);
      m.fit(fitPart);
      let se = 0;
      for (let e = 0; e < nHold; e++) {
        const p = m.predict(holdout.userId[e]!, holdout.movieId[e]!).rating;
        X.set(e, j + 1, p);
        se += (p - holdout.rating[e]!) ** 2;
      }
      memberRmse.push(Math.sqrt(se / nHold));
    });
    for (let e = 0; e < nHold; e++) X.set(e, 0, 1);
    const y = Matrix.columnVector(Array.from(holdout.rating));
    const XtX = X.transpose().mmul(X);
    for (let a = 1; a <= M; a++) XtX.set(a, a, XtX.get(a, a) + c.ridge);
    const w = solve(XtX, X.transpose().mmul(y));
    this.#weights = Float64Array.from(w.getColumn(0), Math.fround); // stored as float32
    // scale and mean from the training ratings
    let lo = Infinity, hi = -Infinity, sum = 0;
    for (let e = 0; e < n; e++) {
      const r = train.rating[e]!;
      sum += r;
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
    this.#scale = [lo, hi > lo ? hi : lo + 1];
    this.#globalMean = sum / n;
    let se = 0;
    for (let e = 0; e < nHold; e++) {
      let p = this.#weights[0]!;
      for (let j = 0; j < M; j++) p += this.#weights[j + 1]! * X.get(e, j + 1);
      se += (this.#clip(p) - holdout.rating[e]!) ** 2;
    }
    if (c.refit) {
      this.#members = c.members.map((spec, j) => {
        options.onProgress?.({
          model: this.name,
          message: `refitting member ${j + 1}/${M} (${spec.model}) on all training ratings`,
        });
        const m = this.#factory.create(spec.model, spec.config);
        m.fit(train);
        return m;
      });
    } else {
      throw new RangeError(
        'Cannot fit model "blend" with refit false: not supported yet, set refit to true',
      );
    }
    this.#plan = undefined;
    this.#hash = _hashRatings(train);
    this.#extra = {
      weights: Array.from(this.#weights),
      holdoutMemberRmse: memberRmse,
      holdoutBlendRmse: Math.sqrt(se / nHold),
      fitSeconds: (performance.now() - t0) / 1000,
    };
  }

  #clip(r: number): number {
    const [lo, hi] = this.#scale;
    return r < lo ? lo : r > hi ? hi : r;
  }

  #fitted(): Array<Recommender & { factors?: () => FactorView | null }> {
    if (this.#members.length === 0) {
      throw new Error('Model "blend" is not fitted: call fit() or load() first');
    }
    return this.#members;
  }

  predict(userId: number, movieId: number): Prediction {
    const members = this.#fitted();
    const w = this.#weights;
    let p = w[0]!;
    let scorer: Prediction["scorer"] | null = null;
    for (let j = 0; j < members.length; j++) {
      const q = members[j]!.predict(userId, movieId);
      p += w[j + 1]! * q.rating;
      if (q.scorer === "model" || scorer === null) scorer = q.scorer;
    }
    return { userId, movieId, rating: this.#clip(p), scorer: scorer ?? "global-mean" };
  }

  /**
   * Top-`k` movies by the blend of the members' RAW (unclipped) scores,
   * `w0 + sum_m w_m raw_m`: ranking on clipped predictions would tie every
   * good movie at the top of the scale. The first member decides who is an
   * unknown user and which movies are candidates (its items, minus the seen
   * ones when `excludeSeen`, minus those `filter` rejects, minus those with
   * fewer than `minRatings` training ratings); ties go to the
   * lower movie id. Only the returned scores are clipped to the scale.
   */
  recommend(userId: number, k: number, options: RecommendOptions = {}): Recommendations {
    const members = this.#fitted();
    const plan = this.#plan ?? (this.#plan = _rankPlan(members));
    if (plan === null) return this.#recommendByPredict(members, userId, k, options);
    const { ids, acc, buf } = plan;
    const nI = ids.length;
    const w = this.#weights;
    const lead = plan.members[0]!.raw!;
    if (!lead.rawScores(userId, buf)) return { ok: false, reason: "unknown-user" };
    const w0 = w[0]!;
    const w1 = w[1]!;
    for (let i = 0; i < nI; i++) acc[i] = w0 + w1 * buf[i]!;
    for (let m = 1; m < members.length; m++) {
      const pm = plan.members[m]!;
      const wm = w[m + 1]!;
      if (pm.raw && pm.map === null) {
        pm.raw.rawScores(userId, buf);
        for (let i = 0; i < nI; i++) acc[i] = acc[i]! + wm * buf[i]!;
      } else if (pm.raw && pm.map) {
        pm.raw.rawScores(userId, buf);
        const map = pm.map;
        for (let i = 0; i < nI; i++) {
          const x = map[i]!;
          const r = x >= 0 ? buf[x]! : members[m]!.predict(userId, ids[i]!).rating;
          acc[i] = acc[i]! + wm * r;
        }
      } else {
        // a member without a raw path: its (clipped) predictions
        for (let i = 0; i < nI; i++) {
          acc[i] = acc[i]! + wm * members[m]!.predict(userId, ids[i]!).rating;
        }
      }
    }
    const seen = (options.excludeSeen ?? true) ? lead.seenItems(userId) : plan.noSeen;
    const filter = options.filter;
    const minRatings = options.minRatings ?? 0;
    const counts = lead.itemCounts(); // training ratings per candidate
    const top = this.#top;
    top.reset(Math.max(0, Math.min(k, nI)));
    let sp = 0;
    const spEnd = seen.length;
    for (let i = 0; i < nI; i++) {
      while (sp < spEnd && seen[sp]! < i) sp++;
      if (sp < spEnd && seen[sp] === i) continue;
      if (counts[i]! < minRatings) continue;
      if (filter && !filter(ids[i]!)) continue;
      top.push(i, acc[i]!);
    }
    const { indices, scores } = top.drain();
    const out: ScoredMovie[] = new Array(indices.length);
    for (let j = 0; j < indices.length; j++) {
      out[j] = { movieId: ids[indices[j]!]!, score: this.#clip(scores[j]!) };
    }
    return { ok: true, items: out, scorer: "model" };
  }

  /** The ranking of members without a raw path: the blend of their clipped predictions. */
  #recommendByPredict(
    members: Recommender[],
    userId: number,
    k: number,
    options: RecommendOptions,
  ): Recommendations {
    // the first member gives the candidates (unseen, filtered); the blend re-scores them
    const candidates = members[0]!.recommend(userId, Number.MAX_SAFE_INTEGER, options);
    if (!candidates.ok) return candidates;
    const items = candidates.items;
    const top = this.#top;
    top.reset(Math.min(k, items.length));
    const w = this.#weights;
    for (let j = 0; j < items.length; j++) {
      const id = items[j]!.movieId;
      let p = w[0]!;
      for (let m = 0; m < members.length; m++) {
        p += w[m + 1]! * members[m]!.predict(userId, id).rating;
      }
      top.push(j, p);
    }
    const { indices, scores } = top.drain();
    const out: ScoredMovie[] = Array.from(
      indices,
      (j, x) => ({ movieId: items[j]!.movieId, score: this.#clip(scores[x]!) }),
    );
    return { ok: true, items: out, scorer: "model" };
  }

  similar(movieId: number, k: number): ScoredMovie[] | null {
    for (const m of this.#fitted()) {
      const s = m.similar(movieId, k);
      if (s === null) return null;
      if (s.length > 0 || k === 0) return s;
    }
    return [];
  }

  /** The factors of the first member that has them (for fold-in); null when none. */
  factors(): FactorView | null {
    for (const m of this.#fitted()) {
      const f = m.factors?.();
      if (f) return f;
    }
    return null;
  }

  async save(): Promise<ModelArtifact> {
    const members = this.#fitted();
    const saved = await Promise.all(members.map((m) => m.save()));
    return _packArtifact({
      model: this.name,
      config: { ...this.config },
      ratingScale: [this.#scale[0], this.#scale[1]],
      globalMean: this.#globalMean,
      ...(this.#hash ? { trainDataHash: this.#hash } : {}),
      extra: { ...this.#extra, members: saved.map((a) => a.manifest) },
    }, [
      { name: "weights", array: Float32Array.from(this.#weights) },
      ...saved.map((a, j) => ({
        name: `member${j}`,
        array: new Int32Array(a.data.slice().buffer),
      })),
    ]);
  }

  /** Loads a saved blend (each member file is validated too). */
  static load(artifact: ModelArtifact, factory: BlendFactory): Blend {
    const r = new _ArtifactReader(artifact, "blend");
    const b = new Blend(r.manifest.config as z.input<typeof blendConfigSchema>, factory);
    const M = b.config.members.length;
    const manifests = z.array(_manifestSchema).length(M).safeParse(r.manifest.extra.members);
    if (!manifests.success) {
      throw new RangeError(
        `Cannot load model: the blend's extra.members must hold ${M} member manifests`,
      );
    }
    const w32 = r.float32("weights", M + 1);
    // weights were fitted in float64 and stored as float32: use the stored values for bit-exact reloads
    b.#weights = Float64Array.from(w32);
    b.#members = manifests.data.map((manifest, j) => {
      const data = r.int32(`member${j}`);
      return factory.load({
        manifest: manifest as ModelArtifact["manifest"],
        data: new Uint8Array(data.buffer),
      });
    });
    b.#scale = [r.manifest.ratingScale[0], r.manifest.ratingScale[1]];
    b.#globalMean = r.manifest.globalMean;
    b.#hash = r.manifest.trainDataHash;
    const { members: _m, ...extra } = r.manifest.extra;
    b.#extra = extra;
    return b;
  }
}

/** One member's raw path in the blend's ranking. */
interface _RankMember {
  /** Its raw path, or null (its clipped predictions are used). */
  readonly raw: _RawScoring | null;
  /** Candidate index -> the member's item index (-1: not its item); null when identical. */
  readonly map: Int32Array | null;
}

/** The reused buffers of {@linkcode Blend.recommend}. */
interface _RankPlan {
  /** Candidate movie ids (the first member's items), ascending. */
  readonly ids: Int32Array;
  /** Blended raw score per candidate. */
  readonly acc: Float32Array;
  /** One member's raw scores (sized for the largest member). */
  readonly buf: Float32Array;
  readonly members: readonly _RankMember[];
  readonly noSeen: Int32Array;
}

/** Aligns the members' items to the first member's; null when the first has no raw path. */
function _rankPlan(members: readonly Recommender[]): _RankPlan | null {
  const lead = members[0];
  if (!lead || !_hasRawScoring(lead)) return null;
  const ids = lead.rawItemIds();
  let size = ids.length;
  const out: _RankMember[] = members.map((m) => {
    if (!_hasRawScoring(m)) return { raw: null, map: null };
    const own = m.rawItemIds();
    size = Math.max(size, own.length);
    let same = own.length === ids.length;
    for (let i = 0; same && i < ids.length; i++) same = own[i] === ids[i];
    if (same) return { raw: m, map: null };
    // both ascending: merge
    const map = new Int32Array(ids.length).fill(-1);
    for (let i = 0, x = 0; i < ids.length; i++) {
      while (x < own.length && own[x]! < ids[i]!) x++;
      if (x < own.length && own[x] === ids[i]) map[i] = x;
    }
    return { raw: m, map };
  });
  return {
    ids,
    acc: new Float32Array(ids.length),
    buf: new Float32Array(size),
    members: out,
    noSeen: new Int32Array(0),
  };
}
