/**
 * Mean and Student-t confidence interval of a metric over folds.
 *
 * @module
 */
import { _studentTQuantile } from "./_student_t.ts";

/** A metric's mean over folds with its confidence interval. */
export interface ConfidenceInterval {
  /** Mean over the finite values. */
  readonly mean: number;
  /** Sample standard deviation (n - 1); null with fewer than two values. */
  readonly std: number | null;
  /** `mean - halfWidth`; null with fewer than two values. */
  readonly lower: number | null;
  /** `mean + halfWidth`; null with fewer than two values. */
  readonly upper: number | null;
  /** `t(1 - (1 - level) / 2, n - 1) * std / sqrt(n)`; null with fewer than two values. */
  readonly halfWidth: number | null;
  /** Number of finite values used. */
  readonly n: number;
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
}

/**
 * Mean and two-sided confidence interval (default 95%) of per-fold values with
 * Student's t and n - 1 degrees of freedom. NaN values (a metric undefined
 * on a fold) are left out; with fewer than two values the interval is null.
 *
 * @example
 * ```ts
 * import { confidenceInterval } from "./confidence_interval.ts";
 * // mean 2, std 1, n 3: half width t(0.975, 2) / sqrt(3) = 4.302653 / 1.732051
 * const ci = confidenceInterval([1, 2, 3]);
 * if (Math.abs(ci.halfWidth! - 2.484138) > 1e-5) throw new Error("wrong interval");
 * ```
 */
export function confidenceInterval(
  values: ArrayLike<number>,
  level = 0.95,
): ConfidenceInterval {
  if (!(level > 0 && level < 1)) {
    throw new RangeError(
      `Cannot compute confidence interval: level must be in (0, 1), got ${level}`,
    );
  }
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) xs.push(values[i]!);
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: null, lower: null, upper: null, halfWidth: null, n, level };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: null, lower: null, upper: null, halfWidth: null, n, level };
  const variance = xs.reduce((a, x) => a + (x - mean) * (x - mean), 0) / (n - 1);
  const std = Math.sqrt(variance);
  const halfWidth = (_studentTQuantile(1 - (1 - level) / 2, n - 1) * std) / Math.sqrt(n);
  return { mean, std, lower: mean - halfWidth, upper: mean + halfWidth, halfWidth, n, level };
}

/** Display label. */
confidenceInterval.label = "95% CI";
