/**
 * Catalog coverage of a set of recommendation lists.
 *
 * @module
 */

/**
 * Share of the catalog that appears in at least one list:
 * `|distinct recommended movies| / catalogSize`. NaN for an empty catalog.
 *
 * @example
 * ```ts
 * import { catalogCoverage } from "./coverage.ts";
 * if (catalogCoverage([[1, 2], [2, 3]], 10) !== 0.3) throw new Error("wrong coverage");
 * ```
 */
export function catalogCoverage(
  lists: Iterable<ArrayLike<number>>,
  catalogSize: number,
): number {
  if (!(catalogSize >= 0)) {
    throw new RangeError(
      `Cannot compute coverage: catalogSize must be a non-negative number, got ${catalogSize}`,
    );
  }
  if (catalogSize === 0) return NaN;
  const seen = new Set<number>();
  for (const list of lists) for (let i = 0; i < list.length; i++) seen.add(list[i]!);
  return seen.size / catalogSize;
}

/** Display label. */
catalogCoverage.label = "Coverage";
