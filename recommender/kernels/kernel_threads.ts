/**
 * How many threads the numeric kernels may use (ALS half-steps, ...): by
 * default every core the runtime reports (`navigator.hardwareConcurrency`).
 * Results never depend on it: the kernels split work so that any number of
 * threads computes the same bits.
 *
 * @module
 */

let threads: number | undefined;

/**
 * The kernel thread count; with an argument, sets it first (1 = no worker
 * threads; `undefined` as the argument keeps the current value).
 *
 * @example
 * ```ts
 * import { kernelThreads } from "./kernel_threads.ts";
 * const before = kernelThreads();
 * if (kernelThreads(1) !== 1) throw new Error("not set");
 * kernelThreads(before);
 * ```
 */
export function kernelThreads(set?: number): number {
  if (set !== undefined) {
    if (!Number.isInteger(set) || set < 1) {
      throw new RangeError(
        `Cannot set kernel threads to ${set}: expected an integer of at least 1`,
      );
    }
    threads = set;
  }
  return threads ?? Math.max(1, Math.min(64, globalThis.navigator?.hardwareConcurrency ?? 1));
}
