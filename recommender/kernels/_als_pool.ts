/**
 * Both cores for ALS: worker threads that share the fit's arrays
 * (`SharedArrayBuffer`) and each solve a balanced range of rows of every
 * half-step while the calling thread solves the first range. The calling
 * thread waits with `Atomics.wait`, so `fit()` stays synchronous. Each row is
 * solved by the same code whichever thread runs it, so the factors are
 * bit-identical to one thread's.
 *
 * Control array: 8 int32 per worker: ready, job sequence, done sequence,
 * side (0 users, 1 items, -1 stop), first row, end row, error flag.
 *
 * @module
 */
import type { CsrMatrix } from "../core/csr.ts";
import { type _AlsWorkspace, _balancedRows, _solveRows } from "./_als_kernel.ts";

/** What a worker gets once per fit (typed arrays over shared memory). */
export interface _AlsPoolInit {
  readonly control: Int32Array;
  readonly byUser: CsrMatrix;
  readonly byItem: CsrMatrix;
  readonly P: Float32Array;
  readonly Q: Float32Array;
  readonly bu: Float32Array;
  readonly bi: Float32Array;
  readonly k: number;
  readonly mu: number;
  readonly regularization: number;
  readonly biasRegularization: number;
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

/** A pool of ALS workers for one fit. */
export class _AlsPool {
  readonly #init: _AlsPoolInit;
  readonly #workers: Worker[];
  readonly #bounds: readonly (readonly number[])[];
  #seq = 0;

  private constructor(init: _AlsPoolInit, workers: Worker[]) {
    this.#init = init;
    this.#workers = workers;
    const parts = workers.length + 1;
    this.#bounds = [
      _balancedRows(init.byUser, { parts, k: init.k }),
      _balancedRows(init.byItem, { parts, k: init.k }),
    ];
  }

  /**
   * Starts `threads - 1` workers over the shared arrays in `init`; undefined
   * when workers cannot start (then the caller solves on one thread).
   */
  static open(init: Omit<_AlsPoolInit, "control">, threads: number): _AlsPool | undefined {
    const n = Math.max(0, Math.floor(threads) - 1);
    if (n === 0) return undefined;
    const control = new Int32Array(new SharedArrayBuffer(4 * 8 * n));
    const full: _AlsPoolInit = { ...init, control };
    const workers: Worker[] = [];
    try {
      for (let slot = 0; slot < n; slot++) {
        const w = new Worker(new URL("./_als_worker.ts", import.meta.url), { type: "module" });
        workers.push(w);
        w.postMessage({ ...full, slot });
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
    return new _AlsPool(full, workers);
  }

  /** One half-step: side 0 solves the users against the items, 1 the items against the users. */
  solve(side: 0 | 1, work: _AlsWorkspace): void {
    const init = this.#init;
    const ctl = init.control;
    const bounds = this.#bounds[side]!;
    const seq = ++this.#seq;
    for (let w = 0; w < this.#workers.length; w++) {
      const base = 8 * w;
      ctl[base + 3] = side;
      ctl[base + 4] = bounds[w + 1]!;
      ctl[base + 5] = bounds[w + 2]!;
      Atomics.store(ctl, base + 1, seq);
      Atomics.notify(ctl, base + 1);
    }
    const users = side === 0;
    _solveRows(users ? init.byUser : init.byItem, {
      X: users ? init.P : init.Q,
      bx: users ? init.bu : init.bi,
      Y: users ? init.Q : init.P,
      by: users ? init.bi : init.bu,
      k: init.k,
      mu: init.mu,
      regularization: init.regularization,
      biasRegularization: init.biasRegularization,
      work,
      from: bounds[0]!,
      to: bounds[1]!,
    });
    let failed = false;
    for (let w = 0; w < this.#workers.length; w++) {
      const base = 8 * w;
      for (;;) {
        const done = Atomics.load(ctl, base + 2);
        if (done === seq) break;
        Atomics.wait(ctl, base + 2, done);
      }
      if (ctl[base + 6] !== 0) failed = true;
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
