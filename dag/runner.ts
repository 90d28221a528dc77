/**
 * The runner: decides for each stage whether it must run (and says why),
 * runs what must run in dependency order (independent stages concurrently,
 * up to `jobs`), moves outputs into place atomically and records keys and
 * output hashes in the lock file.
 *
 * A stage is cached when its key (hash of its code, its params section, the
 * content of its deps and any extra key) equals the lock file's and every
 * output still has the recorded hash.
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { replacePath, tempPathFor } from "../lib/atomic.ts";
import { formatTable } from "../lib/text_table.ts";
import { buildGraph, descendants, type Graph, GraphError } from "./graph.ts";
import { hashJson } from "./hash.ts";
import { changedCodeFiles, CodeHasher } from "./code_hash.ts";
import {
  type LockEntry,
  type LockFile,
  readLock,
  readStageRuns,
  stageRunsPath,
  writeLock,
  writeStageRuns,
} from "./lock_file.ts";
import { flattenParams } from "./params.ts";
import { RunCache } from "./run_cache.ts";
import { StatCache } from "./stat_cache.ts";
import { createProgress, formatSeconds, type Progress, stderrLine } from "./progress.ts";
import type { Stage, StageOutcome, StageResult } from "./stage.ts";
import type { WorkerMessage, WorkerRequest } from "./_stage_worker.ts";
import { pathExists } from "../lib/path_exists.ts";

/** Options of {@linkcode runPipeline}. */
export interface RunOptions {
  /** Project root; deps and outs are relative to it. */
  readonly root: string;
  /** Validated params, one section per stage. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Run only this stage (its inputs must already exist). */
  readonly only?: string;
  /** Run this stage and everything downstream of it. */
  readonly from?: string;
  /** Run the selected stages even when cached. */
  readonly force?: boolean;
  /** Print what would run and why; run nothing. */
  readonly dryRun?: boolean;
  /** Stages to run at once when independent. Default 1. */
  readonly jobs?: number;
  /** Id of this invocation, recorded in the lock file. */
  readonly runId: string;
  /** When the invocation started (ms since the epoch; default: when runPipeline was called). */
  readonly startTime?: number;
  /** Lock file path; default `<root>/pipeline.lock`. */
  readonly lockPath?: string;
  /** Progress lines (default stderr). */
  readonly log?: (line: string) => void;
  /** Aborts the run (Ctrl-C). */
  readonly signal?: AbortSignal;
  /**
   * Run each stage in its own Web Worker, so that independent CPU-bound
   * stages (`jobs` > 1) really run at once. The stage must be exported by the
   * module its `code` names. Default false (in-process).
   */
  readonly workers?: boolean;
  /**
   * Folder of the run cache (e.g. `<root>/.cache/runs`): a stage whose key
   * matches an earlier successful run gets its outputs restored from there
   * instead of running. Unset: no run cache.
   */
  readonly runCache?: string;
  /** Masks secrets in param values written to the lock file (e.g. a password in a URL). */
  readonly redact?: (value: string) => string;
  /**
   * File of the stat cache (see `stat_cache.ts`): content hashes of inputs
   * and outputs kept with their size, mtime and inode, so an unchanged file is
   * hashed once, not once per stage and run. Default
   * `<root>/.cache/stat_cache.json`; `false`: hash every file (once per run).
   */
  readonly statCache?: string | false;
}

/** One stage's decision before running. */
export interface Decision {
  readonly stage: string;
  readonly run: boolean;
  /** Why it runs, or why it is cached. */
  readonly reasons: readonly string[];
  readonly key?: string;
}

/** What {@linkcode runPipeline} returns. */
export interface PipelineResult {
  readonly ok: boolean;
  readonly outcomes: readonly StageOutcome[];
  /** Decisions of a dry run (empty otherwise). */
  readonly plan: readonly Decision[];
  readonly graph: Graph;
}

/** Runs a stage in a Web Worker (see `_stage_worker.ts`), relaying its progress. */
function runInWorker(
  stage: Stage,
  context: WorkerRequest["context"],
  progress: Progress,
  signal: AbortSignal | undefined,
): Promise<StageResult | undefined> {
  const worker = new Worker(new URL("./_stage_worker.ts", import.meta.url), { type: "module" });
  return new Promise<StageResult | undefined>((resolve, reject) => {
    const stop = () => {
      worker.terminate();
      reject(signal?.reason ?? new Error("Interrupted"));
    };
    signal?.addEventListener("abort", stop, { once: true });
    const finish = () => {
      signal?.removeEventListener("abort", stop);
      worker.terminate();
    };
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const m = event.data;
      if (m.type === "info") progress.info(m.message);
      else if (m.type === "warn") progress.warn(m.message);
      else if (m.type === "update") progress.update(m.done, m.total, m.unit);
      else if (m.type === "done") {
        finish();
        resolve(m.result);
      } else {
        finish();
        reject(new Error(m.message));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      finish();
      reject(new Error(`Stage "${stage.name}" crashed in its worker: ${event.message}`));
    };
    worker.postMessage(
      { moduleUrl: stage.code, stage: stage.name, context } satisfies WorkerRequest,
    );
  });
}

/** A copy of a JSON value with every string passed through `redact`. */
function redactStrings(value: unknown, redact: (s: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, redact));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, redact)]));
  }
  return value;
}

/** Temporary outputs of stages running right now, for cleanup on Ctrl-C. */
const activeTemps = new Set<string>();

/**
 * Removes the temporary outputs of running stages. Call before exiting on a
 * signal; finished outputs and the lock file are untouched.
 */
export function removeActiveTemps(): void {
  for (const path of activeTemps) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch { /* never created */ }
  }
  activeTemps.clear();
}

interface KeyParts {
  readonly key: string;
  readonly code: string;
  /** Hash of each code file, by path relative to the stage module's folder. */
  readonly codeFiles: Record<string, string>;
  readonly params: Record<string, unknown>;
  readonly paramsHash: string;
  readonly deps: Record<string, string>;
  readonly extra?: string;
}

async function computeKey(
  stage: Stage,
  root: string,
  options: { section: unknown; hashes: StatCache; code: CodeHasher },
): Promise<KeyParts> {
  const section = options.section;
  const { hash: code, files: codeFiles } = await options.code.hashFiles(stage.code);
  const params = (section ?? {}) as Record<string, unknown>;
  const paramsHash = hashJson(params);
  const deps: Record<string, string> = {};
  // An always stage's deps decide nothing (it runs anyway) and may be stores that change on
  // every run: its key is its code and params.
  for (const dep of stage.always ? [] : stage.deps) {
    const h = await options.hashes.hashPath(resolve(root, dep));
    if (h === undefined) {
      throw new Error(`Stage "${stage.name}" needs "${dep}", which does not exist`);
    }
    deps[dep] = h;
  }
  const hashFile = (path: string) => options.hashes.hashFile(path);
  const extra = stage.extraKey
    ? hashJson(await stage.extraKey(section as never, root, { hashFile }))
    : undefined;
  const key = hashJson({ code, paramsHash, deps, extra });
  return { key, code, codeFiles, params, paramsHash, deps, extra };
}

function paramDiff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  section: string,
): string[] {
  const a = flattenParams(before, section);
  const b = flattenParams(after, section);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => a[k] !== b[k]).map((k) =>
    `${k}: ${a[k] ?? "(unset)"} -> ${b[k] ?? "(unset)"}`
  );
}

async function outputsIntact(
  stage: Stage,
  root: string,
  options: { entry: LockEntry; hashes: StatCache },
): Promise<string[]> {
  const entry = options.entry;
  const problems: string[] = [];
  for (const out of stage.outs) {
    const recorded = entry.outs[out];
    const current = await options.hashes.hashPath(resolve(root, out));
    if (current === undefined) problems.push(`output ${out} is missing`);
    else if (recorded !== current) problems.push(`output ${out} was modified`);
  }
  return problems;
}

/**
 * "code changed" naming the files, from the code hashes the last run recorded
 * (`pipeline.runs.json`): `code changed: stages/train.ts, recommender/models/als.ts`.
 */
function namedCodeChange(
  reasons: string[],
  code: {
    root: string;
    stage: Stage;
    before: Readonly<Record<string, string>> | undefined;
    after: Readonly<Record<string, string>>;
  },
): string[] {
  const { root, stage, before, after } = code;
  const at = reasons.indexOf("code changed");
  if (at < 0 || !before) return reasons;
  const base = dirname(fileURLToPath(stage.code));
  // Local files are named from the project root; packages (`npm:zod@4.6.7`) as they are.
  const files = changedCodeFiles(before, after).map((f) =>
    /^[a-z]+:/.test(f) ? f : relative(root, resolve(base, f)).split("\\").join("/")
  );
  if (files.length === 0) return reasons;
  const shown = files.length > 4
    ? `${files.slice(0, 4).join(", ")} and ${files.length - 4} more`
    : files.join(", ");
  return reasons.map((r, i) => (i === at ? `code changed: ${shown}` : r));
}

/** Why a stage must run, given its lock entry and current key; empty = cached. */
async function reasonsToRun(
  stage: Stage,
  options: {
    root: string;
    entry: LockEntry | undefined;
    parts: KeyParts;
    redact?: ((value: string) => string) | undefined;
    hashes: StatCache;
  },
): Promise<string[]> {
  const { root, entry, parts, redact } = options;
  if (!entry) return ["never ran (no lock entry)"];
  const reasons: string[] = [];
  if (entry.code !== parts.code) reasons.push("code changed");
  if (entry.paramsHash !== parts.paramsHash) {
    // The lock holds redacted values; compare like with like and never print a secret.
    const current = redact
      ? redactStrings(parts.params, redact) as Record<string, unknown>
      : parts.params;
    const diff = paramDiff(entry.params, current, stage.section ?? stage.name);
    reasons.push(`params changed (${diff.join(", ") || "section changed"})`);
  }
  for (const [dep, h] of Object.entries(parts.deps)) {
    if (entry.deps[dep] === undefined) reasons.push(`new input ${dep}`);
    else if (entry.deps[dep] !== h) reasons.push(`input ${dep} changed`);
  }
  if (entry.extra !== parts.extra) reasons.push("source changed");
  if (reasons.length === 0 && entry.key !== parts.key) reasons.push("cache key changed");
  reasons.push(...(await outputsIntact(stage, root, { entry, hashes: options.hashes })));
  return reasons;
}

async function removeStaleTemps(root: string, outs: readonly string[]): Promise<void> {
  for (const out of outs) {
    const abs = resolve(root, out);
    const dir = dirname(abs);
    const prefix = `.${basename(abs)}.`;
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.name.startsWith(prefix) && /\.(tmp|old)[-\w]*-\d+-\d+$/.test(e.name)) {
          await Deno.remove(join(dir, e.name), { recursive: true });
        }
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

/** The selected stages in graph order. */
function selectedInOrder(graph: Graph, selected: ReadonlySet<string>): Stage[] {
  return graph.order.filter((s) => selected.has(s.name));
}

/** Selects stage names to consider from `--only` / `--from`. */
function selectStages(graph: Graph, options: RunOptions): Set<string> {
  const names = graph.order.map((s) => s.name);
  for (const flag of ["only", "from"] as const) {
    const name = options[flag];
    if (name !== undefined && !names.includes(name)) {
      throw new GraphError(
        `Unknown stage "${name}" for --${flag}: expected one of ${names.join(", ")}`,
      );
    }
  }
  if (options.only) return new Set([options.only]);
  if (options.from) return new Set([options.from, ...descendants(graph, options.from)]);
  return new Set(names);
}

/**
 * Runs the pipeline. Never throws for a failing stage: the failure is in the
 * outcomes and `ok` is false. Throws for an invalid graph or options.
 */
export async function runPipeline(
  stages: readonly Stage[],
  options: RunOptions,
): Promise<PipelineResult> {
  const root = resolve(options.root);
  const lockPath = options.lockPath ?? join(root, "pipeline.lock");
  // On a terminal, log lines go above the stages' progress bars.
  const log = options.log ?? stderrLine;
  const graph = buildGraph(stages, (dep) => {
    try {
      Deno.statSync(resolve(root, dep));
      return true;
    } catch {
      return false;
    }
  });
  const selected = selectStages(graph, options);
  const lock: LockFile = await readLock(lockPath);
  const runsPath = stageRunsPath(lockPath);
  const stageRuns = await readStageRuns(runsPath);
  /** The run that produced a stage's outputs under `key`, when this machine knows it. */
  const producer = (name: string, key: string) =>
    stageRuns[name]?.key === key ? stageRuns[name]!.runId : "unknown";
  // Lock writes are serialized; one failed write fails the stage that asked for it, not the chain.
  let lockWrites: Promise<void> = Promise.resolve();
  const saveLock =
    () => (lockWrites = lockWrites.catch(() => {}).then(() => writeLock(lockPath, lock)).then(() =>
      writeStageRuns(runsPath, stageRuns)
    ));

  // Upstream of the selection must exist already.
  for (const stage of graph.order) {
    if (!selected.has(stage.name)) continue;
    for (const up of graph.upstream.get(stage.name)!) {
      if (selected.has(up)) continue;
      const upStage = graph.order.find((s) => s.name === up)!;
      for (const out of upStage.outs) {
        if (!(await pathExists(resolve(root, out)))) {
          throw new GraphError(
            `Stage "${stage.name}" needs "${out}" from stage "${up}", which has not run: run the pipeline without --only/--from first`,
          );
        }
      }
    }
  }

  // Every file is hashed at most once per run, and not at all when its stat is unchanged.
  const hashes = new StatCache(
    options.statCache === false
      ? undefined
      : options.statCache ?? join(root, ".cache", "stat_cache.json"),
  );
  const runCache = options.runCache ? new RunCache(options.runCache, { hashes }) : undefined;
  // One module graph (one `deno info`, or none when the kept graph is current) for every stage.
  const code = new CodeHasher({
    cacheFile: options.statCache === false ? undefined : join(root, ".cache", "code_graph.json"),
    fileHash: (path) => hashes.hashFile(path),
  });
  await code.prepare(selectedInOrder(graph, selected).map((s) => s.code));

  if (options.dryRun) {
    const plan: Decision[] = [];
    const willRun = new Set<string>();
    for (const stage of graph.order) {
      if (!selected.has(stage.name)) continue;
      const ups = graph.upstream.get(stage.name)!.filter((u) => willRun.has(u));
      let decision: Decision;
      if (stage.always) decision = { stage: stage.name, run: true, reasons: ["always runs"] };
      else if (ups.length > 0) {
        decision = {
          stage: stage.name,
          run: true,
          reasons: ups.map((u) => `upstream stage ${u} will run`),
        };
      } else {
        const parts = await computeKey(stage, root, {
          section: options.params[stage.section ?? stage.name],
          hashes,
          code,
        });
        const reasons = namedCodeChange(
          await reasonsToRun(stage, {
            root,
            entry: lock.stages[stage.name],
            parts,
            redact: options.redact,
            hashes,
          }),
          { root, stage, before: stageRuns[stage.name]?.codeFiles, after: parts.codeFiles },
        );
        if (options.force) reasons.unshift("--force");
        else if (reasons.length > 0 && runCache && await runCache.lookup(stage.name, parts.key)) {
          reasons.push("outputs for this key are in the run cache: would restore, not run");
        }
        decision = reasons.length > 0
          ? { stage: stage.name, run: true, reasons, key: parts.key }
          : {
            stage: stage.name,
            run: false,
            reasons: [`cached: key ${parts.key.slice(0, 12)} unchanged, outputs intact`],
            key: parts.key,
          };
      }
      if (decision.run) willRun.add(stage.name);
      plan.push(decision);
    }
    await hashes.save();
    return { ok: true, outcomes: [], plan, graph };
  }

  const jobs = Math.max(1, options.jobs ?? 1);
  const outcomes = new Map<string, StageOutcome>();
  const running = new Map<string, Promise<void>>();
  const order = graph.order.filter((s) => selected.has(s.name));
  let failed = false;

  const startTime = options.startTime ?? Date.now();
  /** Runs a stage's code, in this thread or in a worker. */
  const runStage = async (
    stage: Stage,
    io: { inputs: Record<string, string>; outputs: Record<string, string>; progress: Progress },
  ): Promise<StageResult | undefined> => {
    const context = {
      params: options.params[stage.section ?? stage.name],
      allParams: options.params,
      inputs: io.inputs,
      outputs: io.outputs,
      root,
      history: order.flatMap((s) => outcomes.get(s.name) ?? []),
      runId: options.runId,
      startTime,
    };
    return (options.workers
      ? await runInWorker(stage, context, io.progress, options.signal)
      : await stage.run({
        ...context,
        progress: io.progress,
        signal: options.signal ?? new AbortController().signal,
      })) ?? undefined;
  };

  /**
   * An always stage: runs on its final paths (stores it updates in place: nothing is moved,
   * hashed or removed, even when it fails) and leaves a lock entry of its key, which changes
   * only with its code or params.
   */
  const runAlways = async (stage: Stage, parts: KeyParts, progress: Progress): Promise<void> => {
    const started = performance.now();
    log(`[${stage.name}] running: always runs`);
    const paths = (list: readonly string[]) =>
      Object.fromEntries(list.map((p) => [p, resolve(root, p)]));
    for (const out of stage.outs) {
      await Deno.mkdir(dirname(resolve(root, out)), { recursive: true });
    }
    const result = await runStage(stage, {
      inputs: paths(stage.deps),
      outputs: paths(stage.outs),
      progress,
    });
    options.signal?.throwIfAborted();
    const entry: LockEntry = {
      always: true,
      key: parts.key,
      code: parts.code,
      params: options.redact
        ? redactStrings(parts.params, options.redact) as Record<string, unknown>
        : parts.params,
      paramsHash: parts.paramsHash,
      deps: {},
      ...(parts.extra !== undefined ? { extra: parts.extra } : {}),
      outs: {},
    };
    // The lock is rewritten only when the entry changed (a clean checkout stays clean).
    if (hashJson(lock.stages[stage.name] ?? null) !== hashJson(entry)) {
      lock.stages[stage.name] = entry;
      await saveLock();
    }
    const took = (performance.now() - started) / 1000;
    log(
      `[${stage.name}] done in ${formatSeconds(took)}${
        result?.summary ? `: ${result.summary}` : ""
      }`,
    );
    outcomes.set(stage.name, {
      stage: stage.name,
      status: "ran",
      seconds: took,
      key: parts.key,
      producedBy: options.runId,
      ...(result ? { result } : {}),
    });
  };

  const execute = async (stage: Stage): Promise<void> => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const progress = createProgress(stage.name, options.log ? { write: log } : {});
    let parts: KeyParts | undefined;
    const tmpOuts: Record<string, string> = {};
    try {
      parts = await computeKey(stage, root, {
        section: options.params[stage.section ?? stage.name],
        hashes,
        code,
      });
      if (stage.always) {
        await runAlways(stage, parts, progress);
        return;
      }
      const entry = lock.stages[stage.name];
      const reasons = stage.always ? ["always runs"] : namedCodeChange(
        await reasonsToRun(stage, { root, entry, parts, redact: options.redact, hashes }),
        { root, stage, before: stageRuns[stage.name]?.codeFiles, after: parts.codeFiles },
      );
      if (options.force && !stage.always) reasons.unshift("--force");
      if (reasons.length === 0) {
        const producedBy = producer(stage.name, parts.key);
        log(
          `[${stage.name}] cached (key ${parts.key.slice(0, 12)}, produced by run ${
            producedBy.slice(0, 8)
          })`,
        );
        outcomes.set(stage.name, {
          stage: stage.name,
          status: "cached",
          seconds: seconds(),
          key: parts.key,
          producedBy,
        });
        return;
      }
      await removeStaleTemps(root, stage.outs);
      const inputs = Object.fromEntries(stage.deps.map((d) => [d, resolve(root, d)]));
      for (const out of stage.outs) {
        const abs = resolve(root, out);
        await Deno.mkdir(dirname(abs), { recursive: true });
        tmpOuts[out] = tempPathFor(abs, `tmp-${stage.name}`);
        activeTemps.add(tmpOuts[out]!);
      }
      let cached = runCache && !options.force && !stage.always
        ? await runCache.lookup(stage.name, parts.key)
        : undefined;
      let result: StageResult | undefined | void;
      if (cached) {
        const problem = await runCache!.restore(cached, stage.outs.map((o) => tmpOuts[o]!));
        if (problem === undefined) {
          log(
            `[${stage.name}] restored from the run cache (${reasons.join("; ")}; key ${
              parts.key.slice(0, 12)
            } was computed by run ${cached.runId.slice(0, 8)})`,
          );
          result = cached.result;
        } else {
          progress.warn(`run cache entry dropped (${problem}); running instead`);
          cached = undefined;
        }
      }
      if (!cached) {
        log(`[${stage.name}] running: ${reasons.join("; ")}`);
        result = await runStage(stage, { inputs, outputs: tmpOuts, progress });
      }
      options.signal?.throwIfAborted();
      for (const out of stage.outs) {
        if (!(await pathExists(tmpOuts[out]!))) {
          throw new Error(
            `Stage "${stage.name}" finished without writing its declared output "${out}"`,
          );
        }
      }
      // Forget the old record first: a crash while swapping outputs must not look cached.
      delete lock.stages[stage.name];
      await saveLock();
      const outs: Record<string, string> = {};
      for (const out of stage.outs) {
        await replacePath(tmpOuts[out]!, resolve(root, out));
        outs[out] = (await hashes.hashPath(resolve(root, out)))!;
      }
      if (!stage.always) {
        lock.stages[stage.name] = {
          key: parts.key,
          code: parts.code,
          params: options.redact
            ? redactStrings(parts.params, options.redact) as Record<string, unknown>
            : parts.params,
          paramsHash: parts.paramsHash,
          deps: parts.deps,
          ...(parts.extra !== undefined ? { extra: parts.extra } : {}),
          outs,
        };
        stageRuns[stage.name] = {
          key: parts.key,
          runId: cached?.runId ?? options.runId,
          ranAt: new Date().toISOString(),
          seconds: Number(seconds().toFixed(3)),
          codeFiles: parts.codeFiles,
        };
        await saveLock();
        if (runCache && !cached && stage.outs.length > 0) {
          await runCache.save(stage.name, parts.key, {
            run: { runId: options.runId, result: result ?? undefined },
            outs: stage.outs.map((o) => ({ path: resolve(root, o), hash: outs[o]! })),
            replace: options.force === true,
          }).catch((e) => progress.warn(`not kept in the run cache: ${(e as Error).message}`));
        }
      }
      const took = seconds();
      log(
        `[${stage.name}] done in ${formatSeconds(took)}${
          result?.summary ? `: ${result.summary}` : ""
        }`,
      );
      outcomes.set(stage.name, {
        stage: stage.name,
        status: cached ? "restored" : "ran",
        seconds: took,
        key: parts.key,
        producedBy: cached?.runId ?? options.runId,
        ...(result ? { result } : {}),
      });
    } catch (e) {
      if (!stage.reporting) failed = true;
      for (const tmp of Object.values(tmpOuts)) {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
      }
      const message = e instanceof Error ? e.message : String(e);
      log(`[${stage.name}] failed: ${message}`);
      outcomes.set(stage.name, {
        stage: stage.name,
        status: "failed",
        seconds: seconds(),
        key: parts?.key ?? "",
        error: message,
      });
    } finally {
      progress.end?.();
      for (const tmp of Object.values(tmpOuts)) activeTemps.delete(tmp);
    }
  };

  const pending = [...order];
  while (pending.length > 0 || running.size > 0) {
    // After a failure nothing new starts (fail fast, like DVC) but reporting stages, which
    // record it; running stages finish.
    for (let i = 0; i < pending.length && running.size < jobs;) {
      const stage = pending[i]!;
      if (failed && !stage.reporting) {
        i++;
        continue;
      }
      const ups = graph.upstream.get(stage.name)!.filter((u) => selected.has(u));
      if (ups.every((u) => outcomes.has(u))) {
        pending.splice(i, 1);
        running.set(stage.name, execute(stage).finally(() => running.delete(stage.name)));
        continue;
      }
      i++;
    }
    if (running.size === 0) {
      // Nothing can start: the stages that wait on the failure are skipped, after which the
      // reporting stages downstream of them can start.
      const skipped = pending.filter((s) => !failed || !s.reporting);
      for (const stage of skipped) {
        pending.splice(pending.indexOf(stage), 1);
        outcomes.set(stage.name, {
          stage: stage.name,
          status: "skipped",
          seconds: 0,
          key: "",
          error: "an earlier stage failed",
        });
      }
      if (skipped.length === 0) {
        for (const stage of pending.splice(0)) {
          outcomes.set(stage.name, {
            stage: stage.name,
            status: "skipped",
            seconds: 0,
            key: "",
            error: "its inputs were not produced",
          });
        }
      }
      continue;
    }
    await Promise.race(running.values());
  }
  await lockWrites.catch(() => {}); // already reported as the failing stage's error
  await hashes.save();
  const ordered = order.map((s) => outcomes.get(s.name)!).filter(Boolean);
  return { ok: !failed, outcomes: ordered, plan: [], graph };
}

/** The end-of-run table: stage, status, seconds, key. */
export function formatOutcomes(outcomes: readonly StageOutcome[]): string {
  const rows = outcomes.map((o) => [
    o.stage,
    o.status,
    formatSeconds(o.seconds),
    o.key.slice(0, 12),
    o.status === "cached" || o.status === "restored"
      ? `from run ${o.producedBy?.slice(0, 8)}`
      : o.result?.summary ?? o.error ?? "",
  ]);
  return formatTable(["stage", "status", "time", "key", "note"], rows, { rule: true, maxRule: 40 });
}

/** The plan of a dry run, one stage per line with its reasons. */
export function formatPlan(plan: readonly Decision[]): string {
  return plan.map((d) =>
    `${d.stage.padEnd(10)} ${d.run ? "would run" : "skip     "}  ${d.reasons.join("; ")}`
  ).join("\n");
}
