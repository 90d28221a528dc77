/**
 * What the evaluate stage hands the report for one run, beyond the run's
 * metrics: error histogram, a predicted-vs-actual sample, sample
 * recommendations with titles, similar movies, a data summary and the stage
 * timings. Written as the run artifact `report_data.json`
 * ({@linkcode REPORT_DATA_ARTIFACT}) and parsed back with
 * {@linkcode parseRunReportData}. Shared by its writer (evaluate) and its
 * reader (report), so it lives beside the stages, not in `report/`.
 *
 * @module
 */
import { z } from "zod";
import { REPORT_DATA_ARTIFACT } from "./run_keys.ts";

/** Most points the predicted-vs-actual sample may hold. */
export const MAX_PREDICTION_SAMPLE = 2000;

const finite = z.number().finite();

/** One movie with its title, as listed on a run page. */
const MovieRef = z.object({
  movieId: z.number().int(),
  title: z.string(),
});

/** Schema of {@linkcode RunReportData}. */
export const RunReportDataSchema = z.object({
  /** Format version of this file. */
  version: z.literal(1),
  /** Histogram of prediction errors (predicted - actual) on the test ratings. */
  errorHistogram: z.array(z.object({
    /** Lower edge of the bin (inclusive). */
    x0: finite,
    /** Upper edge of the bin (exclusive, except the last bin). */
    x1: finite,
    count: z.number().int().nonnegative(),
  })),
  /** A sample of test ratings with their predictions (at most 2000). */
  predictedVsActual: z.array(z.object({ actual: finite, predicted: finite }))
    .max(MAX_PREDICTION_SAMPLE),
  /** A few users: movies they rated highly and their top-10 recommendations. */
  sampleUsers: z.array(z.object({
    userId: z.number().int(),
    /** Movies the user rated highly in the training data. */
    topRated: z.array(MovieRef.extend({ rating: finite })),
    /** The user's top-10, best first. */
    recommendations: z.array(MovieRef.extend({
      /** The predicted rating, clipped to the rating scale. */
      score: finite,
      /** The unclipped score the ranking used, when the writer has it (tells apart ties at 5.00). */
      rawScore: finite.optional(),
    })),
    /** Which scorer answered (`model`, `popularity`, ...). */
    scorer: z.string().optional(),
  })),
  /** Similar movies for a few well-known titles. */
  similarMovies: z.array(MovieRef.extend({
    similar: z.array(MovieRef.extend({ score: finite })),
  })),
  /** The data the run was trained and tested on. */
  dataSummary: z.object({
    ratings: z.number().int().nonnegative(),
    users: z.number().int().nonnegative(),
    movies: z.number().int().nonnegative(),
    trainRatings: z.number().int().nonnegative().optional(),
    testRatings: z.number().int().nonnegative().optional(),
    ratingScale: z.object({ min: finite, max: finite, step: finite.optional() }),
    /** ISO 8601 dates of the first and last rating. */
    dateRange: z.object({ first: z.string(), last: z.string() }),
  }),
  /** How long each stage took in this run and whether it was reused from the cache. */
  stageTimings: z.array(z.object({
    stage: z.string(),
    status: z.enum(["ran", "cached", "restored", "failed", "skipped"]),
    seconds: z.number().nonnegative(),
    /** Run that produced the cached result. */
    cachedFrom: z.string().optional(),
  })),
});

/** Report data of one run (see {@linkcode RunReportDataSchema}). */
export type RunReportData = z.infer<typeof RunReportDataSchema>;

/**
 * Parses a run's `report_data.json` (text or already-parsed JSON).
 *
 * @throws {Error} When the content is not valid JSON or does not match the schema.
 */
export function parseRunReportData(input: string | unknown): RunReportData {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new Error(
        `Cannot read ${REPORT_DATA_ARTIFACT}: it is not valid JSON (${
          (error as Error).message
        }); re-run the evaluate stage to write it again`,
      );
    }
  }
  const parsed = RunReportDataSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(root)";
    throw new Error(
      `Cannot read ${REPORT_DATA_ARTIFACT}: field ${where}: ${
        issue?.message ?? "invalid"
      }; re-run the evaluate stage to write it again`,
    );
  }
  return parsed.data;
}
