/**
 * Writes a file through a temporary sibling and a rename, so a reader never
 * sees a half-written page.
 *
 * @module
 */
import { dirname } from "node:path";

/** Writes `text` to `path` atomically, creating the parent folder. */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof text === "string") await Deno.writeTextFile(tmp, text);
    else await Deno.writeFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(
      `Cannot write ${path}: ${(error as Error).message}; check the folder is writable`,
    );
  }
}
