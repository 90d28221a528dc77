/**
 * Number, date and duration formatting for report pages. Missing values are
 * shown as an em dash, never as zero.
 *
 * @module
 */

/** Placeholder for a missing value. */
export const MISSING = "—";

/** A number with fixed decimals, or the missing placeholder. */
export function formatNumber(value: number | undefined, digits = 4): string {
  if (value === undefined || !Number.isFinite(value)) return MISSING;
  return value.toFixed(digits);
}

/** An integer with thousands separators (`100,836`). */
export function formatCount(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return MISSING;
  return Math.round(value).toLocaleString("en-US");
}

/** `2024-05-01 14:03` in UTC, from milliseconds since the epoch. */
export function formatDateTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return MISSING;
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** `1.2 s`, `3 m 05 s`, `1 h 02 m`. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return MISSING;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0
    ? `${h} h ${String(m).padStart(2, "0")} m`
    : `${m} m ${String(s).padStart(2, "0")} s`;
}
