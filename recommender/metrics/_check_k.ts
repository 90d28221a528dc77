/**
 * Shared argument check of the ranking metrics (private to `metrics/`).
 *
 * @module
 */

/** Throws unless `k` is a positive integer. */
export function _checkK(metric: string, k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`Cannot compute ${metric}: k must be a positive integer, got ${k}`);
  }
}
