/**
 * Registry aliases per task (`champion-rating`, `champion-ranking`): the
 * select stage names each task's champion from holdout measurements; its
 * registered version takes the task's alias only when the version holding it
 * was measured on the same dataset and split (the same `context`) and the
 * candidate's holdout value is better, or when no version holds it yet.
 * Versions measured on other data are never compared: the alias stays.
 *
 * @module
 */

/** A task alias a new model version asks for. */
export interface TaskAliasRequest {
  /** The alias, e.g. `champion-ranking`. */
  readonly alias: string;
  /** The holdout value the select stage chose it by (e.g. NDCG@10 or RMSE). */
  readonly value: number;
  /** True when higher values are better (ranking metrics), false for errors (RMSE). */
  readonly higherIsBetter: boolean;
  /** What the value was measured on: the dataset's content hash and the split's key. */
  readonly context: string;
}

/** What the current holder of an alias was measured with (absent fields: unknown). */
export interface AliasHolder {
  readonly value?: number;
  readonly context?: string;
}

/** Whether the alias moves to the candidate, and why (for the run's log). */
export interface AliasDecision {
  readonly move: boolean;
  readonly reason: string;
}

/**
 * The rule of the module doc.
 *
 * @example
 * ```ts
 * import { decideTaskAlias } from "./task_alias.ts";
 * const ask = { alias: "champion-ranking", value: 0.31, higherIsBetter: true, context: "d1:s1" };
 * if (!decideTaskAlias(ask, undefined).move) throw new Error("no holder: moves");
 * if (!decideTaskAlias(ask, { value: 0.30, context: "d1:s1" }).move) throw new Error("better");
 * if (decideTaskAlias(ask, { value: 0.10, context: "d2:s1" }).move) throw new Error("other data");
 * ```
 */
export function decideTaskAlias(
  candidate: TaskAliasRequest,
  holder: AliasHolder | undefined,
): AliasDecision {
  if (!Number.isFinite(candidate.value)) {
    return { move: false, reason: `its holdout value is ${candidate.value}` };
  }
  if (holder === undefined) return { move: true, reason: "no version held it" };
  if (holder.context !== candidate.context) {
    return {
      move: false,
      reason: `the holder was measured on other data or another split (${
        holder.context ?? "unknown"
      }, this one ${candidate.context}): not comparable`,
    };
  }
  const v = holder.value;
  if (v === undefined || !Number.isFinite(v)) {
    return { move: true, reason: "the holder has no value" };
  }
  const better = candidate.higherIsBetter ? candidate.value > v : candidate.value < v;
  return better
    ? { move: true, reason: `holdout ${candidate.value} beats ${v}` }
    : { move: false, reason: `holdout ${candidate.value} does not beat ${v}` };
}

/** Version tag names that record a task alias request on a registered version. */
export function taskAliasTags(request: TaskAliasRequest): Record<string, string> {
  return {
    [`${request.alias}.value`]: String(request.value),
    [`${request.alias}.context`]: request.context,
  };
}

/** The holder facts read back from a version's tags (see {@linkcode taskAliasTags}). */
export function holderFromTags(
  alias: string,
  tags: Readonly<Record<string, string>>,
): AliasHolder {
  const value = tags[`${alias}.value`];
  const context = tags[`${alias}.context`];
  return {
    ...(value !== undefined ? { value: Number(value) } : {}),
    ...(context !== undefined ? { context } : {}),
  };
}
