/**
 * The numeric kernels: WebAssembly SIMD loops (written as WAT in `wasm/`,
 * compiled by `deno task wasm`), ALS/iALS half-step solves and their worker
 * threads, dense SPD solves. Models use them through their own files; the one
 * public knob is how many threads they may use.
 *
 * @module
 */
export { kernelThreads } from "./kernel_threads.ts";
