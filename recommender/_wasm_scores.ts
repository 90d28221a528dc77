/**
 * A WebAssembly SIMD kernel that scores every item for one user vector:
 * `out[i] = bias[i] + u . q_i`, four floats per instruction with two
 * accumulators. The module is assembled here from opcodes with the shared
 * assembler (`_wasm_module.ts`) and compiled once per process; each loaded model gets its own memory holding
 * the item factors (row stride padded to a multiple of 8 floats), a
 * row-normalized copy for cosine similarity, the item biases, and the user
 * and output buffers, all allocated once at load: a request allocates nothing.
 *
 * @module
 */
import { _Asm, _I32, _lazyModule, _singleFunctionModule, _V128 } from "./_wasm_module.ts";

// params: u, q, bias, out, n, rowBytes ; locals: i, f, off (i32), acc0, acc1 (v128)
const U = 0, Q = 1, BIAS = 2, OUT = 3, N = 4, ROW = 5, I = 6, F = 7, OFF = 8, A0 = 9, A1 = 10;

function _body(): number[] {
  const a = new _Asm();
  a.i32c(0).set(I);
  a.block().get(N).i32eqz().brIf(0); // n == 0: nothing to do
  a.loop(); // items
  {
    a.f32c(0).f32x4splat().set(A0);
    a.f32c(0).f32x4splat().set(A1);
    a.i32c(0).set(F);
    a.loop(); // factors, 8 floats per step
    a.get(A0).get(U).get(F).i32add().v128load(0).get(Q).get(F).i32add().v128load(0)
      .f32x4mul().f32x4add().set(A0);
    a.get(A1).get(U).get(F).i32add().v128load(16).get(Q).get(F).i32add().v128load(16)
      .f32x4mul().f32x4add().set(A1);
    a.get(F).i32c(32).i32add().set(F);
    a.get(F).get(ROW).i32ltU().brIf(0);
    a.end();
    a.get(A0).get(A1).f32x4add().set(A0);
    // out[i] = bias[i] + ((a0 + a1) + (a2 + a3))
    a.get(I).i32c(2).i32shl().set(OFF);
    a.get(OUT).get(OFF).i32add();
    a.get(BIAS).get(OFF).i32add().f32load();
    a.get(A0).f32x4extract(0).get(A0).f32x4extract(1).f32add();
    a.get(A0).f32x4extract(2).get(A0).f32x4extract(3).f32add();
    a.f32add().f32add().f32store();
    a.get(Q).get(ROW).i32add().set(Q);
    a.get(I).i32c(1).i32add().set(I);
    a.get(I).get(N).i32ltU().brIf(0);
  }
  a.end(); // loop items
  a.end(); // block
  a.end(); // function
  return a.bytes;
}

/** The module's bytes (exported for tests that validate them). */
export function _scoresModuleBytes(): Uint8Array<ArrayBuffer> {
  return _singleFunctionModule({
    memory: "mem",
    name: "scores",
    params: [_I32, _I32, _I32, _I32, _I32, _I32],
    results: [],
    locals: [[3, _I32], [2, _V128]],
    code: _body(),
  });
}

const _compiled = _lazyModule(_scoresModuleBytes);

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
