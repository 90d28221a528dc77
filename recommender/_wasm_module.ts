/**
 * The tiny WebAssembly assembler the SIMD kernels are written with (no
 * toolchain): LEB128 and section encoders, an instruction emitter
 * ({@linkcode _Asm}), and {@linkcode _singleFunctionModule}, which wraps one
 * function body into a module that imports its memory from `env`.
 *
 * @module
 */

/** Value type codes. */
export const _I32 = 0x7f, _F32 = 0x7d, _F64 = 0x7c, _V128 = 0x7b;

/** Unsigned LEB128. */
export function _uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function _sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function _vec(items: number[][]): number[] {
  return [..._uleb(items.length), ...items.flat()];
}

function _section(id: number, body: number[]): number[] {
  return [id, ..._uleb(body.length), ...body];
}

function _name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [..._uleb(b.length), ...b];
}

/** A minimal instruction emitter: each method appends one instruction and returns `this`. */
export class _Asm {
  /** The instructions emitted so far. */
  readonly bytes: number[] = [];
  #op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  get(i: number) {
    return this.#op(0x20, ..._uleb(i));
  }
  set(i: number) {
    return this.#op(0x21, ..._uleb(i));
  }
  tee(i: number) {
    return this.#op(0x22, ..._uleb(i));
  }
  i32c(v: number) {
    return this.#op(0x41, ..._sleb(v));
  }
  f32c(v: number) {
    const b = new Uint8Array(Float32Array.of(v).buffer);
    return this.#op(0x43, ...b);
  }
  f64c(v: number) {
    const b = new Uint8Array(Float64Array.of(v).buffer);
    return this.#op(0x44, ...b);
  }
  i32load(offset = 0) {
    return this.#op(0x28, 2, ..._uleb(offset));
  }
  f32load(offset = 0) {
    return this.#op(0x2a, 2, ..._uleb(offset));
  }
  f32store(offset = 0) {
    return this.#op(0x38, 2, ..._uleb(offset));
  }
  i32add() {
    return this.#op(0x6a);
  }
  i32mul() {
    return this.#op(0x6c);
  }
  i32shl() {
    return this.#op(0x74);
  }
  i32ltS() {
    return this.#op(0x48);
  }
  i32ltU() {
    return this.#op(0x49);
  }
  i32eqz() {
    return this.#op(0x45);
  }
  f32add() {
    return this.#op(0x92);
  }
  f32sub() {
    return this.#op(0x93);
  }
  f32mul() {
    return this.#op(0x94);
  }
  f64add() {
    return this.#op(0xa0);
  }
  f64promote() {
    return this.#op(0xbb);
  }
  block() {
    return this.#op(0x02, 0x40);
  }
  loop() {
    return this.#op(0x03, 0x40);
  }
  brIf(depth: number) {
    return this.#op(0x0d, ..._uleb(depth));
  }
  end() {
    return this.#op(0x0b);
  }
  #simd(op: number, ...rest: number[]) {
    return this.#op(0xfd, ..._uleb(op), ...rest);
  }
  v128load(offset = 0) {
    return this.#simd(0x00, 4, ..._uleb(offset));
  }
  v128store(offset = 0) {
    return this.#simd(0x0b, 4, ..._uleb(offset));
  }
  f32x4splat() {
    return this.#simd(0x13);
  }
  f32x4extract(lane: number) {
    return this.#simd(0x1f, lane);
  }
  f32x4add() {
    return this.#simd(0xe4);
  }
  f32x4mul() {
    return this.#simd(0xe6);
  }
}

/** What {@linkcode _singleFunctionModule} assembles. */
export interface _FunctionSpec {
  /** Name of the memory imported from `env`. */
  readonly memory: string;
  /** Name the function is exported under. */
  readonly name: string;
  /** Parameter value types. */
  readonly params: readonly number[];
  /** Result value types (empty or one). */
  readonly results: readonly number[];
  /** Local declarations after the parameters: `[count, type]` runs. */
  readonly locals: ReadonlyArray<readonly [number, number]>;
  /** The function's instructions, including its final `end`. */
  readonly code: readonly number[];
}

/** The bytes of a module with one exported function over an imported memory. */
export function _singleFunctionModule(spec: _FunctionSpec): Uint8Array<ArrayBuffer> {
  const type = [
    0x60,
    ..._uleb(spec.params.length),
    ...spec.params,
    ..._uleb(spec.results.length),
    ...spec.results,
  ];
  const locals = _vec(spec.locals.map(([n, t]) => [..._uleb(n), t]));
  const body = [...locals, ...spec.code];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d, // "\0asm"
    0x01,
    0x00,
    0x00,
    0x00, // version 1
    ..._section(1, _vec([type])),
    ..._section(2, _vec([[..._name("env"), ..._name(spec.memory), 0x02, 0x00, ..._uleb(1)]])),
    ..._section(3, _vec([[0]])),
    ..._section(7, _vec([[..._name(spec.name), 0x00, 0]])),
    ..._section(10, _vec([[..._uleb(body.length), ...body]])),
  ]);
}

/**
 * Compiles `bytes()` on first call and caches the module; null (cached too)
 * when the runtime cannot compile it (no WebAssembly SIMD): callers then use
 * their JS loop.
 */
export function _lazyModule(bytes: () => Uint8Array<ArrayBuffer>): () => WebAssembly.Module | null {
  let module: WebAssembly.Module | null | undefined;
  return () => {
    if (module === undefined) {
      try {
        module = new WebAssembly.Module(bytes());
      } catch {
        module = null;
      }
    }
    return module;
  };
}
