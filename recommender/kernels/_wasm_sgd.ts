/**
 * A WebAssembly SIMD kernel for one biased-MF SGD epoch. Its source is
 * `wasm/sgd.wat` (compiled into `wasm/_kernels.ts` by `deno task wasm`);
 * `WebAssembly.Module` compiles it once per process.
 *
 * The exported function
 * `epoch(n, uPtr, iPtr, rPtr, pPtr, qPtr, buPtr, biPtr, kp, mu, lr, reg, regBias) -> sse`
 * walks `n` ratings (user index, item index, rating at the three pointers) and
 * applies the Funk-SVD update to row-major factor matrices with a padded
 * stride of `kp` floats (a multiple of 4), four factors per instruction:
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

/** Instantiates the kernel over a fresh memory of at least `bytes` bytes; null without SIMD. */
export function _instantiateWasmSgd(bytes: number): _WasmSgd | null {
  const module = _module();
  if (module === null) return null;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const epoch = instance.exports.epoch as _WasmSgd["epoch"];
  return { memory, epoch };
}
