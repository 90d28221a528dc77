/**
 * A WebAssembly SIMD kernel that scores every item for one user vector:
 * `out[i] = bias[i] + u . q_i`, four floats per instruction with two
 * accumulators. The kernel's source is `wasm/scores.wat` (compiled to
 * `wasm/_kernels.ts` by `deno task wasm`); `WebAssembly.Module` compiles it
 * once per process, and each loaded model gets its own memory holding
 * the item factors (row stride padded to a multiple of 8 floats), a
 * row-normalized copy for cosine similarity, the item biases, and the user
 * and output buffers, all allocated once at load: a request allocates nothing.
 *
 * @module
 */
import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";

/** The module's bytes (exported for tests that validate them). */
export function _scoresModuleBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("scores");
}

const _compiled = _lazyModule("scores");

type _ScoresFn = (
  u: number,
  q: number,
  bias: number,
  out: number,
  n: number,
  rowBytes: number,
) => void;

/** Item scoring for one model, in WebAssembly memory. */
export class _WasmScores {
  readonly #fn: _ScoresFn;
  readonly #n: number;
  readonly #k: number;
  readonly #kp: number;
  readonly #q: number;
  readonly #qn: number;
  readonly #bias: number;
  readonly #zeros: number;
  readonly #u: number;
  readonly #uView: Float32Array;
  readonly #all: Float32Array;
  readonly #outPtr: number;
  readonly #out: Float32Array;

  private constructor(fn: _ScoresFn, memory: WebAssembly.Memory, layout: {
    n: number;
    k: number;
    kp: number;
    q: number;
    qn: number;
    bias: number;
    zeros: number;
    u: number;
    out: number;
  }) {
    this.#fn = fn;
    this.#n = layout.n;
    this.#k = layout.k;
    this.#kp = layout.kp;
    this.#q = layout.q;
    this.#qn = layout.qn;
    this.#bias = layout.bias;
    this.#zeros = layout.zeros;
    this.#u = layout.u;
    this.#uView = new Float32Array(memory.buffer, layout.u, layout.kp);
    this.#all = new Float32Array(memory.buffer); // the memory never grows: views stay valid
    this.#outPtr = layout.out;
    this.#out = new Float32Array(memory.buffer, layout.out, layout.n);
  }

  /**
   * Copies the item factors (and their row-normalized copy) into a new
   * WebAssembly memory; null when the runtime lacks WebAssembly SIMD.
   */
  static create(
    itemFactors: Float32Array,
    k: number,
    itemBias: Float32Array | undefined,
    itemNorms: Float32Array,
  ): _WasmScores | null {
    const mod = _compiled();
    if (mod === null || k === 0) return null;
    const n = itemNorms.length;
    const kp = (k + 7) & ~7;
    const align = (x: number) => (x + 15) & ~15;
    const q = 0;
    const qn = align(q + n * kp * 4);
    const bias = align(qn + n * kp * 4);
    const zeros = align(bias + n * 4);
    const u = align(zeros + n * 4);
    const out = align(u + kp * 4);
    const bytes = align(out + n * 4);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    const f32 = new Float32Array(memory.buffer);
    for (let i = 0; i < n; i++) {
      const inv = itemNorms[i]! > 0 ? 1 / itemNorms[i]! : 0;
      const src = i * k, dq = (q >> 2) + i * kp, dn = (qn >> 2) + i * kp;
      for (let f = 0; f < k; f++) {
        const v = itemFactors[src + f]!;
        f32[dq + f] = v;
        f32[dn + f] = v * inv;
      }
    }
    if (itemBias) f32.set(itemBias, bias >> 2);
    const instance = new WebAssembly.Instance(mod, { env: { mem: memory } });
    const fn = instance.exports.scores as _ScoresFn;
    return new _WasmScores(fn, memory, { n, k, kp, q, qn, bias, zeros, u, out });
  }

  /**
   * `bias[i] + p . q_i` for every item, where `p` is `k` floats of `vector`
   * from `offset`. The returned array is reused by the next call.
   */
  scores(vector: Float32Array, offset: number): Float32Array {
    const u = this.#uView;
    for (let f = 0, k = this.#k; f < k; f++) u[f] = vector[offset + f]!;
    this.#fn(this.#u, this.#q, this.#bias, this.#outPtr, this.#n, this.#kp * 4);
    return this.#out;
  }

  /** Cosine of item `i` with every item (normalized rows, no bias). Reused like {@linkcode scores}. */
  cosines(i: number): Float32Array {
    const row = (this.#qn >> 2) + i * this.#kp;
    this.#all.copyWithin(this.#u >> 2, row, row + this.#kp);
    this.#fn(this.#u, this.#qn, this.#zeros, this.#outPtr, this.#n, this.#kp * 4);
    return this.#out;
  }
}
