/**
 * `blend`: a real ensemble (stacking, as in the Netflix Prize blends). The
 * training ratings are split (seeded) into a fit part and a holdout; every
 * member is trained on the fit part with the SAME procedure as when it is
 * trained alone (`fit_standalone.ts`: its own early-stopping holdout inside
 * the fit part, then a refit for the chosen epochs); the blend weights are
 * fitted by ridge least squares on the members' holdout predictions,
 * optionally with meta-features (`metaFeatures`: the user's and the movie's
 * log support, alone and times every member's prediction, so the blend can
 * trust the neighbourhood model on well-rated movies and the content model
 * on rare ones); then every member is trained again, the same way, on all
 * the training ratings. Only training data is used: the test set never
 * enters. The manifest lists the members (`extra.memberNames` and their
 * manifests).
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
} from "../core/model.ts";
import type { Ratings } from "../core/ratings.ts";
import type { FactorView } from "../core/factor_view.ts";
import { selectRows } from "../core/ratings.ts";
import { TopK } from "../scoring/top_k.ts";
import {
  _ArtifactReader,
  _hashRatings,
  _manifestSchema,
  _packArtifact,
} from "../core/_artifact.ts";
import { _parseConfig } from "../core/_config.ts";
import { Prng } from "../core/prng.ts";
import { _hasRawScoring, type _RawScoring } from "../scoring/_raw_scoring.ts";
import { fitStandalone } from "./fit_standalone.ts";
import { Vocabulary } from "../core/vocabulary.ts";
import type { ContentAware, MovieContent } from "../core/movie_content.ts";

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
    { model: "svdpp", config: {} },
    { model: "item-knn-baseline", config: {} },
    { model: "hybrid", config: {} },
    { model: "biased-mf", config: {} },
    { model: "als", config: {} },
    { model: "baseline", config: {} },
  ]),
  /** Share of the training ratings held out to fit the weights. */
  holdoutFraction: z.number().gt(0).lt(1).default(0.1),
  /** Ridge penalty of the weight fit. */
  ridge: z.number().nonnegative().default(1).meta({ tune: { min: 0.01, max: 1000, log: true } }),
  /** Add the user's and movie's log support (and their products with each member) as inputs. */
  metaFeatures: z.boolean().default(true).meta({ tune: { values: [true, false] } }),
  /** Members' early-stopping holdout, as in the train stage (`train.validationFraction`). */
  validationFraction: z.number().min(0).lt(1).default(0.1),
  /** Refit the members on all training ratings after fitting the weights. */
  refit: z.boolean().default(true),
  /** Seed of the holdout split. */
  seed: z.number().int().default(42),
}).strict();

/** Parsed config of {@linkcode Blend}. */
export type BlendConfig = z.output<typeof blendConfigSchema>;

/** The `blend` model (see the module doc). Build it through the registry's `createModel`. */
export class Blend implements Recommender, ContentAware {
  readonly name = "blend";
  readonly config: BlendConfig;
  history: EpochRecord[] = [];
  #factory: BlendFactory;
  #members: Array<Recommender & { factors?: () => FactorView | null }> = [];
  /** Intercept, one weight per member, then the meta-feature weights (see {@linkcode _features}). */
  #weights: Float64Array = new Float64Array(0);
  #content: MovieContent | null = null;
  /** Training ratings per user and per movie (the support meta-features). */
  #support: _Support | null = null;
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

  /**
   * The blend weights: intercept first, then one per member; with
   * `metaFeatures`, then user support, movie support, and per member its
   * products with user and with movie support.
   */
  get weights(): readonly number[] {
    return Array.from(this.#weights);
  }

  /** Facts recorded by fit (holdout RMSE of each member and of the blend). */
  get extra(): Readonly<Record<string, unknown>> {
    return this.#extra;
  }

  /** Gives content-aware members (e.g. `hybrid`) the movie content. */
  useContent(content: MovieContent): void {
    this.#content = content;
  }

  /** Trains one member the standalone way. */
  #fitMember(
    spec: BlendConfig["members"][number],
    train: Ratings,
  ): Recommender & { factors?: () => FactorView | null } {
    return fitStandalone(train, {
      create: (config) => this.#factory.create(spec.model, config),
      config: spec.config,
      validationFraction: this.config.validationFraction,
      refit: true,
      seed: this.config.seed,
      ...(this.#content ? { content: this.#content } : {}),
    }).model;
  }

  fit(train: Ratings, options: FitOptions = {}): void {
    const t0 = performance.now();
    const c = this.config;
    const n = train.rating.length;
    if (n < 2) throw new RangeError('Cannot fit model "blend": need at least 2 training ratings');
    if (!c.refit) {
      throw new RangeError(
        'Cannot fit model "blend" with refit false: not supported yet, set refit to true',
      );
    }
    const order = new Prng(c.seed).shuffle(Int32Array.from({ length: n }, (_, e) => e));
    const nHold = Math.max(1, Math.round(n * c.holdoutFraction));
    const holdout = selectRows(train, order.subarray(0, nHold));
    const fitPart = selectRows(train, order.subarray(nHold));
    const M = c.members.length;
    const preds = new Float64Array(nHold * M);
    const memberRmse: number[] = [];
    c.members.forEach((spec, j) => {
      options.onProgress?.({
        model: this.name,
        message: `fitting member ${j + 1}/${M} (${spec.model}) on the fit part`,
      });
      const m = this.#fitMember(spec, fitPart);
      let se = 0;
      for (let e = 0; e < nHold; e++) {
        const p = m.predict(holdout.userId[e]!, holdout.movieId[e]!).rating;
        preds[e * M + j] = p;
        se += (p - holdout.rating[e]!) ** 2;
      }
      memberRmse.push(Math.sqrt(se / nHold));
    });
    // support as the full training set will have it (the fit part scaled up)
    const fitSupport = _support(fitPart, n / fitPart.rating.length);
    const D = _featureCount(M, c.metaFeatures);
    const X = new Matrix(nHold, D);
    const row = new Float64Array(D);
    for (let e = 0; e < nHold; e++) {
      _features(preds.subarray(e * M, e * M + M), {
        su: fitSupport.user(holdout.userId[e]!),
        si: fitSupport.item(holdout.movieId[e]!),
        meta: c.metaFeatures,
        out: row,
      });
      for (let a = 0; a < D; a++) X.set(e, a, row[a]!);
    }
    const y = Matrix.columnVector(Array.from(holdout.rating));
    const XtX = X.transpose().mmul(X);
    for (let a = 1; a < D; a++) XtX.set(a, a, XtX.get(a, a) + c.ridge);
    const w = solve(XtX, X.transpose().mmul(y));
    this.#weights = Float64Array.from(w.getColumn(0), Math.fround); // stored as float32
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
      let p = 0;
      for (let a = 0; a < D; a++) p += this.#weights[a]! * X.get(e, a);
      se += (this.#clip(p) - holdout.rating[e]!) ** 2;
    }
    this.#members = c.members.map((spec, j) => {
      options.onProgress?.({
        model: this.name,
        message: `refitting member ${j + 1}/${M} (${spec.model}) on all training ratings`,
      });
      return this.#fitMember(spec, train);
    });
    this.#support = _support(train, 1);
    this.#plan = undefined;
    this.#hash = _hashRatings(train);
    this.#extra = {
      memberNames: c.members.map((m) => m.model),
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

  /** The unclipped blend of the members' predictions, and the scorer that answered. */
  #blendOf(userId: number, movieId: number): { value: number; scorer: Prediction["scorer"] } {
    const members = this.#fitted();
    const M = members.length;
    const preds = new Float64Array(M);
    let scorer: Prediction["scorer"] | null = null;
    for (let j = 0; j < M; j++) {
      const q = members[j]!.predict(userId, movieId);
      preds[j] = q.rating;
      if (q.scorer === "model" || scorer === null) scorer = q.scorer;
    }
    const w = this.#weights;
    const support = this.#support!;
    const row = new Float64Array(w.length);
    _features(preds, {
      su: support.user(userId),
      si: support.item(movieId),
      meta: this.config.metaFeatures,
      out: row,
    });
    let p = 0;
    for (let a = 0; a < w.length; a++) p += w[a]! * row[a]!;
    return { value: p, scorer: scorer ?? "global-mean" };
  }

  #raw(userId: number, movieId: number): number {
    return this.#blendOf(userId, movieId).value;
  }

  predict(userId: number, movieId: number): Prediction {
    const { value, scorer } = this.#blendOf(userId, movieId);
    return { userId, movieId, rating: this.#clip(value), scorer };
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
    const M = members.length;
    const meta = this.config.metaFeatures;
    const su = meta ? this.#support!.user(userId) : 0;
    const si = plan.itemSupport ??
      (plan.itemSupport = Float32Array.from(ids, (id) => this.#support!.item(id)));
    const base = w[0]! + (meta ? w[M + 1]! * su : 0);
    const wsi = meta ? w[M + 2]! : 0;
    for (let i = 0; i < nI; i++) acc[i] = base + wsi * si[i]!;
    for (let m = 0; m < M; m++) {
      const pm = plan.members[m]!;
      const a = w[m + 1]! + (meta ? w[M + 3 + 2 * m]! * su : 0);
      const b = meta ? w[M + 4 + 2 * m]! : 0;
      if (m === 0) {
        for (let i = 0; i < nI; i++) acc[i] = acc[i]! + (a + b * si[i]!) * buf[i]!;
      } else if (pm.raw && pm.map === null) {
        pm.raw.rawScores(userId, buf);
        for (let i = 0; i < nI; i++) acc[i] = acc[i]! + (a + b * si[i]!) * buf[i]!;
      } else if (pm.raw && pm.map) {
        pm.raw.rawScores(userId, buf);
        const map = pm.map;
        for (let i = 0; i < nI; i++) {
          const x = map[i]!;
          const r = x >= 0 ? buf[x]! : members[m]!.predict(userId, ids[i]!).rating;
          acc[i] = acc[i]! + (a + b * si[i]!) * r;
        }
      } else {
        // a member without a raw path: its (clipped) predictions
        for (let i = 0; i < nI; i++) {
          acc[i] = acc[i]! + (a + b * si[i]!) * members[m]!.predict(userId, ids[i]!).rating;
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
    for (let j = 0; j < items.length; j++) top.push(j, this.#raw(userId, items[j]!.movieId));
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
      extra: { ...this.#extra, members: saved.map((a) => _stableManifest(a.manifest)) },
    }, [
      { name: "weights", array: Float32Array.from(this.#weights) },
      { name: "supportUserIds", array: this.#support!.users.ids },
      { name: "supportUserCounts", array: this.#support!.userCounts },
      { name: "supportItemIds", array: this.#support!.items.ids },
      { name: "supportItemCounts", array: this.#support!.itemCounts },
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
    const w32 = r.float32("weights", _featureCount(M, b.config.metaFeatures));
    // weights were fitted in float64 and stored as float32: use the stored values for bit-exact reloads
    b.#weights = Float64Array.from(w32);
    b.#members = manifests.data.map((manifest, j) => {
      const data = r.int32(`member${j}`);
      return factory.load({
        manifest: manifest as ModelArtifact["manifest"],
        data: new Uint8Array(data.buffer),
      });
    });
    const users = Vocabulary.fromSortedIds(r.int32("supportUserIds"));
    const items = Vocabulary.fromSortedIds(r.int32("supportItemIds"));
    b.#support = _supportOf({
      users,
      userCounts: r.int32("supportUserCounts", users.size),
      items,
      itemCounts: r.int32("supportItemCounts", items.size),
      scale: 1,
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
  /** Movie support meta-feature per candidate (built on first use). */
  itemSupport: Float32Array | null;
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
    itemSupport: null,
  };
}

/** Training ratings per user and per movie, and the log-support meta-feature. */
interface _Support {
  readonly users: Vocabulary;
  readonly userCounts: Int32Array;
  readonly items: Vocabulary;
  readonly itemCounts: Int32Array;
  user(userId: number): number;
  item(movieId: number): number;
}

/** The support of a ratings table; counts are multiplied by `scale` in the feature. */
function _support(train: Ratings, scale: number): _Support {
  const users = Vocabulary.fromIds(train.userId), items = Vocabulary.fromIds(train.movieId);
  const userCounts = new Int32Array(users.size), itemCounts = new Int32Array(items.size);
  const u = users.encode(train.userId), i = items.encode(train.movieId);
  for (let e = 0; e < u.length; e++) {
    userCounts[u[e]!]!++;
    itemCounts[i[e]!]!++;
  }
  return _supportOf({ users, userCounts, items, itemCounts, scale });
}

function _supportOf(
  s: Omit<_Support, "user" | "item"> & { readonly scale: number },
): _Support {
  const f = (count: number) => Math.log1p(count * s.scale) / 5;
  return {
    users: s.users,
    userCounts: s.userCounts,
    items: s.items,
    itemCounts: s.itemCounts,
    user: (id) => {
      const x = s.users.indexOf(id);
      return x < 0 ? 0 : f(s.userCounts[x]!);
    },
    item: (id) => {
      const x = s.items.indexOf(id);
      return x < 0 ? 0 : f(s.itemCounts[x]!);
    },
  };
}

/** Number of blend inputs: intercept, members, and with meta-features 2 + 2 per member. */
function _featureCount(members: number, meta: boolean): number {
  return 1 + members + (meta ? 2 + 2 * members : 0);
}

/**
 * The blend inputs of one pair: `[1, p_1..p_M]`, then with `meta`
 * `[s_u, s_i, p_1 s_u, p_1 s_i, ..., p_M s_u, p_M s_i]`.
 */
function _features(
  preds: ArrayLike<number>,
  o: { su: number; si: number; meta: boolean; out: Float64Array },
): void {
  const M = preds.length;
  const out = o.out;
  out[0] = 1;
  for (let m = 0; m < M; m++) out[1 + m] = preds[m]!;
  if (!o.meta) return;
  out[M + 1] = o.su;
  out[M + 2] = o.si;
  for (let m = 0; m < M; m++) {
    out[M + 3 + 2 * m] = preds[m]! * o.su;
    out[M + 4 + 2 * m] = preds[m]! * o.si;
  }
}

/** A member manifest without its clock readings, so a blend file is the same bytes every run. */
function _stableManifest(m: ModelArtifact["manifest"]): ModelArtifact["manifest"] {
  const { trainedAt: _t, ...rest } = m as ModelArtifact["manifest"] & { trainedAt?: string };
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(m.extra)) {
    if (!/(Seconds|PerSecond)$/.test(key)) extra[key] = value;
  }
  if (Array.isArray(m.extra.history)) {
    extra.history = m.extra.history.map((h) => {
      if (typeof h !== "object" || h === null) return h;
      const { seconds: _s, ...kept } = h as Record<string, unknown>;
      return kept;
    });
  }
  return { ...rest, extra } as ModelArtifact["manifest"];
}
