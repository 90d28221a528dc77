/**
 * The one place that chooses how ALS half-steps are solved: the WebAssembly
 * SIMD kernel (`_wasm_als.ts`) when the runtime has it, else the JS kernel
 * (`_als_kernel.ts`). Both compute the same bits, so the choice is not part of
 * the model's config; {@linkcode _alsKernel} switches it (for tests and
 * benchmarks), and the worker threads of `_als_pool.ts` are told the choice.
 *
 * @module
 */
import type { CsrMatrix } from "../core/csr.ts";
import { _alsWorkspace, _solveRows } from "./_als_kernel.ts";
import { _AlsWasmSolver } from "./_wasm_als.ts";

/** The arrays and constants of one ALS fit (both sides). */
export interface _AlsFit {
  /** Ratings by user (rows users, columns items) and by item. */
  readonly byUser: CsrMatrix;
  readonly byItem: CsrMatrix;
  /** User factors and biases, item factors and biases (solved in turn). */
  readonly P: Float32Array;
  readonly Q: Float32Array;
  readonly bu: Float32Array;
  readonly bi: Float32Array;
  readonly k: number;
  readonly mu: number;
  readonly regularization: number;
  readonly biasRegularization: number;
}

/** The rows `[from, to)` one thread solves: of the users, then of the items. */
export type _AlsRanges = readonly [readonly [number, number], readonly [number, number]];

/** A thread's solver of its rows in every half-step. */
export interface _AlsSolver {
  /** Which kernel solves. */
  readonly kernel: _AlsKernelName;
  /** Solves the rows of side `side` (0 users against the items, 1 items against the users). */
  solve(side: 0 | 1): void;
}

/** The ALS kernels: WebAssembly SIMD or plain JS (same bits). */
export type _AlsKernelName = "wasm" | "js";

let preferred: _AlsKernelName = "wasm";

/**
 * The kernel ALS fits prefer; with an argument, sets it first ("wasm" falls
 * back to "js" where WebAssembly SIMD is missing).
 *
 * @example
 * ```ts
 * import { _alsKernel } from "./_als_solver.ts";
 * const before = _alsKernel();
 * if (_alsKernel("js") !== "js") throw new Error("not set");
 * _alsKernel(before);
 * ```
 */
export function _alsKernel(set?: _AlsKernelName): _AlsKernelName {
  if (set !== undefined) preferred = set;
  return preferred;
}

/** The solver of the rows `ranges` of `fit` for one thread, by kernel `kernel`. */
export function _alsSolver(
  fit: _AlsFit,
  options: { ranges: _AlsRanges; kernel: _AlsKernelName },
): _AlsSolver {
  if (options.kernel === "wasm") {
    try {
      const wasm = _AlsWasmSolver.create(fit, options.ranges);
      if (wasm) return wasm;
    } catch {
      // no memory for the kernel's copy of the rows: the JS kernel computes the same bits
    }
  }
  const work = _alsWorkspace(fit.k);
  const constants = {
    k: fit.k,
    mu: fit.mu,
    regularization: fit.regularization,
    biasRegularization: fit.biasRegularization,
  };
  return {
    kernel: "js",
    solve(side) {
      const users = side === 0;
      const [from, to] = options.ranges[side];
      _solveRows(users ? fit.byUser : fit.byItem, {
        ...constants,
        X: users ? fit.P : fit.Q,
        bx: users ? fit.bu : fit.bi,
        Y: users ? fit.Q : fit.P,
        by: users ? fit.bi : fit.bu,
        work,
        from,
        to,
      });
    },
  };
}
