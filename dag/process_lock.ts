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

/**
 * Moves a dead owner's lock aside. Rename is atomic, so of two processes
 * taking over at once only one moves the file; if what it moved is not the
 * dead owner's lock (another process already replaced it), it is put back.
 */
async function takeOverStale(path: string, deadPid: number): Promise<void> {
  const aside = `${path}.stale-${Deno.pid}`;
  try {
    await Deno.rename(path, aside);
  } catch {
    return; // someone else moved it first
  }
  let pid: unknown;
  try {
    pid = JSON.parse(await Deno.readTextFile(aside)).pid;
  } catch { /* unreadable: treat as stale */ }
  if (typeof pid === "number" && pid !== deadPid && alive(pid)) {
    // A live process's fresh lock: restore it unless yet another one exists now.
    await Deno.link(aside, path).catch(() => {});
  }
  await Deno.remove(aside).catch(() => {});
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
      await takeOverStale(path, owner.pid);
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
