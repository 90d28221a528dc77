/**
 * Shared argument check of the pointwise metrics (private to `metrics/`).
 *
 * @module
 */

/** Returns the common length of two paired columns; throws when they differ. */
export function _checkPaired(
  metric: string,
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): number {
  if (actual.length !== predicted.length) {
    throw new RangeError(
      `Cannot compute ${metric}: actual and predicted differ in length (${actual.length} vs ${predicted.length})`,
    );
  }
  return actual.length;
}
