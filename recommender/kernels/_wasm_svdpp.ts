/**
 * A WebAssembly SIMD kernel for one SVD++ epoch (with Koren's time-aware
 * bias terms, zero for plain SVD++). Its source is `wasm/svdpp.wat`
 * (compiled into `wasm/_kernels.ts` by `deno task wasm`); `WebAssembly.Module`
 * compiles it once per process.
 *
 * `epoch(nOrder, ordPtr, indptrPtr, itemPtr, ratePtr, tbPtr, tdPtr, devPtr,
 * pPtr, qPtr, yPtr, buPtr, biPtr, btPtr, budPtr, alphaPtr, normPtr, zPtr,
 * accPtr, kp, scalarPtr) -> sse` walks the users in `ord` order; the ratings
 * of user `u` are rows `indptr[u] .. indptr[u + 1]` of the item, rating,
 * time-bin, user-day and drift arrays. Per user it forms the implicit sum
 * once, `z = |N(u)|^-1/2 sum_j y_j` (`norm[u]` is `|N(u)|^-1/2`), then per
 * rating
 *
 *   e   = r - (mu + bu + bi + bt[tb] + bud[td] + alpha_u dev + q_i . (p_u + z))
 *   bu += lr (e - regBias bu);  bi += lr (e - regBias bi)
 *   bt += lrTime (e - regTime bt);  bud += lrTime (e - regTime bud)
 *   alpha_u += lrAlpha (e dev - regAlpha alpha_u)
 *   acc += e q_i;  p_u = (1 - lr reg) p_u + lr e q_i;  q_i = (1 - lr reg) q_i + lr e (p_u + z)
 *
 * and after the user's ratings updates every `y_j` of `N(u)` once:
 * `y_j = (1 - lr regY) y_j + lr norm acc` (the per-user update that makes
 * SVD++ cost about as much as biased MF). The scalars at `scalarPtr` are
 * float32 `mu, lr, reg, regBias, regY, lrTime, regTime, lrAlpha, regAlpha`.
 * Factor rows have a padded stride of `kp` floats (a multiple of 4).
 *
 * @module
 */
import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";

/** The module's bytes (exported for tests that validate them). */
export function _svdppModuleBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("svdpp");
}

/** The kernel bound to one memory; arguments are byte offsets (see the module doc). */
export interface _WasmSvdpp {
  readonly memory: WebAssembly.Memory;
  epoch(...args: number[]): number;
}

const _module = _lazyModule("svdpp");

/** Instantiates the kernel over a fresh memory of at least `bytes` bytes; null without SIMD. */
export function _instantiateWasmSvdpp(bytes: number): _WasmSvdpp | null {
  const module = _module();
  if (module === null) return null;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const epoch = instance.exports.epoch as (...args: number[]) => number;
  return { memory, epoch };
}
