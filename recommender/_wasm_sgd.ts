/**
 * A WebAssembly SIMD kernel for one biased-MF SGD epoch, assembled here from
 * opcodes with the shared assembler (`_wasm_module.ts`); `WebAssembly.Module`
 * compiles it once per process.
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

import {
  _Asm,
  _F32 as F32,
  _F64 as F64,
  _I32 as I32,
  _lazyModule,
  _singleFunctionModule,
  _V128 as V128,
} from "./_wasm_module.ts";

// parameter indices
const N = 0, UP = 1, IP = 2, RP = 3, PP = 4, QP = 5, BUP = 6, BIP = 7, KP = 8;
const MU = 9, LR = 10, REG = 11, REGB = 12;
// locals (after the 13 params): i32 x8, f32 x4, f64 x1, v128 x6
const E = 13, PU = 14, QI = 15, F = 16, END = 17, BUA = 18, BIA = 19, OFF = 20;
const ERR = 21, BU = 22, BI = 23, DOT = 24;
const SSE = 25;
const ACC = 26, ACC2 = 27, C = 28, G = 29, PV = 30, QV = 31;

function _epochBody(): number[] {
  const a = new _Asm();
  // end = kp * 4 (bytes per row)
  a.get(KP).i32c(2).i32shl().set(END);
  a.block().get(N).i32eqz().brIf(0);
  a.loop();
  {
    // off = e * 4 ; u = U[e] ; i = I[e]
    a.get(E).i32c(2).i32shl().set(OFF);
    a.get(OFF).get(UP).i32add().i32load().tee(PU); // u
    a.i32c(2).i32shl().get(BUP).i32add().set(BUA);
    a.get(PU).get(END).i32mul().get(PP).i32add().set(PU);
    a.get(OFF).get(IP).i32add().i32load().tee(QI); // i
    a.i32c(2).i32shl().get(BIP).i32add().set(BIA);
    a.get(QI).get(END).i32mul().get(QP).i32add().set(QI);
    // dot product, two accumulators of 4 lanes, 8 floats per step when possible
    a.f32c(0).f32x4splat().tee(ACC).set(ACC2);
    a.i32c(0).set(F);
    a.loop();
    a.get(ACC).get(PU).get(F).i32add().v128load().get(QI).get(F).i32add().v128load()
      .f32x4mul().f32x4add().set(ACC);
    a.get(F).i32c(16).i32add().set(F);
    a.get(F).get(END).i32ltS().brIf(0);
    a.end();
    a.get(ACC).get(ACC2).f32x4add().set(ACC);
    a.get(ACC).f32x4extract(0).get(ACC).f32x4extract(1).f32add()
      .get(ACC).f32x4extract(2).get(ACC).f32x4extract(3).f32add().f32add().set(DOT);
    // err = r - (mu + bu + bi + dot)
    a.get(BUA).f32load().set(BU);
    a.get(BIA).f32load().set(BI);
    a.get(OFF).get(RP).i32add().f32load()
      .get(MU).get(BU).f32add().get(BI).f32add().get(DOT).f32add().f32sub().set(ERR);
    a.get(SSE).get(ERR).get(ERR).f32mul().f64promote().f64add().set(SSE);
    // biases
    a.get(BUA).get(BU).get(LR).get(ERR).get(REGB).get(BU).f32mul().f32sub().f32mul().f32add()
      .f32store();
    a.get(BIA).get(BI).get(LR).get(ERR).get(REGB).get(BI).f32mul().f32sub().f32mul().f32add()
      .f32store();
    // c = 1 - lr*reg ; g = lr*err
    a.f32c(1).get(LR).get(REG).f32mul().f32sub().f32x4splat().set(C);
    a.get(LR).get(ERR).f32mul().f32x4splat().set(G);
    a.i32c(0).set(F);
    a.loop();
    a.get(PU).get(F).i32add().v128load().set(PV);
    a.get(QI).get(F).i32add().v128load().set(QV);
    a.get(PU).get(F).i32add().get(PV).get(C).f32x4mul().get(QV).get(G).f32x4mul().f32x4add()
      .v128store();
    a.get(QI).get(F).i32add().get(QV).get(C).f32x4mul().get(PV).get(G).f32x4mul().f32x4add()
      .v128store();
    a.get(F).i32c(16).i32add().set(F);
    a.get(F).get(END).i32ltS().brIf(0);
    a.end();
    // next rating
    a.get(E).i32c(1).i32add().tee(E).get(N).i32ltS().brIf(0);
  }
  a.end(); // loop
  a.end(); // block
  a.get(SSE);
  a.end(); // function
  return a.bytes;
}

/** The module's bytes (exported for tests that validate them). */
export function _sgdModuleBytes(): Uint8Array<ArrayBuffer> {
  return _singleFunctionModule({
    memory: "memory",
    name: "epoch",
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32],
    results: [F64],
    locals: [[8, I32], [4, F32], [1, F64], [6, V128]],
    code: _epochBody(),
  });
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

const _module = _lazyModule(_sgdModuleBytes);

/** Instantiates the kernel over a fresh memory of at least `bytes` bytes; null without SIMD. */
export function _instantiateWasmSgd(bytes: number): _WasmSgd | null {
  const module = _module();
  if (module === null) return null;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const epoch = instance.exports.epoch as _WasmSgd["epoch"];
  return { memory, epoch };
}
