/**
 * A WebAssembly SIMD kernel that scores every item for one user vector:
 * `out[i] = bias[i] + u . q_i`, four floats per instruction with two
 * accumulators. The module is assembled here from opcodes (no toolchain) and
 * compiled once per process; each loaded model gets its own memory holding
 * the item factors (row stride padded to a multiple of 8 floats), a
 * row-normalized copy for cosine similarity, the item biases, and the user
 * and output buffers, all allocated once at load: a request allocates nothing.
 *
 * @module
 */

function _uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function _section(id: number, body: number[]): number[] {
  return [id, ..._uleb(body.length), ...body];
}

function _str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [..._uleb(b.length), ...b];
}

// params: u, q, bias, out, n, rowBytes ; locals: i, f, off (i32), acc0, acc1 (v128)
const U = 0, Q = 1, BIAS = 2, OUT = 3, N = 4, ROW = 5, I = 6, F = 7, OFF = 8, A0 = 9, A1 = 10;

function _body(): number[] {
  const get = (l: number) => [0x20, l];
  const set = (l: number) => [0x21, l];
  const i32c = (v: number) => [0x41, ..._uleb(v)]; // small non-negative constants only
  const simd = (op: number, ...rest: number[]) => [0xfd, ..._uleb(op), ...rest];
  const v128load = (offset: number) => simd(0x00, 4, ..._uleb(offset));
  const f32x4add = simd(0xe4), f32x4mul = simd(0xe6);
  const extract = (lane: number) => simd(0x1f, lane);
  const zero = [...[0x43, 0, 0, 0, 0], ...simd(0x13)]; // f32.const 0; f32x4.splat
  const code: number[] = [
    ...i32c(0),
    ...set(I),
    0x02,
    0x40, // block
    ...get(N),
    0x45,
    0x0d,
    0, // if n == 0 break
    0x03,
    0x40, // loop items
    ...zero,
    ...set(A0),
    ...zero,
    ...set(A1),
    ...i32c(0),
    ...set(F),
    0x03,
    0x40, // loop factors, 8 floats per step
    ...get(A0),
    ...get(U),
    ...get(F),
    0x6a,
    ...v128load(0),
    ...get(Q),
    ...get(F),
    0x6a,
    ...v128load(0),
    ...f32x4mul,
    ...f32x4add,
    ...set(A0),
    ...get(A1),
    ...get(U),
    ...get(F),
    0x6a,
    ...v128load(16),
    ...get(Q),
    ...get(F),
    0x6a,
    ...v128load(16),
    ...f32x4mul,
    ...f32x4add,
    ...set(A1),
    ...get(F),
    ...i32c(32),
    0x6a,
    ...set(F),
    ...get(F),
    ...get(ROW),
    0x49,
    0x0d,
    0, // br_if f <u row
    0x0b, // end loop factors
    ...get(A0),
    ...get(A1),
    ...f32x4add,
    ...set(A0),
    // out[i] = bias[i] + (a0 + a1) + (a2 + a3)
    ...get(I),
    ...i32c(2),
    0x74,
    ...set(OFF),
    ...get(OUT),
    ...get(OFF),
    0x6a,
    ...get(BIAS),
    ...get(OFF),
    0x6a,
    0x2a,
    2,
    0, // f32.load
    ...get(A0),
    ...extract(0),
    ...get(A0),
    ...extract(1),
    0x92,
    ...get(A0),
    ...extract(2),
    ...get(A0),
    ...extract(3),
    0x92,
    0x92,
    0x92,
    0x38,
    2,
    0, // f32.store
    ...get(Q),
    ...get(ROW),
    0x6a,
    ...set(Q),
    ...get(I),
    ...i32c(1),
    0x6a,
    ...set(I),
    ...get(I),
    ...get(N),
    0x49,
    0x0d,
    0, // br_if i <u n
    0x0b, // end loop items
    0x0b, // end block
    0x0b, // end function
  ];
  const locals = [2, 3, 0x7f, 2, 0x7b];
  const body = [...locals, ...code];
  return [..._uleb(body.length), ...body];
}

function _moduleBytes(): Uint8Array {
  const i32 = 0x7f;
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ..._section(1, [1, 0x60, 6, i32, i32, i32, i32, i32, i32, 0]),
    ..._section(2, [1, ..._str("env"), ..._str("mem"), 0x02, 0x00, 1]),
    ..._section(3, [1, 0]),
    ..._section(7, [1, ..._str("scores"), 0x00, 0]),
    ..._section(10, [1, ..._body()]),
  ]);
}

let _module: WebAssembly.Module | null | undefined;

function _compiled(): WebAssembly.Module | null {
  if (_module === undefined) {
    try {
      _module = new WebAssembly.Module(_moduleBytes() as Uint8Array<ArrayBuffer>);
    } catch {
      _module = null; // no WebAssembly SIMD: callers use the JS loop
    }
  }
  return _module;
}

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
    this.#uView.set(vector.subarray(offset, offset + this.#k));
    this.#fn(this.#u, this.#q, this.#bias, this.#outPtr, this.#n, this.#kp * 4);
    return this.#out;
  }

  /** Cosine of item `i` with every item (normalized rows, no bias). Reused like {@linkcode scores}. */
  cosines(i: number): Float32Array {
    const row = (this.#qn >> 2) + i * this.#kp;
    const all = new Float32Array(this.#uView.buffer);
    this.#uView.set(all.subarray(row, row + this.#kp));
    this.#fn(this.#u, this.#qn, this.#zeros, this.#outPtr, this.#n, this.#kp * 4);
    return this.#out;
  }
}
