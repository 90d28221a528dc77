/**
 * Parsing of model configs with zod, with error messages that name the key.
 *
 * @module
 */
import type { z } from "zod";

/**
 * Parses `input` with `schema`; on failure throws a RangeError naming each bad
 * key, e.g. `Invalid config for model "svd": factors: Too small: expected number to be >0`.
 */
export function _parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  model: string,
): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join(".") : "(config)";
      const keys = "keys" in issue && Array.isArray(issue.keys) ? ` ${issue.keys.join(", ")}` : "";
      return `${key}: ${issue.message}${keys}`;
    })
    .join("; ");
  throw new RangeError(`Invalid config for model "${model}": ${detail}`);
}
