/**
 * Content hashes for the cache: files, folders and JSON values. All sha256,
 * hex. Code is hashed by `code_hash.ts` (from Deno's module graph and the lock).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, join, relative } from "node:path";

/** sha256 of a string or bytes, hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * sha256 of a JSON value with object keys sorted, so `{a, b}` and `{b, a}`
 * hash the same.
 *
 * @example
 * ```ts
 * import { hashJson } from "./hash.ts";
 * if (hashJson({ a: 1, b: 2 }) !== hashJson({ b: 2, a: 1 })) throw new Error("order matters");
 * ```
 */
export function hashJson(value: unknown): string {
  return sha256(stableStringify(value));
}

/** JSON.stringify with sorted object keys. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}

/** sha256 of a file's bytes, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * The name of the files that hold the facts of one run of a stage (how long
 * fitting or evaluating took) rather than content: they are kept, copied and
 * restored with the outputs but left out of {@linkcode hashPath}, so identical
 * results hash the same however long they took and an unchanged re-run leaves
 * the lock file and every downstream key as they were.
 */
export const TIMINGS_FILE = "timings.json";

/**
 * sha256 of a file, or of a folder as the sorted list of (relative path, file
 * hash) pairs, leaving out {@linkcode TIMINGS_FILE}s. Returns undefined when
 * the path does not exist. `fileHash` hashes one file (default
 * {@linkcode hashFile}; the stat cache passes its own, which gives the same
 * values without reading unchanged files).
 */
export async function hashPath(
  path: string,
  fileHash: (file: string, info?: Deno.FileInfo) => Promise<string> = hashFile,
): Promise<string | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  if (info.isFile) return await fileHash(path, info);
  const entries: string[] = [];
  for (const file of await listFiles(path)) {
    if (basename(file) === TIMINGS_FILE) continue;
    entries.push(`${relative(path, file)}\0${await fileHash(file)}`);
  }
  return sha256(entries.join("\n"));
}

/** Every file under a folder, sorted, recursively. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const full = join(dir, entry.name);
    if (entry.isDirectory) out.push(...(await listFiles(full)));
    else if (entry.isFile) out.push(full);
  }
  return out.sort();
}
