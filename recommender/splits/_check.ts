/**
 * Argument checks shared by the split functions (private to `splits/`).
 *
 * @module
 */

/** Throws unless `f` is strictly between 0 and 1. */
export function _checkFraction(split: string, f: number): void {
  if (!(f > 0 && f < 1)) {
    throw new RangeError(`Cannot make ${split} split: testFraction must be in (0, 1), got ${f}`);
  }
}

/** Throws unless `seed` is an integer. */
export function _checkSeed(split: string, seed: number): void {
  if (!Number.isInteger(seed)) {
    throw new RangeError(`Cannot make ${split} split: seed must be an integer, got ${seed}`);
  }
}

/** Number of test rows for a fraction; throws when either side would be empty. */
export function _testCount(split: string, n: number, f: number): number {
  const nTest = Math.round(n * f);
  if (nTest < 1 || nTest > n - 1) {
    throw new RangeError(
      `Cannot make ${split} split: ${n} ratings with testFraction ${f} leave an empty train or test set; use more ratings or another fraction`,
    );
  }
  return nTest;
}
