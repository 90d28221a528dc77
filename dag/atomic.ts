/**
 * Atomic writes: write a temporary file beside the target, then rename it
 * over the target, so a reader never sees a half-written file.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

let counter = 0;

/** A temporary path in the same folder as `path` (same file system, so rename is atomic). */
export function tempPathFor(path: string, tag = "tmp"): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${tag}-${Deno.pid}-${counter}`);
}

/**
 * Writes bytes or text to `path` atomically, creating its folder.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.bin`, new Uint8Array([1, 2]));
 * if ((await Deno.readFile(`${dir}/a.bin`)).length !== 2) throw new Error("not written");
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`Cannot write ${path}: ${(e as Error).message}; check the folder is writable`, {
      cause: e,
    });
  }
}

/** Writes text to `path` atomically. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text);
}

/**
 * Moves a finished temporary file or folder into place, replacing what was
 * there. For folders the old one is first renamed aside, then removed.
 */
export async function replacePath(tmp: string, path: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  let old: string | undefined;
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) {
      old = tempPathFor(path, "old");
      await Deno.rename(path, old);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    if (old) await Deno.rename(old, path).catch(() => {});
    throw e;
  }
  if (old) await Deno.remove(old, { recursive: true });
}
