/**
 * The code part of a stage's cache key (and of the report generator's
 * version): what a module runs, found with Deno's own module graph
 * (`deno info --json`), not by reading import lines, so dynamic imports and
 * re-exports count like static ones and the import map is applied as Deno
 * applies it.
 *
 * A module's code is the content of every local file its graph reaches
 * (through code imports, static or dynamic; type-only imports run nothing and
 * are left out) and, for every npm package, jsr package or remote module the
 * graph reaches (npm packages with their own dependencies), the version and
 * integrity `deno.lock` pins for it. Upgrading a package in the lock
 * therefore changes the key of exactly the stages whose graph reaches it.
 *
 * `deno info` is a subprocess, so a whole pipeline asks it once for all its
 * stages ({@linkcode CodeHasher.prepare}: one root importing every entry),
 * and the graph is kept (in the process and, given a cache file, on disk)
 * with the size, mtime and inode of every local file it lists, `deno.json` and
 * `deno.lock`: while none of those changed, the imports cannot have changed
 * either, and the graph is reused without running `deno info`.
 *
 * @module
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../lib/atomic.ts";
import { hashFile, sha256 } from "./hash.ts";

/** One module of a {@linkcode ModuleGraph} (the fields of `deno info --json` used here). */
export interface GraphModule {
  readonly specifier: string;
  /** `esm`, `npm`, `node`, `asserted` (JSON) ... */
  readonly kind?: string;
  /** For `npm` modules: the package id, e.g. `zod@4.6.7`. */
  readonly npmPackage?: string;
  readonly dependencies?: readonly {
    readonly specifier: string;
    /** The resolved specifier of a code (not type-only) import; absent for `import type`. */
    readonly code?: { readonly specifier?: string };
  }[];
  readonly error?: string;
}

/** A module graph as `deno info --json` prints it (the fields used here). */
export interface ModuleGraph {
  readonly modules: readonly GraphModule[];
  readonly redirects?: Readonly<Record<string, string>>;
  /** Every npm package of the resolution, by id, with the ids it depends on. */
  readonly npmPackages?: Readonly<Record<string, { readonly dependencies?: readonly string[] }>>;
}

/** The parts of `deno.lock` used here: what it pins for npm, jsr and remote code. */
export interface DenoLock {
  readonly npm?: Readonly<Record<string, { readonly integrity?: string }>>;
  readonly jsr?: Readonly<Record<string, { readonly integrity?: string }>>;
  readonly remote?: Readonly<Record<string, string>>;
}

/** What a module's code is made of. */
export interface CodeInputs {
  /** Absolute paths of the local files it reaches, sorted. */
  readonly files: readonly string[];
  /**
   * The packages and remote modules it reaches, each with what the lock pins
   * for it (`npm:zod@4.6.7` -> its integrity; "unlocked" when the lock has
   * no entry).
   */
  readonly locked: Readonly<Record<string, string>>;
}

const JSR_URL = /^https:\/\/jsr\.io\/(@[^/]+\/[^/]+)\/([^/]+)\//;

/**
 * The local files and locked packages `entry` (a module URL) reaches in
 * `graph`, with what `lock` pins for each package (pure).
 *
 * @example
 * ```ts
 * import { codeInputs } from "./code_hash.ts";
 * const graph = {
 *   modules: [
 *     { specifier: "file:///p/a.ts", kind: "esm", dependencies: [
 *       { specifier: "zod", code: { specifier: "npm:/zod@4.0.0" } },
 *     ] },
 *     { specifier: "npm:/zod@4.0.0", kind: "npm", npmPackage: "zod@4.0.0" },
 *   ],
 *   npmPackages: { "zod@4.0.0": { dependencies: [] } },
 * };
 * const inputs = codeInputs(graph, "file:///p/a.ts", { npm: { "zod@4.0.0": { integrity: "x" } } });
 * if (inputs.files.join() !== "/p/a.ts" || inputs.locked["npm:zod@4.0.0"] !== "x") throw new Error();
 * ```
 */
export function codeInputs(graph: ModuleGraph, entry: string, lock: DenoLock): CodeInputs {
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const redirect = (s: string) => {
    for (let i = 0; i < 10 && graph.redirects?.[s] !== undefined; i++) s = graph.redirects[s]!;
    return s;
  };
  const files = new Set<string>();
  const locked: Record<string, string> = {};
  const addNpm = (id: string) => {
    const key = `npm:${id}`;
    if (key in locked) return;
    locked[key] = lock.npm?.[id]?.integrity ?? "unlocked";
    for (const dep of graph.npmPackages?.[id]?.dependencies ?? []) addNpm(dep);
  };
  const seen = new Set<string>();
  const stack = [redirect(entry)];
  while (stack.length > 0) {
    const specifier = stack.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    const module = bySpecifier.get(specifier);
    if (specifier.startsWith("file:")) files.add(fileURLToPath(specifier));
    else if (specifier.startsWith("npm:")) {
      const id = module?.npmPackage ?? specifier.replace(/^npm:\/?/, "");
      addNpm(id);
      continue;
    } else if (/^https?:/.test(specifier)) {
      const jsr = JSR_URL.exec(specifier);
      locked[specifier] = lock.remote?.[specifier] ??
        (jsr ? lock.jsr?.[`${jsr[1]}@${jsr[2]}`]?.integrity : undefined) ?? "unlocked";
    }
    for (const dep of module?.dependencies ?? []) {
      const resolved = dep.code?.specifier;
      if (resolved && !resolved.startsWith("node:")) stack.push(redirect(resolved));
    }
  }
  return {
    files: [...files].sort(),
    locked: Object.fromEntries(Object.entries(locked).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

/** The config file Deno would use for a file: the nearest `deno.json(c)` above it. */
async function findConfig(path: string): Promise<string | undefined> {
  for (let dir = dirname(path);; dir = dirname(dir)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      try {
        if ((await Deno.stat(join(dir, name))).isFile) return join(dir, name);
      } catch { /* not here */ }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** `[size, mtimeMs, inode]` of a file, or null when it is missing. */
type Stat = readonly [number, number, number] | null;

async function statOf(path: string): Promise<Stat> {
  try {
    const s = await Deno.stat(path);
    return [s.size, s.mtime?.getTime() ?? -1, s.ino ?? -1];
  } catch {
    return null;
  }
}

/** A graph with the stat of every file that decided it. */
interface KeptGraph {
  readonly entries: readonly string[];
  readonly config: string | null;
  readonly stats: Readonly<Record<string, Stat>>;
  readonly graph: ModuleGraph;
}

const CACHE_VERSION = 1;

/** Graphs loaded in this process, newest first, for every {@linkcode CodeHasher} to share. */
const kept: KeptGraph[] = [];

async function stillValid(k: KeptGraph): Promise<boolean> {
  const checks = await Promise.all(
    Object.entries(k.stats).map(async ([path, stat]) =>
      JSON.stringify(await statOf(path)) === JSON.stringify(stat)
    ),
  );
  return checks.every(Boolean);
}

/** Just what {@linkcode codeInputs} reads, so the kept graph stays small. */
function trimGraph(graph: ModuleGraph): ModuleGraph {
  return {
    modules: graph.modules.map((m) => ({
      specifier: m.specifier,
      ...(m.kind !== undefined ? { kind: m.kind } : {}),
      ...(m.npmPackage !== undefined ? { npmPackage: m.npmPackage } : {}),
      ...(m.dependencies
        ? {
          dependencies: m.dependencies.flatMap((d) =>
            d.code?.specifier
              ? [{ specifier: d.specifier, code: { specifier: d.code.specifier } }]
              : []
          ),
        }
        : {}),
    })),
    redirects: graph.redirects ?? {},
    npmPackages: Object.fromEntries(
      Object.entries(graph.npmPackages ?? {}).map((
        [id, p],
      ) => [id, { dependencies: [...(p.dependencies ?? [])] }]),
    ),
  };
}

/** Runs `deno info --json` once for all `entries` (module URLs). */
async function runDenoInfo(entries: readonly string[], config: string | undefined) {
  const root = entries.length === 1
    ? entries[0]!
    : `data:application/typescript,${
      encodeURIComponent(entries.map((e) => `import ${JSON.stringify(e)};`).join("\n"))
    }`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", ...(config ? ["--config", config] : []), root],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) {
    throw new Error(
      `Cannot hash the code of ${entries.join(", ")}: deno info failed: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return trimGraph(JSON.parse(new TextDecoder().decode(out.stdout)) as ModuleGraph);
}

/** Options of {@linkcode CodeHasher}. */
export interface CodeHasherOptions {
  /** Where the graph is kept between runs (e.g. `<root>/.cache/code_graph.json`); unset: this process only. */
  readonly cacheFile?: string;
  /** Hashes one local file (default: read it; the runner passes its stat cache). */
  readonly fileHash?: (path: string) => Promise<string>;
  /** The lock to read pinned versions from (default: the `deno.lock` beside the config). */
  readonly lock?: DenoLock;
}

/** What {@linkcode CodeHasher.hashFiles} returns. */
export interface CodeHash {
  readonly hash: string;
  /**
   * Hash of each input by name: local files relative to the module's folder
   * (`train.ts`, `../recommender/models/als.ts`), packages by id (`npm:zod@4.6.7`),
   * so a changed key can name what changed.
   */
  readonly files: Record<string, string>;
}

/**
 * Hashes the code of modules from one module graph. Call
 * {@linkcode CodeHasher.prepare} with every entry first to build the graph
 * with a single `deno info`.
 */
export class CodeHasher {
  readonly #options: CodeHasherOptions;
  /** Graphs this hasher checked: trusted for its lifetime (one pipeline run edits no code). */
  readonly #trusted = new Set<KeptGraph>();
  /** Each file hashed once per hasher (stages share most of their files). */
  readonly #fileHashes = new Map<string, Promise<string>>();
  /** Each lock file read once per hasher. */
  readonly #locks = new Map<string, Promise<DenoLock>>();
  #diskLoaded = false;

  constructor(options: CodeHasherOptions = {}) {
    this.#options = options;
  }

  /** Makes sure one graph holds all `entries` (module URLs), running `deno info` at most once. */
  async prepare(entries: readonly string[]): Promise<ModuleGraph> {
    const wanted = [...new Set(entries)].sort();
    const covers = (k: KeptGraph) => {
      const specs = new Set(k.graph.modules.map((m) => m.specifier));
      return wanted.every((e) => specs.has(e));
    };
    for (const k of this.#trusted) if (covers(k)) return k.graph;
    for (const k of kept) {
      if (covers(k) && await stillValid(k)) {
        this.#trusted.add(k);
        return k.graph;
      }
    }
    if (!this.#diskLoaded && this.#options.cacheFile) {
      this.#diskLoaded = true;
      try {
        const data = JSON.parse(await Deno.readTextFile(this.#options.cacheFile));
        if (data?.version === CACHE_VERSION && Array.isArray(data.graph?.modules)) {
          const k = data as KeptGraph;
          if (covers(k) && await stillValid(k)) {
            kept.unshift(k);
            this.#trusted.add(k);
            return k.graph;
          }
        }
      } catch { /* missing or damaged: build it */ }
    }
    const first = wanted.find((e) => e.startsWith("file:"));
    const config = first ? await findConfig(fileURLToPath(first)) : undefined;
    const graph = await runDenoInfo(wanted, config);
    const watched = new Set<string>();
    for (const m of graph.modules) {
      if (m.specifier.startsWith("file:")) watched.add(fileURLToPath(m.specifier));
    }
    if (config) {
      watched.add(config);
      watched.add(join(dirname(config), "deno.lock"));
    }
    const stats: Record<string, Stat> = {};
    for (const path of [...watched].sort()) stats[path] = await statOf(path);
    const k: KeptGraph = { entries: wanted, config: config ?? null, stats, graph };
    kept.unshift(k);
    kept.length = Math.min(kept.length, 8);
    this.#trusted.add(k);
    if (this.#options.cacheFile) {
      try {
        await Deno.mkdir(dirname(this.#options.cacheFile), { recursive: true });
        await writeFileAtomic(
          this.#options.cacheFile,
          JSON.stringify({ version: CACHE_VERSION, ...k }),
        );
      } catch { /* best effort: the next run asks deno info again */ }
    }
    return graph;
  }

  #lock(graph: ModuleGraph): Promise<DenoLock> {
    if (this.#options.lock) return Promise.resolve(this.#options.lock);
    const config = [...this.#trusted, ...kept].find((x) => x.graph === graph)?.config;
    if (!config) return Promise.resolve({});
    const path = join(dirname(config), "deno.lock");
    let lock = this.#locks.get(path);
    if (!lock) {
      lock = Deno.readTextFile(path).then((t) => JSON.parse(t) as DenoLock).catch(() => ({}));
      this.#locks.set(path, lock);
    }
    return lock;
  }

  /** The hash of `moduleUrl`'s code and of each of its inputs. */
  async hashFiles(moduleUrl: string): Promise<CodeHash> {
    const graph = await this.prepare([moduleUrl]);
    const inputs = codeInputs(graph, moduleUrl, await this.#lock(graph));
    const base = dirname(fileURLToPath(moduleUrl));
    const fileHash = this.#options.fileHash ?? hashFile;
    const hashOnce = (path: string) => {
      let h = this.#fileHashes.get(path);
      if (!h) {
        h = fileHash(path).catch((e) => {
          if (e instanceof Deno.errors.NotFound) return "missing";
          throw e;
        });
        this.#fileHashes.set(path, h);
      }
      return h;
    };
    const hashes = await Promise.all(inputs.files.map(hashOnce));
    const files: Record<string, string> = {};
    for (const [i, path] of inputs.files.entries()) {
      files[relative(base, path).split("\\").join("/")] = hashes[i]!;
    }
    Object.assign(files, inputs.locked);
    const lines = Object.entries(files).map(([p, h]) => `${p}\0${h}`).sort();
    return { hash: sha256(lines.join("\n")), files };
  }
}

/**
 * Hash of a module's code: every local file its module graph reaches and the
 * locked version of every package it reaches (see the module doc).
 */
export async function hashCode(moduleUrl: string): Promise<string> {
  return (await new CodeHasher().hashFiles(moduleUrl)).hash;
}

/** {@linkcode hashCode} and the hash of each input (see {@linkcode CodeHash.files}). */
export function hashCodeFiles(moduleUrl: string): Promise<CodeHash> {
  return new CodeHasher().hashFiles(moduleUrl);
}

/**
 * The inputs whose hash differs between two {@linkcode CodeHash.files}
 * (changed, added or removed), sorted.
 *
 * @example
 * ```ts
 * import { changedCodeFiles } from "./code_hash.ts";
 * const names = changedCodeFiles({ "a.ts": "1", "b.ts": "2" }, { "a.ts": "1", "b.ts": "3" });
 * if (names.join() !== "b.ts") throw new Error(names.join());
 * ```
 */
export function changedCodeFiles(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).sort();
}
