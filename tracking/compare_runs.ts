/**
 * What differs between two runs: params, tags, and metric deltas judged by
 * each metric's direction (what DVC's `exp diff` and MLflow's compare view show).
 *
 * @module
 */
import { type MetricDirection, metricDirection } from "./metric_direction.ts";
import { latestMetric, type RunRecord } from "./types.ts";

/** A param or tag whose value differs (undefined: absent in that run). */
export interface ValueDiff {
  readonly key: string;
  readonly a: string | undefined;
  readonly b: string | undefined;
}

/** One metric of both runs: latest values, B - A, and whether B is better. */
export interface MetricDiff {
  readonly key: string;
  readonly a: number | undefined;
  readonly b: number | undefined;
  readonly delta: number | undefined;
  readonly direction: MetricDirection;
  /** B compared with A: undefined when a value is missing or the direction unknown. */
  readonly verdict: "better" | "worse" | "same" | undefined;
  /** Points in each run's history (epochs for loss curves). */
  readonly steps: readonly [number, number];
}

/** The differences between run A and run B. */
export interface RunComparison {
  readonly a: RunRecord;
  readonly b: RunRecord;
  /** Params that differ, sorted by key. */
  readonly params: readonly ValueDiff[];
  /** How many params the runs have in all (union of keys). */
  readonly paramCount: number;
  /** Tags that differ, sorted by key. */
  readonly tags: readonly ValueDiff[];
  /** Every metric of either run, sorted by key. */
  readonly metrics: readonly MetricDiff[];
}

/** Compares run B against run A. */
export function compareRuns(a: RunRecord, b: RunRecord): RunComparison {
  const paramKeys = union(a.params, b.params);
  return {
    a,
    b,
    params: diffValues(paramKeys, a.params, b.params),
    paramCount: paramKeys.length,
    tags: diffValues(union(a.tags, b.tags), a.tags, b.tags),
    metrics: union(a.metrics, b.metrics).map((key) => {
      const va = latestMetric(a, key);
      const vb = latestMetric(b, key);
      const delta = va !== undefined && vb !== undefined ? vb - va : undefined;
      const direction = metricDirection(key);
      let verdict: MetricDiff["verdict"];
      if (delta !== undefined && !Number.isNaN(delta)) {
        if (delta === 0) verdict = "same";
        else if (direction) verdict = (delta < 0) === (direction === "lower") ? "better" : "worse";
      }
      return {
        key,
        a: va,
        b: vb,
        delta,
        direction,
        verdict,
        steps: [a.metrics[key]?.length ?? 0, b.metrics[key]?.length ?? 0] as const,
      };
    }),
  };
}

function union(x: object, y: object): string[] {
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
}

function diffValues(
  keys: string[],
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): ValueDiff[] {
  return keys.filter((k) => a[k] !== b[k]).map((k) => ({ key: k, a: a[k], b: b[k] }));
}
