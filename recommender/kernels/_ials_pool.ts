/**
 * Both cores for iALS: worker threads that share the fit's arrays
 * (`SharedArrayBuffer`) and each solve a balanced range of rows of every
 * half-step while the calling thread solves the first range, as
 * `_als_pool.ts` does for ALS. Each thread has its own WebAssembly kernel
 * memory holding the positives of its rows, and copies the fixed side's
 * factors and Gram matrix into it at the start of each half-step. Each row
 * is solved by the same code whichever thread runs it, so the factors are
 * bit-identical to one thread's.
 *
 * Control array: 8 int32 per worker: ready (1 started, 2 failed), job
 * sequence, done sequence, job (0 solve the items, 1 the users, 2 the Gram
 * matrix of the users, 3 of the items, -1 stop), -, -, error flag.
 *
 * @module
 */
import { _balancedRows } from "./_als_kernel.ts";
import {
  _balancedGramRows,
  type _IalsFit,
  type _IalsRanges,
  _ialsRowCost,
  _IalsRows,
  _mirrorUpper,
} from "./_ials_kernel.ts";

/** What a worker gets once per fit (typed arrays over shared memory). */
export interface _IalsPoolInit {
  readonly control: Int32Array;
  readonly fit: _IalsFit;
  readonly slot: number;
  readonly ranges: _IalsRanges;
}

/** Milliseconds a worker may take to start before the fit goes on with one thread. */
const START_TIMEOUT_MS = 60_000;

/** A copy of a typed array over shared memory. */
export function _sharedCopy<T extends Float32Array | Float64Array | Int32Array>(a: T): T {
  const Ctor = a.constructor as new (
    buffer: SharedArrayBuffer,
    offset: number,
    length: number,
  ) => T;
  const out = new Ctor(new SharedArrayBuffer(Math.max(8, a.byteLength)), 0, a.length);
  (out as Float64Array).set(a as Float64Array);
  return out;
}

/** A pool of iALS workers for one fit. */
export class _IalsPool {
  readonly #control: Int32Array;
  readonly #workers: Worker[];
  readonly #main: _IalsRows;
  readonly #fit: _IalsFit;
  #seq = 0;

  private constructor(fit: _IalsFit, control: Int32Array, workers: Worker[], main: _IalsRows) {
    this.#fit = fit;
    this.#control = control;
    this.#workers = workers;
    this.#main = main;
  }

  /** Whether the CG products run in WebAssembly (`wasm`) or JS, on every thread. */
  get kernel(): "wasm" | "js" {
    return this.#main.kernel;
  }

  /** How many threads solve (the workers and the calling thread). */
  get threads(): number {
    return this.#workers.length + 1;
  }

  /**
   * Starts `threads - 1` workers over the shared arrays of `fit`; undefined
   * when workers cannot start or cannot run the same kernel as the calling
   * thread (then the caller solves on one thread).
   */
  static open(fit: _IalsFit, threads: number): _IalsPool | undefined {
    const n = Math.max(0, Math.floor(threads) - 1);
    if (n === 0) return undefined;
    const parts = n + 1, rowCost = _ialsRowCost(fit);
    const bounds = [0, 1].map((s) => _balancedRows(fit.rows[s]!, { parts, k: fit.k, rowCost }));
    const gram = _balancedGramRows(fit.k, parts);
    const range = (part: number): _IalsRanges => ({
      rows: [
        [bounds[0]![part]!, bounds[0]![part + 1]!],
        [bounds[1]![part]!, bounds[1]![part + 1]!],
      ],
      gram: [gram[part]!, gram[part + 1]!],
    });
    const main = new _IalsRows(fit, range(0));
    // the workers must run the kernel the calling thread runs (same bits)
    const same: _IalsFit = { ...fit, wasm: main.kernel === "wasm" };
    const control = new Int32Array(new SharedArrayBuffer(4 * 8 * n));
    const workers: Worker[] = [];
    try {
      for (let slot = 0; slot < n; slot++) {
        const w = new Worker(new URL("./_ials_worker.ts", import.meta.url), { type: "module" });
        workers.push(w);
        const init: _IalsPoolInit = { control, fit: same, slot, ranges: range(slot + 1) };
        w.postMessage(init);
      }
      for (let slot = 0; slot < n; slot++) {
        if (Atomics.wait(control, 8 * slot, 0, START_TIMEOUT_MS) === "timed-out") {
          throw new Error("worker did not start");
        }
        if (Atomics.load(control, 8 * slot) !== 1) throw new Error("worker failed to start");
      }
    } catch {
      for (const w of workers) w.terminate();
      return undefined;
    }
    return new _IalsPool(fit, control, workers, main);
  }

  /** The Gram matrix of the side fixed in the half-step of side `side`, into `fit.gram`. */
  gram(side: 0 | 1): void {
    this.#run(2 + side, () => this.#main.gram(side));
    _mirrorUpper(this.#fit.gram, this.#fit.k);
  }

  /**
   * One half-step: side 0 solves the items against the users, 1 the users
   * against the items (and writes their terms of the loss).
   */
  solve(side: 0 | 1): void {
    this.#run(side, () => this.#main.solve(side));
  }

  /** Runs job `job` on every worker and `own` on this thread, and waits for all. */
  #run(job: number, own: () => void): void {
    const ctl = this.#control;
    const seq = ++this.#seq;
    for (let w = 0; w < this.#workers.length; w++) {
      const base = 8 * w;
      ctl[base + 3] = job;
      Atomics.store(ctl, base + 1, seq);
      Atomics.notify(ctl, base + 1);
    }
    let failed = false;
    try {
      own();
    } finally {
      // wait for every worker even when this thread failed: none may still write
      for (let w = 0; w < this.#workers.length; w++) {
        const base = 8 * w;
        for (;;) {
          const done = Atomics.load(ctl, base + 2);
          if (done === seq) break;
          Atomics.wait(ctl, base + 2, done);
        }
        if (ctl[base + 6] !== 0) failed = true;
      }
    }
    if (failed) {
      throw new Error(
        "Cannot fit ials: a worker thread failed to solve its rows; set kernel threads to 1",
      );
    }
  }

  /** Stops the workers. */
  close(): void {
    const ctl = this.#control;
    for (let w = 0; w < this.#workers.length; w++) {
      ctl[8 * w + 3] = -1;
      Atomics.store(ctl, 8 * w + 1, ++this.#seq);
      Atomics.notify(ctl, 8 * w + 1);
    }
    for (const w of this.#workers) w.terminate();
  }
}
