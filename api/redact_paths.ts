/**
 * Removes where files live on the server from a message meant for an API
 * client: every absolute path (POSIX, Windows or `file://`) becomes `…/` and
 * its last segment, so `Cannot read model data: /srv/x/models/als/model.bin
 * does not exist` reads `Cannot read model data: …/model.bin does not exist`.
 * Logs keep the full message; only answers are redacted.
 *
 * @module
 */

// A path starts at the beginning, after whitespace, a quote, a bracket or "=", so "models:/x@a"
// and the path of an http URL are left alone.
const _ABSOLUTE =
  /(^|[\s"'`(=[])(?:file:\/\/)?(?:[A-Za-z]:[\\/]|\/)(?:[^\s"'`()[\]\\/,;]+[\\/])*([^\s"'`()[\]\\/,;]*)/g;

/**
 * Redacts absolute paths in `text`.
 *
 * @example
 * ```ts
 * import { redactPaths } from "./redact_paths.ts";
 * const out = redactPaths("Cannot read /tmp/data/models/als/model.bin: gone; models:/rec@champion stays");
 * if (out !== "Cannot read …/model.bin: gone; models:/rec@champion stays") throw new Error(out);
 * ```
 */
export function redactPaths(text: string): string {
  return text.replace(_ABSOLUTE, (_m, lead: string, last: string) => `${lead}…/${last}`);
}
