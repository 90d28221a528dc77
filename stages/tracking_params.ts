/**
 * The `tracking` params section, read by the two stages that record and show
 * an invocation: track (`track.ts`) and report (`report.ts`).
 *
 * @module
 */
import { z } from "zod";

/** The `tracking` params section. */
export const trackingParams = z.object({
  /** Experiment name (MLFLOW_EXPERIMENT_NAME wins when set). */
  experiment: z.string().min(1).default("movie-recommender"),
  /** Registered model name; each trained model becomes a version, the best RMSE `champion`. */
  registeredModel: z.string().min(1).default("movie-recommender"),
  /** Turn tracking (and with it the report stage) off entirely. */
  enabled: z.boolean().default(true),
}).strict();

/** Parsed `tracking` params. */
export type TrackingParams = z.output<typeof trackingParams>;
