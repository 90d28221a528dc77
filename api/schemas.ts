/**
 * zod schemas of everything that enters the API (path parameters, query
 * parameters, JSON bodies) and of what leaves it (for the OpenAPI document).
 * Path and query values arrive as strings: integers must be plain ASCII digits
 * of bounded length, so `1e3`, ` 12`, `0x10`, `١٢` and 40-digit ids are
 * rejected with a 400 instead of being coerced.
 *
 * @module
 */
import { z } from "zod";

/** Largest id the API accepts (MovieLens ids are Int32). */
export const MAX_ID = 2_147_483_647;
/** Largest `k` for ranked lists. */
export const MAX_K = 100;
/** Most ratings an anonymous user may send to `POST /recommend`. */
export const MAX_FOLD_IN_RATINGS = 1000;

function _intString(
  what: string,
  min: number,
  max: number,
  meta: { description: string; example: number },
) {
  const expected = `expected a whole number from ${min} to ${max}`;
  const digits = String(max).length;
  return z
    .string({ error: expected })
    .regex(/^[0-9]+$/, { error: `${what} is not a whole number: ${expected}` })
    // More digits than the largest value (leading zeros aside) is too large, whatever its length.
    .refine((s) => s.replace(/^0+(?=[0-9])/, "").length <= digits, {
      error: `${what} is too large: ${expected}`,
      abort: true,
    })
    .transform(Number)
    .pipe(
      z.number().int().min(min, { error: `${what} is too small: ${expected}` }).max(max, {
        error: `${what} is too large: ${expected}`,
      }),
    )
    .meta(meta);
}

/** A user id in a path. */
export const UserIdParam = _intString("userId", 1, MAX_ID, {
  description: "MovieLens user id",
  example: 1,
});
/** A movie id in a path. */
export const MovieIdParam = _intString("movieId", 1, MAX_ID, {
  description: "MovieLens movie id",
  example: 1,
});

/** `k`: how many results, 1..{@linkcode MAX_K}, default 10. */
export const KQuery = _intString("k", 1, MAX_K, {
  description: `Number of results, 1 to ${MAX_K}`,
  example: 10,
}).optional().default(10);

/** A genre name as in the catalog (case-insensitive), e.g. `Comedy`. */
export const GenreQuery = z
  .string()
  .min(1, { error: "genre is empty: give a genre name such as Comedy, or leave it out" })
  .max(40, { error: "genre is too long: give a genre name such as Comedy" })
  .optional()
  .meta({ description: "Only movies of this genre (case-insensitive)", example: "Comedy" });

/**
 * `min_ratings`: only movies with at least this many training ratings are
 * ranked; absent: the server's default (`MIN_RATINGS`).
 */
export const MinRatingsQuery = _intString("min_ratings", 0, 1_000_000, {
  description:
    "Only movies with at least this many ratings in the model's training data are ranked (0: all). Default: the server's MIN_RATINGS setting. Does not apply to the popularity fallback.",
  example: 50,
}).optional();

/** A boolean query flag: true/false, 1/0, yes/no, on/off. */
function _flag(description: string, fallback: boolean) {
  return z
    .stringbool({ error: "expected true or false" })
    .optional()
    .default(fallback)
    .meta({ description, example: fallback });
}

/** Path of `/recommend/{userId}`. */
export const RecommendPath = z.object({ userId: UserIdParam });
/** Query of `/recommend/{userId}`. */
export const RecommendQuery = z.object({
  k: KQuery,
  exclude_seen: _flag("Leave out movies the user already rated", true),
  genre: GenreQuery,
  min_ratings: MinRatingsQuery,
}).strict();

/** Query of `POST /recommend`. */
export const FoldInQuery = z.object({ min_ratings: MinRatingsQuery }).strict();

/**
 * One rating of an anonymous user. The rating's range is the served model's
 * rating scale (`ratingScale` of `/health`), checked by the handler, which
 * knows the model.
 */
export const RatingInput = z
  .object({
    movieId: z.number({ error: `movieId must be a whole number from 1 to ${MAX_ID}` }).int({
      error: `movieId must be a whole number from 1 to ${MAX_ID}`,
    }).min(1, { error: `movieId must be a whole number from 1 to ${MAX_ID}` }).max(MAX_ID, {
      error: `movieId must be a whole number from 1 to ${MAX_ID}`,
    }),
    rating: z.number({
      error:
        "rating must be a number within the served model's rating scale (ratingScale in /health, e.g. 0.5 to 5)",
    }).meta({
      description:
        "Within the served model's rating scale (`ratingScale` of /health, 0.5 to 5 for MovieLens)",
      example: 4.5,
    }),
  })
  .strict();

/** Body of `POST /recommend`. */
export const FoldInBody = z
  .object({
    ratings: z.array(RatingInput).min(1, { error: "ratings is empty: send at least one rating" })
      .max(MAX_FOLD_IN_RATINGS, {
        error: `ratings has too many entries: send at most ${MAX_FOLD_IN_RATINGS}`,
      }).meta({
        description:
          "The user's ratings, each movie at most once (a movie given twice is rejected with 400)",
      }),
    k: z.number({ error: `k must be a whole number from 1 to ${MAX_K}` }).int({
      error: `k must be a whole number from 1 to ${MAX_K}`,
    }).min(1, { error: `k is too small: expected a whole number from 1 to ${MAX_K}` }).max(MAX_K, {
      error: `k is too large: expected a whole number from 1 to ${MAX_K}`,
    }).optional().default(10),
    genre: z.string().min(1).max(40).optional(),
    exclude_rated: z.boolean().optional().default(true),
  })
  .strict();

/** Path of `/similar/{movieId}` and `/movies/{movieId}`. */
export const MoviePath = z.object({ movieId: MovieIdParam });
/** Query of `/similar/{movieId}`. */
export const SimilarQuery = z.object({ k: KQuery }).strict();
/** Path of `/predict/{userId}/{movieId}` and `/explain/{userId}/{movieId}`. */
export const PairPath = z.object({ userId: UserIdParam, movieId: MovieIdParam });
/** Query of `/explain/{userId}/{movieId}`. */
export const ExplainQuery = z.object({
  k: _intString("k", 1, 50, { description: "How many contributing movies, 1 to 50", example: 5 })
    .optional().default(5),
}).strict();
/** Query of `/movies`. */
export const MoviesQuery = z.object({
  search: z.string().max(200, { error: "search is too long: at most 200 characters" }).optional()
    .meta({ description: "Case-insensitive part of the title", example: "toy story" }),
  limit: _intString("limit", 1, 100, { description: "Most results, 1 to 100", example: 20 })
    .optional().default(20),
}).strict();
/** Query of `/popular`. */
export const PopularQuery = z.object({ k: KQuery, genre: GenreQuery }).strict();
/** Query of operations without parameters. */
export const NoQuery = z.object({}).strict();

// ---- responses (the handlers' output types; strict, so the tests catch any drift) ----

/** A movie of the catalog. */
export const Movie = z.strictObject({
  movieId: z.number().int(),
  title: z.string().nullable(),
  year: z.number().int().nullable(),
  genres: z.array(z.string()),
});

/** One ranked movie. */
export const RankedMovie = Movie.extend({ score: z.number() });

/** Which scorer answered. */
export const ScorerSchema = z.enum(["model", "baseline", "user-mean", "global-mean", "popularity"]);

/** Which model answered: its name, version and the task it was chosen for. */
export const AnsweredBySchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  task: z.enum(["rating", "ranking"]).meta({
    description:
      "rating: the rating champion (lowest RMSE); ranking: the ranking champion (highest NDCG@10), both chosen on a holdout of the training ratings",
  }),
}).meta({ description: "The model that answered" });

/** Body of a ranked list. */
export const RecommendationsResponse = z.strictObject({
  userId: z.number().int().nullable(),
  model: z.string(),
  answeredBy: AnsweredBySchema,
  scorer: ScorerSchema,
  fallback: z.boolean().meta({ description: "True when the popularity fallback answered" }),
  items: z.array(RankedMovie),
});

/** Body of `POST /recommend`. */
export const FoldInResponse = RecommendationsResponse.extend({
  unknownMovieIds: z.array(z.number().int()).meta({
    description: "Movies of the request the model does not know (ignored)",
  }),
});

/** Body of `/similar/{movieId}`. */
export const SimilarResponse = z.strictObject({
  movieId: z.number().int(),
  model: z.string(),
  answeredBy: AnsweredBySchema,
  items: z.array(RankedMovie),
});

/** Body of `/predict/{userId}/{movieId}`. */
export const PredictResponse = z.strictObject({
  userId: z.number().int(),
  movieId: z.number().int(),
  rating: z.number(),
  scorer: ScorerSchema,
  model: z.string(),
  answeredBy: AnsweredBySchema,
  ratingScale: z.tuple([z.number(), z.number()]),
});

/** Body of `/explain/{userId}/{movieId}`. */
export const FactorExplainResponse = z.strictObject({
  userId: z.number().int(),
  movieId: z.number().int(),
  model: z.string(),
  answeredBy: AnsweredBySchema,
  prediction: z.number(),
  scorer: ScorerSchema,
  terms: z.strictObject({
    globalMean: z.number(),
    userBias: z.number(),
    itemBias: z.number(),
    userMean: z.number().nullable(),
    interaction: z.number().meta({
      description: "The trained model's interaction term p_u . q_i (the prediction uses it)",
    }),
  }),
  foldInInteraction: z.number().meta({
    description:
      "The interaction term of the user refitted from their training ratings (ridge fold-in); the contributions sum to it. It is not terms.interaction and can differ from it a lot",
  }),
  contributions: z.array(Movie.extend({ rating: z.number(), contribution: z.number() })),
  method: z.string(),
});

/** Body of `/explain/{userId}/{movieId}` when an item model (ease, item-knn, ials) ranks. */
export const ItemExplainResponse = z.strictObject({
  userId: z.number().int(),
  movieId: z.number().int(),
  model: z.string(),
  answeredBy: AnsweredBySchema,
  score: z.number().meta({
    description: "The ranking model's score of the movie for the user (not a rating)",
  }),
  contributions: z.array(Movie.extend({
    rating: z.number(),
    weight: z.number().meta({
      description: "This rated movie's additive share of the score (negative pulls it down)",
    }),
  })).meta({ description: "The rated movies that contributed most, largest weight first" }),
  method: z.string(),
});

/** Body of `/explain/{userId}/{movieId}`: the ranking champion's item weights, else the rating model's terms. */
export const ExplainResponse = z.union([ItemExplainResponse, FactorExplainResponse]);

/** Body of `/health`. */
export const HealthResponse = z.strictObject({
  status: z.enum(["ok", "loading"]),
  model: z.string().nullable(),
  version: z.string().nullable(),
  source: z.string().nullable().meta({
    description:
      "Which kind of source the model came from: `pipeline champion`, `model folder` or `models:/NAME@ALIAS` (never a path on the server)",
  }),
  ratingScale: z.tuple([z.number(), z.number()]).nullable(),
  dataHash: z.string().nullable(),
  trainedAt: z.string().nullable(),
  loadedAt: z.string().nullable(),
  champions: z.strictObject({
    rating: AnsweredBySchema.nullable(),
    ranking: AnsweredBySchema.nullable(),
  }).meta({
    description:
      "The models served: the rating champion answers /predict; the ranking champion the ranked lists, /similar and /explain (null: the rating champion answers everything)",
  }),
  uptimeSeconds: z.number(),
});

/** Body of `/ready`. */
export const ReadyResponse = z.strictObject({
  ready: z.literal(true),
  /** The served model and version (a load balancer or a rollout check reads which one serves). */
  model: z.string(),
  version: z.string(),
  /** True while a new model loads beside the served one (which keeps answering). */
  reloading: z.boolean(),
});

/** Body of `/movies`. */
export const MoviesResponse = z.strictObject({ items: z.array(Movie), total: z.number().int() });

/** Body of `/popular`. */
export const PopularResponse = z.strictObject({
  genre: z.string().nullable(),
  items: z.array(RankedMovie.extend({ count: z.number().int(), mean: z.number() })),
});

/** Body of `POST /admin/reload`. */
export const ReloadResponse = z.strictObject({
  reloaded: z.boolean(),
  model: z.string(),
  version: z.string().nullable(),
  ranking: AnsweredBySchema.nullable(),
  ms: z.number(),
});

/** Body of every error (RFC 9457); extensions such as `errors` or `allowed` may follow. */
export const ProblemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
}).meta({ id: "Problem" });
