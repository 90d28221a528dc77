/**
 * Cold-start rate of a set of predictions.
 *
 * @module
 */

/**
 * Share of predictions flagged cold (non-zero / true): pairs whose user or
 * movie was not in the training data, so a fallback scorer answered. NaN for
 * no predictions.
 *
 * @example
 * ```ts
 * import { coldStartRate } from "./cold_start_rate.ts";
 * if (coldStartRate(Uint8Array.of(0, 1, 0, 1)) !== 0.5) throw new Error("wrong rate");
 * ```
 */
export function coldStartRate(cold: ArrayLike<number | boolean>): number {
  const n = cold.length;
  if (n === 0) return NaN;
  let c = 0;
  for (let i = 0; i < n; i++) if (cold[i]) c++;
  return c / n;
}

/** Display label. */
coldStartRate.label = "Cold-start rate";
