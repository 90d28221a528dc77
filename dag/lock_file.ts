/**
 * The lock file (`pipeline.lock`, committed like `dvc.lock`): for each stage,
 * the cache key and what went into it, and the content hash of each output.
 * Written atomically after every stage, so an interrupted run keeps the
 * records of the stages that finished.
 *
 * @module
 */
import { z } from "zod";
import { writeTextAtomic } from "./atomic.ts";

const stageEntry = z.object({
  key: z.string(),
  code: z.string(),
  params: z.record(z.string(), z.unknown()),
  paramsHash: z.string(),
  deps: z.record(z.string(), z.string()),
  extra: z.string().optional(),
  outs: z.record(z.string(), z.string()),
  runId: z.string(),
  ranAt: z.string(),
  seconds: z.number(),
});

const lockSchema = z.object({
  version: z.literal(1),
  stages: z.record(z.string(), stageEntry),
});

/** One stage's record in the lock file. */
export type LockEntry = z.infer<typeof stageEntry>;
/** The whole lock file. */
export type LockFile = z.infer<typeof lockSchema>;

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
