/**
 * The run cache (DVC's run-cache): the outputs of every successful stage run,
 * kept under `.cache/runs/<stage>/<key>/` by cache key. When a stage's key
 * matches an earlier run (say a sweep goes back to `train.factors=20`), its
 * outputs are restored from here instead of computed again. Files are
 * hard-linked (outputs are always replaced by rename, never modified in
 * place by the pipeline), so keeping them costs little space. Each entry
 * records its outputs' content hashes: a restored output that does not match
 * (an output edited in place, a damaged cache) is thrown away, the entry is
 * dropped and the stage runs instead. The newest `keep` entries per stage are
 * kept.
 *
 * @module
 */
import { join } from "node:path";
import { hashPath } from "./hash.ts";
import type { StatCache } from "./stat_cache.ts";
import type { StageResult } from "./stage.ts";

/** A cached run of a stage. */
export interface CachedRun {
  readonly runId: string;
  readonly result?: StageResult;
  /** Folder holding the outputs, `outs/<i>` for the stage's i-th out. */
  readonly dir: string;
  /** Content hash of each output when it was cached. */
  readonly hashes: readonly string[];
}

/** Copies a file or folder, hard-linking files (copying when links are not possible). */
async function linkTree(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) {
    try {
      await Deno.link(from, to);
    } catch {
      await Deno.copyFile(from, to);
    }
    return;
  }
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    await linkTree(join(from, entry.name), join(to, entry.name));
  }
}

/** The run cache of one project. */
export class RunCache {
  readonly #dir: string;
  readonly #keep: number;
  readonly #hash: (path: string) => Promise<string | undefined>;

  /**
   * `dir` is usually `<root>/.cache/runs`; `keep` entries are kept per stage;
   * `hashes` checks restored outputs through the runner's stat cache (a
   * hard-linked output shares its inode, so it is not read again).
   */
  constructor(dir: string, options: { keep?: number; hashes?: StatCache } = {}) {
    this.#dir = dir;
    this.#keep = options.keep ?? 20;
    const hashes = options.hashes;
    this.#hash = hashes ? (path) => hashes.hashPath(path) : hashPath;
  }

  /** The cached run of `stage` with `key`, if there is a complete one. */
  async lookup(stage: string, key: string): Promise<CachedRun | undefined> {
    const dir = join(this.#dir, stage, key);
    try {
      const meta = JSON.parse(await Deno.readTextFile(join(dir, "meta.json")));
      if (!Array.isArray(meta.hashes)) return undefined;
      return {
        runId: String(meta.runId),
        ...(meta.result ? { result: meta.result } : {}),
        dir,
        hashes: meta.hashes.map(String),
      };
    } catch {
      return undefined;
    }
  }

  /**
   * Restores a cached run's outputs to `targets` (temporary paths, in the
   * stage's order) and checks each against its recorded hash. Returns the
   * reason when it cannot: then nothing is left at `targets` and the entry is
   * dropped, so the caller runs the stage.
   */
  async restore(run: CachedRun, targets: readonly string[]): Promise<string | undefined> {
    try {
      for (const [i, target] of targets.entries()) {
        await linkTree(join(run.dir, "outs", String(i)), target);
        if ((await this.#hash(target)) !== run.hashes[i]) {
          throw new Error(`output ${i + 1} no longer has the content it was cached with`);
        }
      }
      return undefined;
    } catch (e) {
      for (const target of targets) await Deno.remove(target, { recursive: true }).catch(() => {});
      await Deno.remove(run.dir, { recursive: true }).catch(() => {});
      return e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * Keeps a finished run's outputs (`outs` in the stage's order). Written to a
   * temporary folder and renamed, so a half-saved entry is never found.
   */
  async save(
    stage: string,
    key: string,
    entry: {
      readonly run: { runId: string; result?: StageResult | undefined };
      readonly outs: readonly { readonly path: string; readonly hash: string }[];
      /** Replace an entry already kept for this key (`--force`). */
      readonly replace?: boolean;
    },
  ): Promise<void> {
    const { run, outs } = entry;
    const final = join(this.#dir, stage, key);
    if (await this.lookup(stage, key)) {
      if (!entry.replace) return;
      await Deno.remove(final, { recursive: true });
    }
    const tmp = join(this.#dir, stage, `.tmp-${key}-${Deno.pid}`);
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.mkdir(join(tmp, "outs"), { recursive: true });
    try {
      for (const [i, out] of outs.entries()) await linkTree(out.path, join(tmp, "outs", String(i)));
      await Deno.writeTextFile(
        join(tmp, "meta.json"),
        JSON.stringify({
          runId: run.runId,
          result: run.result,
          hashes: outs.map((o) => o.hash),
          savedAt: new Date().toISOString(),
        }),
      );
      await Deno.rename(tmp, final);
    } catch (e) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      throw e;
    }
    await this.#prune(stage);
  }

  /** Drops the oldest entries of a stage beyond `keep`. */
  async #prune(stage: string): Promise<void> {
    const entries: { path: string; mtime: number }[] = [];
    for await (const e of Deno.readDir(join(this.#dir, stage))) {
      if (!e.isDirectory) continue;
      if (e.name.startsWith(".tmp-") && !e.name.endsWith(`-${Deno.pid}`)) {
        // Left by a process that died while saving (one pipeline per project at a time).
        await Deno.remove(join(this.#dir, stage, e.name), { recursive: true }).catch(() => {});
        continue;
      }
      if (e.name.startsWith(".")) continue;
      const path = join(this.#dir, stage, e.name);
      entries.push({ path, mtime: (await Deno.stat(path)).mtime?.getTime() ?? 0 });
    }
    entries.sort((a, b) => b.mtime - a.mtime);
    for (const old of entries.slice(this.#keep)) await Deno.remove(old.path, { recursive: true });
  }
}
