/**
 * Splitting a run's data into runs/log-batch calls within MLflow's limits:
 * at most 1000 metrics, 100 params, 100 tags, and 1000 entities in all per call.
 *
 * @module
 */

/** MLflow's per-call limits of runs/log-batch. */
export const LOG_BATCH_LIMITS = {
  metrics: 1000,
  params: 100,
  tags: 100,
  total: 1000,
} as const;

/** One runs/log-batch body (without the run id). */
export interface LogBatch<M, P, T> {
  metrics: M[];
  params: P[];
  tags: T[];
}

/**
 * Packs metrics, params and tags greedily into as few batches as the limits
 * allow, keeping each list's order (metric history stays in step order).
 */
export function chunkLogBatch<M, P, T>(
  data: { metrics: readonly M[]; params: readonly P[]; tags: readonly T[] },
  limits: typeof LOG_BATCH_LIMITS = LOG_BATCH_LIMITS,
): LogBatch<M, P, T>[] {
  const out: LogBatch<M, P, T>[] = [];
  let m = 0, p = 0, t = 0;
  while (m < data.metrics.length || p < data.params.length || t < data.tags.length) {
    const params = data.params.slice(p, p + Math.min(limits.params, limits.total));
    p += params.length;
    const tags = data.tags.slice(t, t + Math.min(limits.tags, limits.total - params.length));
    t += tags.length;
    const room = Math.min(limits.metrics, limits.total - params.length - tags.length);
    const metrics = data.metrics.slice(m, m + room);
    m += metrics.length;
    out.push({ metrics, params, tags });
  }
  return out;
}
