/**
 * Both cores for the evaluation's ranking pass: worker threads that each
 * load the model from its artifact bytes and rank users of a shared list,
 * claiming chunks of positions from a shared counter while the calling
 * thread ranks chunks too. Every user is ranked by the same
 * {@linkcode _UserRanker} code whichever thread claims it, and its list and
 * metric values land at its position in shared arrays, so the caller's sums
 * (in user order) are bit-identical to one thread's. The calling thread
 * waits with `Atomics.wait`, so `evaluateModel()` stays synchronous; a worker
 * that is slow to start or fails to load the model just claims nothing.
 *
 * Control array: [0] the next position to claim; then 2 int32 per worker:
 * state (0 starting, 1 ranking, 2 not needed, 3 done, 4 failed to load) and
 * the first position of the chunk it failed on (-1: none).
 *
 * @module
 */
import type { ModelArtifact, Recommender } from "../core/model.ts";
import { _RankOutput, _RankUsers, _UserRanker, _VALUES_PER_LIST } from "./_evaluation_ranker.ts";

/** Positions claimed at a time: small enough to balance, big enough that claiming costs nothing. */
export const _CHUNK = 32;

/** Milliseconds a test waits for a worker to start before ranking its share here. */
const START_TIMEOUT_MS = 60_000;

/** State values of a worker's control slot. */
export const _STARTING = 0, _RANKING = 1, _NOT_NEEDED = 2, _DONE = 3, _LOAD_FAILED = 4;

/** What a worker gets (typed arrays over shared memory, the artifact copied). */
export interface _EvaluationJob {
  readonly artifact: ModelArtifact;
  readonly k: number;
  readonly floors: readonly number[];
  readonly users: _RankUsers;
  readonly out: _RankOutput;
  readonly control: Int32Array;
  readonly slot: number;
}

/** A typed array of `length` over a new SharedArrayBuffer. */
function _shared<T extends Int32Array | Float64Array>(
  make: new (buffer: SharedArrayBuffer, offset: number, length: number) => T,
  bytes: number,
  length: number,
): T {
  return new make(new SharedArrayBuffer(Math.max(8, bytes * length)), 0, length);
}

/** The ranking users copied into shared memory. */
export function _shareUsers(users: _RankUsers): _RankUsers {
  const copy = (a: Int32Array) => {
    const s = _shared(Int32Array, 4, a.length);
    s.set(a);
    return s;
  };
  return {
    userIds: copy(users.userIds),
    relIndptr: copy(users.relIndptr),
    relMovies: copy(users.relMovies),
  };
}

/** Output arrays for `n` users, `floors` lists each of up to `k` movies, over shared memory when `shared`. */
export function _rankOutput(n: number, floors: number, k: number, shared: boolean): _RankOutput {
  const slots = n * floors;
  if (!shared) {
    return {
      listLength: new Int32Array(slots),
      lists: new Int32Array(slots * k),
      values: new Float64Array(slots * _VALUES_PER_LIST),
    };
  }
  return {
    listLength: _shared(Int32Array, 4, slots),
    lists: _shared(Int32Array, 4, slots * k),
    values: _shared(Float64Array, 8, slots * _VALUES_PER_LIST),
  };
}

/**
 * Ranks every position of `users` for `floors` with `model` on this thread
 * and `threads - 1` workers that load `artifact` (the same model's bytes).
 * Throws the error ranking a user raised (on whichever thread).
 */
export function _rankInParallel(
  model: Recommender,
  artifact: ModelArtifact,
  job: {
    readonly k: number;
    readonly floors: readonly number[];
    readonly users: _RankUsers;
    readonly out: _RankOutput;
    readonly threads: number;
    readonly signal?: AbortSignal | undefined;
    /**
     * False: this thread waits for the workers and ranks only what they left
     * (tests use it to check the workers' output). Default true.
     */
    readonly callerRanks?: boolean;
  },
): void {
  const n = job.users.userIds.length;
  const nWorkers = Math.max(0, Math.floor(job.threads) - 1);
  const control = _shared(Int32Array, 4, 1 + 2 * nWorkers);
  for (let w = 0; w < nWorkers; w++) control[2 + 2 * w] = -1;
  const workers: Worker[] = [];
  const ranker = new _UserRanker(model, job.k, job.floors);
  try {
    for (let slot = 0; slot < nWorkers; slot++) {
      try {
        const w = new Worker(new URL("./_evaluation_worker.ts", import.meta.url), {
          type: "module",
        });
        workers.push(w);
        const message: _EvaluationJob = {
          artifact,
          k: job.k,
          floors: job.floors,
          users: job.users,
          out: job.out,
          control,
          slot,
        };
        w.postMessage(message);
      } catch {
        // cannot start a worker: the calling thread ranks its share
        Atomics.store(control, 1 + 2 * slot, _NOT_NEEDED);
      }
    }
    if (job.callerRanks === false) {
      for (let w = 0; w < nWorkers; w++) {
        const at = 1 + 2 * w;
        for (let s = Atomics.load(control, at); s === _STARTING || s === _RANKING;) {
          if (Atomics.wait(control, at, s, START_TIMEOUT_MS) === "timed-out") break;
          s = Atomics.load(control, at);
        }
      }
    }
    for (;;) {
      job.signal?.throwIfAborted();
      const from = Atomics.add(control, 0, _CHUNK);
      if (from >= n) break;
      const to = Math.min(n, from + _CHUNK);
      ranker.rankRange(from, to, job.users, job.out);
    }
  } finally {
    // no more claims (after an error here), then wait for the workers that are ranking
    Atomics.store(control, 0, n);
    for (let w = 0; w < nWorkers; w++) {
      const at = 1 + 2 * w;
      if (Atomics.compareExchange(control, at, _STARTING, _NOT_NEEDED) !== _STARTING) {
        while (Atomics.load(control, at) === _RANKING) Atomics.wait(control, at, _RANKING);
      }
    }
    for (const w of workers) w.terminate();
  }
  let failed = -1;
  for (let w = 0; w < nWorkers; w++) {
    const g = control[2 + 2 * w]!;
    if (g >= 0 && (failed < 0 || g < failed)) failed = g;
  }
  if (failed >= 0) {
    // the same code on this thread raises the same error, with its message
    ranker.rankRange(failed, Math.min(n, failed + _CHUNK), job.users, job.out);
    throw new Error(
      `Cannot evaluate model "${model.name}": a worker thread failed to rank the users from ${
        job.users.userIds[failed]
      }; set kernel threads to 1`,
    );
  }
}
