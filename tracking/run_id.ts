/**
 * Run ids: the one maker for the run store's runs and the pipeline's
 * invocation ids.
 *
 * @module
 */

/** Run ids shaped like MLflow's: 32 lowercase hex digits (a UUID v4 without dashes). */
export function newRunId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/** True for a string shaped like a run id (32 lowercase hex digits). */
export function isRunId(id: string): boolean {
  return /^[0-9a-f]{32}$/.test(id);
}
