/**
 * Atomic file writes for the local run store: write a temp file beside the
 * target, then rename over it, so a reader never sees a partial file.
 *
 * @module
 */
import { dirname } from "node:path";

/** Content accepted by {@linkcode writeFileAtomic}. */
export type AtomicContent = string | Uint8Array | ReadableStream<Uint8Array>;

/**
 * Writes `content` to `path` atomically: a temp file `<path>.<random>.tmp` is
 * written and renamed over `path`; on any failure the temp file is removed and
 * `path` keeps its old content.
 */
export async function writeFileAtomic(path: string, content: AtomicContent): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    if (typeof content === "string") await Deno.writeTextFile(tmp, content);
    else await Deno.writeFile(tmp, content);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** Copies a file to `to` atomically (see {@linkcode writeFileAtomic}). */
export async function copyFileAtomic(from: string, to: string): Promise<void> {
  await Deno.mkdir(dirname(to), { recursive: true });
  const tmp = `${to}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.copyFile(from, tmp);
    await Deno.rename(tmp, to);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}
