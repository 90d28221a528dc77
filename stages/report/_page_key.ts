/**
 * Content keys of report pages: a hash of everything a page shows, embedded
 * in the page as `<meta name="report-key">` so the next build can tell, from
 * the first bytes of the file, whether the page is still up to date.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { generatorVersion } from "./_generator_version.ts";
import { stableJson } from "./_stable_json.ts";

/** How many bytes of a page are read to find its key (the meta tag is near the top). */
const _HEAD_BYTES = 4096;
const _KEY_PATTERN = /<meta name="report-key" content="([0-9a-f]{64})">/;

/** Hex sha256 of a text or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The content key of a page rendered from `inputs` by this version of the generator. */
export async function pageKey(inputs: unknown): Promise<string> {
  return sha256Hex(`${await generatorVersion()}\n${stableJson(inputs)}`);
}

/** The `<meta>` tag that carries a page's key. */
export function pageKeyMeta(key: string): string {
  return `<meta name="report-key" content="${key}">`;
}

/**
 * The key embedded in the page at `path`, reading only its first few KB.
 * Undefined when the file does not exist or carries no key.
 */
export async function readPageKey(path: string): Promise<string | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const buffer = new Uint8Array(_HEAD_BYTES);
    let filled = 0;
    while (filled < buffer.length) {
      const n = await file.read(buffer.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    const head = new TextDecoder().decode(buffer.subarray(0, filled));
    return _KEY_PATTERN.exec(head)?.[1];
  } finally {
    file.close();
  }
}
