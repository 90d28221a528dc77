/**
 * Whether a file or folder exists: a missing path is `false`; any other
 * error (permissions, I/O) is thrown rather than read as "missing".
 *
 * @module
 */

/**
 * True when `path` exists.
 *
 * @example
 * ```ts
 * import { pathExists } from "./path_exists.ts";
 * if (await pathExists("/no/such/place")) throw new Error("it does not exist");
 * ```
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
