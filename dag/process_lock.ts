/**
 * One pipeline at a time per project: a `.pipeline.running` file created
 * exclusively, holding the owner's pid. A second process refuses with a clear
 * message (or waits, with `wait`). A lock left by a dead process is taken over.
 *
 * @module
 */
import { join } from "node:path";

/** Thrown when another live pipeline holds the project. */
export class BusyError extends Error {
  override name = "BusyError";
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Options of {@linkcode acquireProcessLock}. */
export interface ProcessLockOptions {
  /** Wait up to this many seconds for the other run instead of refusing. */
  readonly waitSeconds?: number;
  /** Called once when waiting starts. */
  readonly onWait?: (message: string) => void;
}

/** Takes the project lock; returns a function that releases it. */
export async function acquireProcessLock(
  root: string,
  options: ProcessLockOptions = {},
): Promise<() => void> {
  const path = join(root, ".pipeline.running");
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  let announced = false;
  for (;;) {
    try {
      const file = await Deno.open(path, { write: true, createNew: true });
      await file.write(
        new TextEncoder().encode(
          JSON.stringify({ pid: Deno.pid, startedAt: new Date().toISOString() }),
        ),
      );
      file.close();
      return () => {
        try {
          Deno.removeSync(path);
        } catch { /* already gone */ }
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    let owner: { pid?: number; startedAt?: string } = {};
    try {
      owner = JSON.parse(await Deno.readTextFile(path));
    } catch { /* being written right now, or garbage: treat as held briefly */ }
    if (typeof owner.pid === "number" && !alive(owner.pid)) {
      await Deno.remove(path).catch(() => {});
      continue;
    }
    const message = `Another pipeline run (pid ${owner.pid ?? "?"}, started ${
      owner.startedAt ?? "just now"
    }) is using this project`;
    if (Date.now() >= deadline) {
      throw new BusyError(
        `${message}: wait for it to finish, or pass --wait SECONDS to queue behind it`,
      );
    }
    if (!announced) {
      options.onWait?.(`${message}; waiting...`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
