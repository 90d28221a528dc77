/**
 * The stage contract: what a pipeline stage declares (inputs, outputs, params
 * section, code) and what the runner hands it when it runs.
 *
 * A stage's `run` reads its inputs from `ctx.inputs`, writes every output under
 * the temporary paths in `ctx.outputs` (the runner renames them into place only
 * when `run` succeeds) and reports progress through `ctx.progress`.
 *
 * @module
 */
import type { z } from "zod";
import type { Progress } from "./progress.ts";

/** What the runner gives a running stage. */
export interface StageContext<P> {
  /** The stage's own params section, already validated by its schema. */
  readonly params: P;
  /** All params, validated (read-only; use only for tags/logging). */
  readonly allParams: Readonly<Record<string, unknown>>;
  /** Absolute path of each declared dep, keyed by the dep as declared. */
  readonly inputs: Readonly<Record<string, string>>;
  /**
   * Absolute TEMPORARY path for each declared out, keyed by the out as declared.
   * Write there (file or directory); the runner moves it into place on success.
   */
  readonly outputs: Readonly<Record<string, string>>;
  /** Project root (absolute). */
  readonly root: string;
  /** Progress reporting: counts, elapsed time, ETA. */
  readonly progress: Progress;
  /** Aborted on Ctrl-C; long loops should check it. */
  readonly signal: AbortSignal;
  /** Results of the stages that already finished in this invocation. */
  readonly history: readonly StageOutcome[];
  /** Id of this invocation (the lock's and the run store's producer id). */
  readonly runId: string;
  /** When this invocation started (ms since the epoch). */
  readonly startTime: number;
}

/** What a stage may return: numbers worth tracking and a one-line summary. */
export interface StageResult {
  readonly summary?: string;
  readonly metrics?: Readonly<Record<string, number>>;
}

/** A pipeline stage. */
export interface Stage<S extends z.ZodType = z.ZodType> {
  /** Unique name; also the name of its params section unless `section` says otherwise. */
  readonly name: string;
  /** Name of its params section when it is not `name` (several stages may share one). */
  readonly section?: string;
  /** One line for `--graph` and `--help`. */
  readonly description: string;
  /** Files or folders it reads, relative to the project root. */
  readonly deps: readonly string[];
  /** Files or folders it writes, relative to the project root. */
  readonly outs: readonly string[];
  /** zod schema of its params section (with defaults). */
  readonly params: S;
  /**
   * `import.meta.url` of the stage module: the code its module graph reaches (local files and
   * locked packages, `code_hash.ts`) is part of its key.
   */
  readonly code: string;
  /**
   * Never cached (e.g. tracking, reports): runs on every invocation. Its outs
   * are stores it updates in place (a run store, an incremental report), not
   * results of its key: `ctx.outputs` are their final paths, they are not
   * hashed, moved or removed, and its key is its code and params only (its
   * deps do not decide whether it runs, and a store that grows on every run
   * would rewrite the lock each time).
   */
  readonly always?: boolean;
  /**
   * Records or shows the invocation (tracking, reports): it runs after the
   * stages it reads even when one of them failed (to record the failure) and
   * its own failure is shown in the outcomes without failing the pipeline.
   */
  readonly reporting?: boolean;
  /**
   * Extra content that belongs in the cache key but is not a dep (e.g. the
   * hash of a local source zip named in params). Returns a string to hash.
   * `hashFile` is the runner's: it reuses a file's hash while its size, mtime
   * and inode are unchanged (the stat cache), so a cached no-op reads no data.
   */
  readonly extraKey?: (
    params: z.output<S>,
    root: string,
    tools: { readonly hashFile: (path: string) => Promise<string> },
  ) => Promise<string>;
  /** Does the work. */
  run(ctx: StageContext<z.output<S>>): Promise<StageResult | void>;
}

/** How one stage ended in one invocation. */
export interface StageOutcome {
  readonly stage: string;
  readonly status: "ran" | "cached" | "restored" | "failed" | "skipped";
  readonly seconds: number;
  readonly key: string;
  /** Run that originally produced cached outputs (from the lock file). */
  readonly producedBy?: string;
  readonly result?: StageResult;
  readonly error?: string;
}

/** Declares a stage with full type inference of its params. */
export function defineStage<S extends z.ZodType>(stage: Stage<S>): Stage<S> {
  return stage;
}
