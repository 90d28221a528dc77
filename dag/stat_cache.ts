/**
 * The stat cache (DVC's state database, git's index): the content hash of
 * each file, remembered with the file's size, modification time and inode, so
 * an unchanged file is not read again, within a run or in the next one.
 *
 * A file is hashed again when any of size, mtime (milliseconds), device or
 * inode differs from what was recorded. Outputs are replaced by rename and
 * restored from the run cache by hard link, which keep the inode, so the hash
 * of a temporary output carries over to its final path and a restored output
 * is not re-read. Entries are keyed by device and inode, so every hard link
 * of a file shares one entry.
 *
 * Racy entries (as in git): a file changed again within the same timestamp
 * tick as the write we hashed would keep its size and mtime. An entry read
 * back from disk is therefore trusted only when the file's mtime was older
 * than the moment it was hashed by more than {@linkcode RACY_MS}; a fresher
 * one is hashed again (once), which settles it. Entries made in this run are
 * trusted for the rest of the run (the pipeline never edits a file in place).
 *
 * @module
 */
import { dirname } from "node:path";
import { hashFile, hashPath } from "./hash.ts";
import { writeFileAtomic } from "../lib/atomic.ts";

/**
 * How much older than its hashing a file's mtime must be for a stored entry
 * to be trusted in a later run: above the timestamp granularity of common
 * file systems (whole seconds on some network and FAT file systems).
 */
export const RACY_MS = 1000;

/** `[size, mtimeMs, hash, hashedAtMs]` */
type Entry = readonly [number, number, string, number];

const VERSION = 1;

/** Counts of one {@linkcode StatCache}, for benchmarks and tests. */
export interface StatCacheStats {
  /** Files whose hash came from the cache. */
  readonly hits: number;
  /** Files read and hashed. */
  readonly hashed: number;
  /** Bytes read to hash them. */
  readonly bytesHashed: number;
}

/**
 * Content hashes of files and folders with a stat cache in front, optionally
 * kept in a JSON file between runs.
 *
 * @example
 * ```ts
 * import { StatCache } from "./stat_cache.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hello");
 * const cache = new StatCache();
 * const first = await cache.hashPath(`${dir}/a.txt`);
 * const again = await cache.hashPath(`${dir}/a.txt`);
 * if (first !== again || cache.stats.hashed !== 1) throw new Error("hashed twice");
 * ```
 */
export class StatCache {
  readonly #file: string | undefined;
  readonly #stored = new Map<string, Entry>();
  readonly #fresh = new Map<string, Entry>();
  #loaded: Promise<void> | undefined;
  #hits = 0;
  #hashed = 0;
  #bytes = 0;

  /** `file`: where entries are kept between runs (e.g. `<root>/.cache/stat_cache.json`); unset: this process only. */
  constructor(file?: string) {
    this.#file = file;
  }

  /** Counts since this cache was made. */
  get stats(): StatCacheStats {
    return { hits: this.#hits, hashed: this.#hashed, bytesHashed: this.#bytes };
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      if (!this.#file) return;
      try {
        const data = JSON.parse(await Deno.readTextFile(this.#file));
        if (data?.version !== VERSION || typeof data.entries !== "object") return;
        for (const [key, e] of Object.entries(data.entries as Record<string, unknown>)) {
          if (
            Array.isArray(e) && e.length === 4 && typeof e[0] === "number" &&
            typeof e[1] === "number" && typeof e[2] === "string" && typeof e[3] === "number"
          ) this.#stored.set(key, e as unknown as Entry);
        }
      } catch {
        // Missing or damaged: start empty (every file is hashed once).
      }
    })();
    return this.#loaded;
  }

  /** sha256 of one file's bytes, from the cache when its stat is unchanged. */
  async hashFile(path: string, info?: Deno.FileInfo): Promise<string> {
    await this.#load();
    const stat = info ?? await Deno.stat(path);
    const mtime = stat.mtime?.getTime();
    if (stat.ino === null || stat.ino === undefined || mtime === undefined) {
      return await this.#read(path, stat.size); // no inode (Windows): always hashed
    }
    const key = `${stat.dev}:${stat.ino}`;
    const fresh = this.#fresh.get(key);
    if (fresh && fresh[0] === stat.size && fresh[1] === mtime) {
      this.#hits++;
      return fresh[2];
    }
    const stored = this.#stored.get(key);
    if (stored && stored[0] === stat.size && stored[1] === mtime && stored[3] - mtime > RACY_MS) {
      this.#hits++;
      this.#fresh.set(key, stored);
      return stored[2];
    }
    const hashedAt = Date.now();
    const hash = await this.#read(path, stat.size);
    this.#fresh.set(key, [stat.size, mtime, hash, hashedAt]);
    return hash;
  }

  async #read(path: string, size: number): Promise<string> {
    this.#hashed++;
    this.#bytes += size;
    return await hashFile(path);
  }

  /**
   * `hashPath` of `hash.ts` (the same values, one rule for folders), with
   * each file hashed through this cache. Undefined when the path does not exist.
   */
  hashPath(path: string): Promise<string | undefined> {
    return hashPath(path, (file, info) => this.hashFile(file, info));
  }

  /**
   * Writes the entries to the cache file (atomically): those used in this run
   * first, then older ones, at most `limit` in all. A failed write only loses
   * the speed-up, so it is not thrown.
   */
  async save(options: { limit?: number } = {}): Promise<void> {
    if (!this.#file) return;
    await this.#load();
    const limit = options.limit ?? 100_000;
    const entries: Record<string, Entry> = {};
    let n = 0;
    for (const source of [this.#fresh, this.#stored]) {
      for (const [key, e] of source) {
        if (n >= limit) break;
        if (key in entries) continue;
        entries[key] = e;
        n++;
      }
    }
    try {
      await Deno.mkdir(dirname(this.#file), { recursive: true });
      await writeFileAtomic(this.#file, JSON.stringify({ version: VERSION, entries }));
    } catch {
      // Best effort: the next run hashes what it cannot find.
    }
  }
}
