/**
 * The WebAssembly SIMD kernel of the per-epoch loss of als and biased-mf
 * (`wasm/rmse.wat`): the sum of squared errors of a biased factor model's
 * clipped predictions, with the same bits as the JS loop of
 * `models/_biased_rmse.ts`. Each call copies the factors and biases into a
 * new memory, then the ratings through a small buffer, a chunk at a time
 * (the running sum goes from one chunk to the next, so the order of the
 * additions is the ratings' order): no copy of all the ratings is made.
 *
 * @module
 */
import { _lazyModule } from "./_wasm_module.ts";

const _compiled = _lazyModule("rmse");

/** Ratings per chunk copied into the kernel's buffer (12 bytes each). */
const CHUNK = 16384;

/** Largest memory the kernel is given (its offsets are signed 32-bit). */
const MAX_BYTES = 2 ** 31 - 65536;

type _SseFn = (
  n: number,
  u: number,
  i: number,
  r: number,
  p: number,
  q: number,
  bu: number,
  bi: number,
  k: number,
  rowBytes: number,
  mu: number,
  lo: number,
  hi: number,
  se: number,
) => number;

/** What {@linkcode _wasmSse} reads: encoded ratings (-1 = unknown id) and the model. */
export interface _SseInput {
  readonly u: Int32Array;
  readonly i: Int32Array;
  readonly r: Float32Array;
  readonly P: Float32Array;
  readonly Q: Float32Array;
  readonly bu: Float32Array;
  readonly bi: Float32Array;
  readonly k: number;
  readonly kp: number;
  readonly mu: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * The sum, in rating order, of the squared errors of the clipped
 * predictions; null when the runtime has no WebAssembly SIMD or the factors
 * do not fit in a kernel memory, or one cannot be allocated (the caller then
 * runs its JS loop, which gives the same bits).
 */
export function _wasmSse(s: _SseInput): number | null {
  const mod = _compiled();
  if (mod === null) return null;
  const offP = 0;
  const offQ = offP + 4 * s.P.length;
  const offBu = offQ + 4 * s.Q.length;
  const offBi = offBu + 4 * s.bu.length;
  const offU = offBi + 4 * s.bi.length;
  const offI = offU + 4 * CHUNK;
  const offR = offI + 4 * CHUNK;
  const bytes = offR + 4 * CHUNK;
  if (bytes > MAX_BYTES) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
  } catch {
    return null; // no room for a memory now: the JS loop gives the same bits
  }
  const sse = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports.sse as _SseFn;
  const buf = memory.buffer;
  new Float32Array(buf, offP, s.P.length).set(s.P);
  new Float32Array(buf, offQ, s.Q.length).set(s.Q);
  new Float32Array(buf, offBu, s.bu.length).set(s.bu);
  new Float32Array(buf, offBi, s.bi.length).set(s.bi);
  const U = new Int32Array(buf, offU, CHUNK);
  const I = new Int32Array(buf, offI, CHUNK);
  const R = new Float32Array(buf, offR, CHUNK);
  const n = s.r.length;
  let se = 0;
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    U.set(s.u.subarray(from, to));
    I.set(s.i.subarray(from, to));
    R.set(s.r.subarray(from, to));
    se = sse(
      to - from,
      offU,
      offI,
      offR,
      offP,
      offQ,
      offBu,
      offBi,
      s.k,
      4 * s.kp,
      s.mu,
      s.lo,
      s.hi,
      se,
    );
  }
  return se;
}
