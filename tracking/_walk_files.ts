import { join } from "node:path";
import { isTempName } from "../lib/atomic.ts";

/**
 * Files under `dir`, recursively, sorted by name; temp files of atomic writes
 * in progress are left out (those of `lib/atomic.ts`, and the `*.tmp` names
 * earlier versions of the run store left behind).
 */
export async function* walkFiles(dir: string): AsyncGenerator<string> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* walkFiles(path);
    else if (e.isFile && !e.name.endsWith(".tmp") && !isTempName(e.name)) yield path;
  }
}
