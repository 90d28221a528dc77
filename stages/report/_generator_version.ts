/**
 * The version of the report generator's own code, so that a page rendered by
 * older code is never taken as up to date: a hash of the source text of every
 * report module (this folder, without tests), of the tracking types they read,
 * and of the npm versions pinned in `deno.json`. No manual bump is needed.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

/** Files outside this folder whose text changes what the pages show. */
const _EXTRA_SOURCES = ["../../tracking/types.ts"];

function _isReportModule(name: string): boolean {
  return name.endsWith(".ts") && !name.endsWith("_test.ts") && !name.startsWith("_test_") &&
    !name.endsWith("_bench.ts");
}

async function _compute(): Promise<string> {
  const here = new URL(".", import.meta.url);
  if (here.protocol !== "file:") throw new Error(`not a file URL: ${here.href}`);
  const dir = fileURLToPath(here);
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && _isReportModule(entry.name)) names.push(entry.name);
  }
  names.sort();
  const hash = createHash("sha256");
  for (const name of [...names, ..._EXTRA_SOURCES]) {
    hash.update(`${name}\0`);
    hash.update(await Deno.readFile(fileURLToPath(new URL(name, here))));
    hash.update("\0");
  }
  // The chart libraries' versions: only the import map, so that editing tasks does not count.
  try {
    const config = JSON.parse(
      await Deno.readTextFile(fileURLToPath(new URL("../../deno.json", here))),
    );
    hash.update(JSON.stringify(config.imports ?? null));
  } catch {
    hash.update("no deno.json");
  }
  return hash.digest("hex");
}

let _version: Promise<string> | undefined;

/**
 * The generator's code version (hex), computed once per process. When the
 * sources cannot be read (e.g. the code runs from a remote URL) it is a random
 * value, so every page is rendered again rather than trusted.
 */
export function generatorVersion(): Promise<string> {
  _version ??= _compute().catch(() => `unversioned-${crypto.randomUUID()}`);
  return _version;
}
