/**
 * Both cores for biased-MF SGD, DSGD-style (Gemulla et al. 2011): the
 * ratings are laid out in one shared `WebAssembly.Memory` as S x S cells
 * (user group g x item group h), in stratum order: stratum t holds the cells
 * (g, (g + t) mod S) for g = 0..S-1, which touch disjoint users and disjoint
 * items. Each thread gathers a cell's order of the epoch into the kernel's
 * arrays (`_gatherCell`: the cell's own random stream) and trains it.
 * Within a stratum, the threads (the calling one and T - 1 workers,
 * each with its own instance of the WASM kernel bound to that memory) take
 * the next cell from a shared counter until none is left, so a thread that
 * the machine's other jobs slow down takes fewer; the calling thread waits
 * for the others with `Atomics.wait` before the next stratum, so `fit()`
 * stays synchronous. Since the cells of
 * a stratum share no row of P, Q or the biases, every cell computes the
 * same bits whichever thread runs it and in whatever order: the factors are
 * bit-identical for any thread count. Each cell's squared error goes to its
 * own slot, summed by the caller in cell order.
 *
 * Control array: 8 int32 per worker: ready, job sequence, done sequence,
 * stratum (-1 stop), error flag, epoch.
 *
 * @module
 */
import type { _WasmSgd } from "./_wasm_sgd.ts";
import { type _CellOrder, _gatherCell } from "./_sgd_strata.ts";

/** Where the kernel's arrays live in the memory (byte offsets) and the fit's constants. */
export interface _SgdLayout {
  readonly offU: number;
  readonly offI: number;
  readonly offR: number;
  /** Number of ratings (the length of U, I, R). */
  readonly n: number;
  readonly offP: number;
  readonly offQ: number;
  readonly offBu: number;
  readonly offBi: number;
  readonly kp: number;
  readonly mu: number;
  readonly reg: number;
  readonly regBias: number;
}

/** What a worker gets once per fit (the memory and typed arrays over shared buffers). */
export interface _SgdPoolInit {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly layout: _SgdLayout;
  /** The ratings in cell order and the cells' bounds (over shared memory). */
  readonly order: _CellOrder;
  /** Threads T running the cells (the calling thread and T - 1 workers). */
  readonly threads: number;
  /** The current learning rate (slot 0). */
  readonly lr: Float64Array;
  /** The sum of squared errors of each cell in its last run. */
  readonly sse: Float64Array;
  /** Slot 0: the next cell (user group) of the current stratum to take. */
  readonly next: Int32Array;
  readonly control: Int32Array;
}

/** The kernel's rating arrays over its memory. */
export function _ratingViews(
  memory: WebAssembly.Memory,
  l: _SgdLayout,
): { U: Int32Array; I: Int32Array; R: Float32Array } {
  return {
    U: new Int32Array(memory.buffer, l.offU, l.n),
    I: new Int32Array(memory.buffer, l.offI, l.n),
    R: new Float32Array(memory.buffer, l.offR, l.n),
  };
}

/**
 * Gathers and trains cells of stratum `t` of `epoch`, each the next one not
 * yet taken by a thread, until none is left, writing each cell's squared
 * error to `sse`.
 */
export function _runCells(
  kernel: _WasmSgd,
  init: Pick<_SgdPoolInit, "layout" | "order" | "sse" | "next">,
  options: {
    t: number;
    epoch: number;
    lr: number;
    views: { U: Int32Array; I: Int32Array; R: Float32Array };
  },
): void {
  const { layout: l, order, sse, next } = init;
  const S = order.strata, cellStart = order.cellStart;
  for (let g = Atomics.add(next, 0, 1); g < S; g = Atomics.add(next, 0, 1)) {
    const p = options.t * S + g;
    _gatherCell(order, { ...options.views, p, epoch: options.epoch });
    const a = cellStart[p]!, n = cellStart[p + 1]! - a;
    sse[p] = kernel.epoch(
      n,
      l.offU + 4 * a,
      l.offI + 4 * a,
      l.offR + 4 * a,
      l.offP,
      l.offQ,
      l.offBu,
      l.offBi,
      l.kp,
      l.mu,
      options.lr,
      l.reg,
      l.regBias,
    );
  }
}

/** Milliseconds a worker may take to start before the fit goes on with one thread. */
const START_TIMEOUT_MS = 60_000;

/** A pool of SGD workers for one fit. */
export class _SgdPool {
  readonly #init: _SgdPoolInit;
  readonly #kernel: _WasmSgd;
  readonly #views: ReturnType<typeof _ratingViews>;
  readonly #workers: Worker[];
  #seq = 0;

  private constructor(init: _SgdPoolInit, kernel: _WasmSgd, workers: Worker[]) {
    this.#init = init;
    this.#kernel = kernel;
    this.#views = _ratingViews(kernel.memory, init.layout);
    this.#workers = workers;
  }

  /** Threads running the cells, the calling one included. */
  get threads(): number {
    return this.#init.threads;
  }

  /**
   * Starts `threads - 1` workers bound to `kernel`'s memory; undefined when
   * fewer than two threads are asked for or workers cannot start (then the
   * caller runs every cell itself, with the same result).
   */
  static open(
    kernel: _WasmSgd,
    init: Omit<_SgdPoolInit, "memory" | "control" | "lr" | "sse" | "next" | "threads">,
    threads: number,
  ): _SgdPool | undefined {
    const S = init.order.strata;
    const n = Math.min(Math.floor(threads), S) - 1;
    if (n < 1) return undefined;
    const control = new Int32Array(new SharedArrayBuffer(4 * 8 * n));
    const lr = new Float64Array(new SharedArrayBuffer(8));
    const sse = new Float64Array(new SharedArrayBuffer(8 * S * S));
    const next = new Int32Array(new SharedArrayBuffer(4));
    const full: _SgdPoolInit = {
      ...init,
      memory: kernel.memory,
      threads: n + 1,
      control,
      lr,
      sse,
      next,
    };
    const workers: Worker[] = [];
    try {
      for (let slot = 0; slot < n; slot++) {
        const w = new Worker(new URL("./_sgd_worker.ts", import.meta.url), { type: "module" });
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
    return new _SgdPool(full, kernel, workers);
  }

  /** The cells' squared errors of the last run of each stratum (S*S, in cell order). */
  get sse(): Float64Array {
    return this.#init.sse;
  }

  /** Runs stratum `t` of `epoch` at learning rate `lr` on every thread and waits for all of them. */
  stratum(t: number, options: { epoch: number; lr: number }): void {
    const { epoch, lr } = options;
    const init = this.#init;
    const ctl = init.control;
    const seq = ++this.#seq;
    init.lr[0] = lr;
    Atomics.store(init.next, 0, 0);
    for (let w = 0; w < this.#workers.length; w++) {
      const base = 8 * w;
      ctl[base + 3] = t;
      ctl[base + 5] = epoch;
      Atomics.store(ctl, base + 1, seq);
      Atomics.notify(ctl, base + 1);
    }
    let failure: unknown;
    try {
      _runCells(this.#kernel, init, { t, epoch, lr, views: this.#views });
    } catch (e) {
      failure = e;
    }
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
    if (failure !== undefined) throw failure;
    if (failed) {
      throw new Error(
        'Cannot fit "biased-mf": a worker thread failed to run its block of ratings; set kernel threads to 1',
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
