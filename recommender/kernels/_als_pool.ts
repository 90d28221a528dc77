/**
 * Both cores for ALS: worker threads that share the fit's arrays
 * (`SharedArrayBuffer`) and each solve a balanced range of rows of every
 * half-step while the calling thread solves the first range. The calling
 * thread waits with `Atomics.wait`, so `fit()` stays synchronous. Each row is
 * solved by the same code whichever thread runs it, so the factors are
 * bit-identical to one thread's.
 *
 * Every thread solves the same row ranges in every half-step (balanced once
 * per fit), with its own solver (`_als_solver.ts`: the kernel is chosen there
 * and told to the workers).
 *
 * Control array: 8 int32 per worker: ready, job sequence, done sequence,
 * side (0 users, 1 items, -1 stop), error flag.
 *
 * @module
 */
import type { CsrMatrix } from "../core/csr.ts";
import { _balancedRows } from "./_als_kernel.ts";
import {
  type _AlsFit,
  type _AlsKernelName,
  type _AlsRanges,
  type _AlsSolver,
  _alsSolver,
} from "./_als_solver.ts";

/** What a worker gets once per fit (typed arrays over shared memory). */
export interface _AlsPoolInit extends _AlsFit {
  readonly control: Int32Array;
  /** The kernel every thread uses. */
  readonly kernel: _AlsKernelName;
}

/** What one worker gets: the fit, its control slot and its rows. */
export interface _AlsWorkerInit extends _AlsPoolInit {
  readonly slot: number;
  readonly ranges: _AlsRanges;
}

/** A Float32Array over shared memory (zeros). */
export function _sharedF32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(4, 4 * length)), 0, length);
}

/** A copy of a CSR matrix over shared memory. */
export function _shareCsr(m: CsrMatrix): CsrMatrix {
  const indptr = new Int32Array(new SharedArrayBuffer(4 * m.indptr.length));
  const indices = new Int32Array(
    new SharedArrayBuffer(Math.max(4, 4 * m.indices.length)),
    0,
    m.indices.length,
  );
  const values = _sharedF32(m.values.length);
  indptr.set(m.indptr);
  indices.set(m.indices);
  values.set(m.values);
  return { nRows: m.nRows, nCols: m.nCols, indptr, indices, values };
}

/** Seconds a worker may take to start before the fit goes on with one thread. */
const START_TIMEOUT_MS = 60_000;

/** The rows of thread `t` (0 the calling thread) given each side's bounds. */
function _ranges(bounds: readonly (readonly number[])[], t: number): _AlsRanges {
  return [[bounds[0]![t]!, bounds[0]![t + 1]!], [bounds[1]![t]!, bounds[1]![t + 1]!]];
}

/** A pool of ALS workers for one fit. */
export class _AlsPool implements _AlsSolver {
  readonly kernel: _AlsKernelName;
  readonly #init: _AlsPoolInit;
  readonly #workers: Worker[];
  readonly #own: _AlsSolver;
  #seq = 0;

  private constructor(init: _AlsPoolInit, workers: Worker[], own: _AlsSolver) {
    this.#init = init;
    this.#workers = workers;
    this.#own = own;
    this.kernel = own.kernel;
  }

  /**
   * Starts `threads - 1` workers over the shared arrays in `init`; undefined
   * when workers cannot start (then the caller solves on one thread).
   */
  static open(
    init: _AlsFit & { readonly kernel: _AlsKernelName },
    threads: number,
  ): _AlsPool | undefined {
    const n = Math.max(0, Math.floor(threads) - 1);
    if (n === 0) return undefined;
    const control = new Int32Array(new SharedArrayBuffer(4 * 8 * n));
    const full: _AlsPoolInit = { ...init, control };
    const parts = n + 1;
    const bounds = [
      _balancedRows(init.byUser, { parts, k: init.k }),
      _balancedRows(init.byItem, { parts, k: init.k }),
    ];
    const workers: Worker[] = [];
    try {
      for (let slot = 0; slot < n; slot++) {
        const w = new Worker(new URL("./_als_worker.ts", import.meta.url), { type: "module" });
        workers.push(w);
        const message: _AlsWorkerInit = { ...full, slot, ranges: _ranges(bounds, slot + 1) };
        w.postMessage(message);
      }
      for (let slot = 0; slot < n; slot++) {
        if (Atomics.wait(control, 8 * slot, 0, START_TIMEOUT_MS) === "timed-out") {
          throw new Error("worker did not start");
        }
      }
    } catch {
      for (const w of workers) w.terminate();
      return undefined;
    }
    const own = _alsSolver(full, { ranges: _ranges(bounds, 0), kernel: init.kernel });
    return new _AlsPool(full, workers, own);
  }

  /** One half-step: side 0 solves the users against the items, 1 the items against the users. */
  solve(side: 0 | 1): void {
    const ctl = this.#init.control;
    const seq = ++this.#seq;
    for (let w = 0; w < this.#workers.length; w++) {
      const base = 8 * w;
      ctl[base + 3] = side;
      Atomics.store(ctl, base + 1, seq);
      Atomics.notify(ctl, base + 1);
    }
    this.#own.solve(side);
    let failed = false;
    for (let w = 0; w < this.#workers.length; w++) {
      const base = 8 * w;
      for (;;) {
        const done = Atomics.load(ctl, base + 2);
        if (done === seq) break;
        Atomics.wait(ctl, base + 2, done);
      }
      if (ctl[base + 4] !== 0) failed = true;
    }
    if (failed) {
      throw new Error(
        "Cannot fit als: a worker thread failed to solve its rows; set kernel threads to 1",
      );
    }
  }

  /** Stops the workers. */
  close(): void {
    const ctl = this.#init.control;
    for (let w = 0; w < this.#workers.length; w++) {
      ctl[8 * w + 3] = -1;
      Atomics.store(ctl, 8 * w + 1, ++this.#seq);
      Atomics.notify(ctl, 8 * w + 1);
    }
    for (const w of this.#workers) w.terminate();
  }
}
