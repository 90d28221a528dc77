/**
 * The folder layout of the split stage's output, shared by the split stage
 * that writes it and the train and evaluate stages that read it. A module of
 * its own so that editing `split.ts` does not change the other stages' code
 * hash.
 *
 * @module
 */
import { join } from "node:path";
import { pathExists } from "../lib/path_exists.ts";

/** Folder of fold `fold` (1-based) of a split with several folds: `folds/<fold>/`. */
export function splitFoldDir(splitDir: string, fold: number): string {
  return join(splitDir, "folds", String(fold));
}

/**
 * The fold folders of the split stage's output, in fold order: `folds/1` ..
 * `folds/K` (each holding `train.parquet` and `test.parquet`) when the split
 * has several folds, else the output folder itself (one fold).
 *
 * @example
 * ```ts
 * import { splitFoldDirs } from "./_split_folds.ts";
 * const dir = await Deno.makeTempDir();
 * if ((await splitFoldDirs(dir)).join() !== dir) throw new Error("expected the folder itself");
 * ```
 */
export async function splitFoldDirs(splitDir: string): Promise<string[]> {
  const dirs: string[] = [];
  for (let fold = 1;; fold++) {
    const dir = splitFoldDir(splitDir, fold);
    const complete = await pathExists(join(dir, "train.parquet")) &&
      await pathExists(join(dir, "test.parquet"));
    if (!complete) break;
    dirs.push(dir);
  }
  return dirs.length > 0 ? dirs : [splitDir];
}
