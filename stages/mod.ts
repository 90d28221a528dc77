/**
 * The pipeline's stages in declaration order. The runner derives the DAG from
 * their deps and outs.
 *
 * @module
 */
import type { Stage } from "../dag/stage.ts";
import { etlStage } from "./etl.ts";
import { featuresStage } from "./features.ts";
import { splitStage } from "./split.ts";
import { trainStage } from "./train.ts";
import { evaluateStage } from "./evaluate.ts";
import { selectStage } from "./select.ts";
import { trackStage } from "./track.ts";
import { reportStage } from "./report.ts";

/**
 * Every stage of `deno task pipeline`, in declaration order: the cached ones,
 * then track and report, which run on every invocation.
 */
export const STAGES: readonly Stage[] = [
  etlStage,
  featuresStage,
  splitStage,
  trainStage,
  selectStage,
  evaluateStage,
  trackStage,
  reportStage,
];
