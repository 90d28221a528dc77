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

/** Every cached stage of `deno task pipeline`, in declaration order. */
export const STAGES: readonly Stage[] = [
  etlStage,
  featuresStage,
  splitStage,
  trainStage,
  selectStage,
  evaluateStage,
] as unknown as readonly Stage[];
