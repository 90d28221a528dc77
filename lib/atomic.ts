/**
 * Atomic writes: write a temporary file beside the target, then rename it
 * over the target, so a reader never sees a half-written file. The one home
 * of this rule for the runner, the stages and the run store (this folder
 * imports nothing of the project, so every layer may use it).
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

let counter = 0;

/** Content accepted by {@linkcode writeFileAtomic}. */
export type AtomicContent = string | Uint8Array | ReadableStream<Uint8Array>;

/**
 * A temporary path in the same folder as `path` (same file system, so rename
 * is atomic): `.<name>.<tag>-<pid>-<n>`, hidden and unique in this process.
 */
export function tempPathFor(path: string, tag = "tmp"): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${tag}-${Deno.pid}-${counter}`);
}

/**
 * True for a file name made by {@linkcode tempPathFor} (a write in progress,
 * or one a killed process left behind): folder walkers skip these.
 *
 * @example
 * ```ts
 * import { isTempName, tempPathFor } from "./atomic.ts";
 * import { basename } from "node:path";
 * if (!isTempName(basename(tempPathFor("/runs/run.json")))) throw new Error("not a temp name");
 * if (isTempName("run.json")) throw new Error("a real file");
 * ```
 */
export function isTempName(name: string): boolean {
  return /^\..+\.(?:tmp|old)(?:-.+)?-\d+-\d+$/.test(name);
}

/**
 * Writes bytes, text or a byte stream to `path` atomically, creating its
 * folder. On any failure the temporary file is removed and `path` keeps its
 * old content.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.bin`, new Uint8Array([1, 2]));
 * if ((await Deno.readFile(`${dir}/a.bin`)).length !== 2) throw new Error("not written");
 * ```
 */
export async function writeFileAtomic(path: string, data: AtomicContent): Promise<void> {
  await _placeAtomic(path, async (tmp) => {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
  });
}

/** Writes text to `path` atomically. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text);
}

/** Copies the file `from` to `to` atomically (see {@linkcode writeFileAtomic}). */
export async function copyFileAtomic(from: string, to: string): Promise<void> {
  await _placeAtomic(to, (tmp) => Deno.copyFile(from, tmp));
}

/**
 * Puts a file at `to` atomically as a hard link of `from` (no bytes copied),
 * or as a copy where links are not possible (another file system, Windows
 * shares). Sound only when `from` is never edited in place, only replaced by
 * rename (as the pipeline does with its outputs): the link keeps the old bytes.
 */
export async function linkFileAtomic(from: string, to: string): Promise<void> {
  await _placeAtomic(to, async (tmp) => {
    try {
      await Deno.link(from, tmp);
    } catch {
      await Deno.copyFile(from, tmp);
    }
  });
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

/**
 * Fills a temporary file beside `path` with `fill`, then renames it over
 * `path`; on failure removes it and throws an error naming `path`.
 */
async function _placeAtomic(path: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    await fill(tmp);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    const hint = e instanceof Deno.errors.PermissionDenied ? "; check the folder is writable" : "";
    throw new Error(`Cannot write ${path}: ${(e as Error).message}${hint}`, { cause: e });
  }
}
