/**
 * A WebAssembly SIMD kernel for one biased-MF SGD epoch. Its source is
 * `wasm/sgd.wat` (compiled into `wasm/_kernels.ts` by `deno task wasm`);
 * `WebAssembly.Module` compiles it once per process.
 *
 * The exported function
 * `epoch(n, uPtr, iPtr, rPtr, pPtr, qPtr, buPtr, biPtr, kp, mu, lr, reg, regBias) -> sse`
 * walks `n` ratings (user index, item index, rating at the three pointers) and
 * applies the Funk-SVD update to row-major factor matrices with a padded
 * stride of `kp` floats (a multiple of 4), four factors per instruction
 * (the memory is shared: worker threads bind their own instance to it and
 * run disjoint blocks of ratings, see `_sgd_pool.ts`):
 *
 *   e   = r - (mu + bu + bi + p_u . q_i)
 *   bu += lr (e - regBias bu);  bi += lr (e - regBias bi)
 *   p_u = (1 - lr reg) p_u + lr e q_i;  q_i = (1 - lr reg) q_i + lr e p_u(old)
 *
 * @module
 */

import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";

/** The module's bytes (exported for tests that validate them). */
export function _sgdModuleBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("sgd");
}

/** The kernel bound to one memory. */
export interface _WasmSgd {
  readonly memory: WebAssembly.Memory;
  epoch(
    n: number,
    uPtr: number,
    iPtr: number,
    rPtr: number,
    pPtr: number,
    qPtr: number,
    buPtr: number,
    biPtr: number,
    kp: number,
    mu: number,
    lr: number,
    reg: number,
    regBias: number,
  ): number;
}

const _module = _lazyModule("sgd");

/** The compiled kernel (cached); null without SIMD. Workers get it to bind to the same memory. */
export function _sgdModule(): WebAssembly.Module | null {
  return _module();
}

/** The kernel's `epoch` export over `memory` (a shared memory, as `sgd.wat` imports). */
export function _bindWasmSgd(module: WebAssembly.Module, memory: WebAssembly.Memory): _WasmSgd {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const epoch = instance.exports.epoch as _WasmSgd["epoch"];
  return { memory, epoch };
}

/**
 * Instantiates the kernel over a fresh shared memory of at least `bytes`
 * bytes (fixed size; worker threads may bind to it); null without SIMD.
 */
export function _instantiateWasmSgd(bytes: number): _WasmSgd | null {
  const module = _module();
  if (module === null) return null;
  const pages = Math.ceil(bytes / 65536) + 1;
  if (pages > 65536) {
    throw new RangeError(
      `Cannot fit biased-mf in WebAssembly: its arrays need ${bytes} bytes, over the 4 GiB of a memory; use kernel "js"`,
    );
  }
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  return _bindWasmSgd(module, memory);
}
