/**
 * The pipeline's stages in declaration order. The runner derives the DAG from
 * their deps and outs.
 *
 * @module
 */
import type { Stage } from "../dag/stage.ts";
import { etlStage } from "./etl.ts";

/** Every stage of `deno task pipeline`. */
export const STAGES: readonly Stage[] = [etlStage as unknown as Stage];
