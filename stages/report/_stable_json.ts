/**
 * A canonical JSON text of a value, for hashing: object keys sorted, and
 * numbers JSON cannot tell apart (`-0`, `NaN`, `±Infinity`) written distinctly.
 *
 * @module
 */

/**
 * The canonical JSON text of `value`: equal for structurally equal values
 * whatever their key order. `undefined` object fields are left out, as in
 * `JSON.stringify`; `undefined` array items become `null`.
 *
 * @example
 * ```ts
 * import { stableJson } from "./_stable_json.ts";
 * if (stableJson({ b: 1, a: [2] }) !== stableJson({ a: [2], b: 1 })) throw new Error("unstable");
 * ```
 */
export function stableJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "number":
      if (Number.isFinite(value)) return Object.is(value, -0) ? '"-0"' : JSON.stringify(value);
      return `"${String(value)}"`;
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "bigint":
      return `"${value}n"`;
    case "object": {
      if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && typeof v !== "function")
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
    }
    default:
      return "null";
  }
}
