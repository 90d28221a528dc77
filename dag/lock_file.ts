/**
 * The lock file (`pipeline.lock`, committed like `dvc.lock`): for each stage,
 * the cache key and what went into it, and the content hash of each output:
 * only what the content determines, so re-running an unchanged pipeline
 * leaves it byte for byte as it was (a clean checkout stays clean). Which run
 * produced a stage's outputs, when and how long it took are facts of this
 * machine: they go to a git-ignored side file ({@linkcode stageRunsPath}).
 * Both are written atomically after every stage, so an interrupted run keeps
 * the records of the stages that finished.
 *
 * @module
 */
import { z } from "zod";
import { writeTextAtomic } from "../lib/atomic.ts";

const stageEntry = z.object({
  /**
   * An always stage (tracking, reports): its key is its code and params; its
   * deps and outs (stores updated in place) are not hashed.
   */
  always: z.literal(true).optional(),
  key: z.string(),
  code: z.string(),
  params: z.record(z.string(), z.unknown()),
  paramsHash: z.string(),
  deps: z.record(z.string(), z.string()),
  extra: z.string().optional(),
  outs: z.record(z.string(), z.string()),
});

const stageRun = z.object({
  /** The cache key the run computed (a record for another key is stale). */
  key: z.string(),
  runId: z.string(),
  ranAt: z.string(),
  seconds: z.number(),
  /** Hash of each code file of the stage, so the next run can say which file changed. */
  codeFiles: z.record(z.string(), z.string()).optional(),
});

const stageRunsSchema = z.object({
  version: z.literal(1),
  stages: z.record(z.string(), stageRun),
});

const lockSchema = z.object({
  version: z.literal(1),
  stages: z.record(z.string(), stageEntry),
});

/** One stage's record in the lock file. */
export type LockEntry = z.infer<typeof stageEntry>;
/** The whole lock file. */
export type LockFile = z.infer<typeof lockSchema>;
/** Which run produced a stage's current outputs, when, in how many seconds. */
export type StageRun = z.infer<typeof stageRunsSchema>["stages"][string];
/** The side file of {@linkcode StageRun}s, by stage name. */
export type StageRuns = Record<string, StageRun>;

/**
 * Where the volatile stage facts of the lock at `lockPath` are kept: beside
 * the run cache, `.cache/<lock name>.runs.json` under the lock's folder.
 *
 * @example
 * ```ts
 * import { stageRunsPath } from "./lock_file.ts";
 * if (stageRunsPath("/p/pipeline.lock") !== "/p/.cache/pipeline.lock.runs.json") throw new Error();
 * ```
 */
export function stageRunsPath(lockPath: string): string {
  const slash = lockPath.lastIndexOf("/");
  const dir = slash >= 0 ? lockPath.slice(0, slash) : ".";
  return `${dir}/.cache/${lockPath.slice(slash + 1)}.runs.json`;
}

/** Reads the stage-run side file; an absent or unreadable one is empty (it is only a log). */
export async function readStageRuns(path: string): Promise<StageRuns> {
  try {
    const parsed = stageRunsSchema.safeParse(JSON.parse(await Deno.readTextFile(path)));
    return parsed.success ? parsed.data.stages : {};
  } catch {
    return {};
  }
}

/** Writes the stage-run side file atomically. */
export async function writeStageRuns(path: string, runs: StageRuns): Promise<void> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  const stages = Object.fromEntries(Object.keys(runs).sort().map((k) => [k, runs[k]]));
  await writeTextAtomic(path, JSON.stringify({ version: 1, stages }, null, 2) + "\n");
}

/** Reads the lock file; an absent file is an empty lock. */
export async function readLock(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { version: 1, stages: {} };
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `Cannot read ${path}: not valid JSON (${
        (e as Error).message
      }); delete it to rebuild every stage`,
    );
  }
  // Locks written before the volatile fields moved out carry them: drop them.
  if (typeof json === "object" && json !== null && "stages" in json) {
    for (const e of Object.values((json as { stages: Record<string, unknown> }).stages ?? {})) {
      if (typeof e === "object" && e !== null) {
        const r = e as Record<string, unknown>;
        delete r.runId;
        delete r.ranAt;
        delete r.seconds;
      }
    }
  }
  const parsed = lockSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `Cannot read ${path}: ${parsed.error.issues[0]?.path.join(".")} ${
        parsed.error.issues[0]?.message
      }; delete it to rebuild every stage`,
    );
  }
  return parsed.data;
}

/** Writes the lock file atomically, stages in a stable order. */
export async function writeLock(path: string, lock: LockFile): Promise<void> {
  const stages = Object.fromEntries(
    Object.keys(lock.stages).sort().map((k) => [k, lock.stages[k]]),
  );
  await writeTextAtomic(path, JSON.stringify({ version: 1, stages }, null, 2) + "\n");
}
