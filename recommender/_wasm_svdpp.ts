/**
 * A WebAssembly SIMD kernel for one SVD++ epoch (with Koren's time-aware
 * bias terms, zero for plain SVD++), assembled with the shared assembler
 * (`_wasm_module.ts`) and compiled once per process.
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
import {
  _Asm,
  _F32 as F32,
  _F64 as F64,
  _I32 as I32,
  _lazyModule,
  _singleFunctionModule,
  _V128 as V128,
} from "./_wasm_module.ts";

// parameters
const NORD = 0, ORD = 1, INDPTR = 2, ITEM = 3, RATE = 4, TB = 5, TD = 6, DEV = 7;
const PP = 8, QP = 9, YP = 10, BUP = 11, BIP = 12, BTP = 13, BUDP = 14, ALP = 15, NRMP = 16;
const ZP = 17, ACCP = 18, KP = 19, SC = 20;
// locals: i32 x13
const X = 21, U = 22, J = 23, JEND = 24, PU = 25, QI = 26, F = 27, END = 28, YJ = 29, OFF = 30;
const BUA = 31, BIA = 32, TA = 33;
// f32 x17
const MU = 34, LR = 35, REG = 36, REGB = 37, REGY = 38, LRT = 39, REGT = 40, LRA = 41, REGA = 42;
const NRM = 43, ERR = 44, DOT = 45, BUV = 46, BIV = 47, BTV = 48, BDV = 49, DEVV = 50;
// more i32 (addresses) after the f32 block
const BTA = 51, BDA = 52, AA = 53;
// f32
const AV = 54;
// f64
const SSE = 55;
// v128 x8
const ACC4 = 56, PV = 57, QV = 58, ZV = 59, C4 = 60, G4 = 61, E4 = 62, N4 = 63;

/** Emits `for (F = 0; F < END; F += 16) { body }` (END > 0). */
function _vecLoop(a: _Asm, body: () => void): void {
  a.i32c(0).set(F);
  a.loop();
  body();
  a.get(F).i32c(16).i32add().tee(F).get(END).i32ltS().brIf(0);
  a.end();
}

/** Emits `YJ = Y + ITEM[T] * END` for the row index in local `T`. */
function _rowAddr(a: _Asm, t: number, base: number, out: number): void {
  a.get(t).i32c(2).i32shl().get(ITEM).i32add().i32load().get(END).i32mul().get(base).i32add()
    .set(out);
}

function _epochBody(): number[] {
  const a = new _Asm();
  const scalars = [MU, LR, REG, REGB, REGY, LRT, REGT, LRA, REGA];
  scalars.forEach((local, j) => a.get(SC).f32load(j * 4).set(local));
  a.get(KP).i32c(2).i32shl().set(END);
  a.block().get(NORD).i32eqz().brIf(0);
  a.loop(); // users
  {
    a.get(X).i32c(2).i32shl().get(ORD).i32add().i32load().set(U);
    a.get(U).i32c(2).i32shl().get(INDPTR).i32add().i32load().set(J);
    a.get(U).i32c(2).i32shl().get(INDPTR).i32add().i32load(4).set(JEND);
    a.get(U).get(END).i32mul().get(PP).i32add().set(PU);
    a.get(U).i32c(2).i32shl().get(NRMP).i32add().f32load().set(NRM);
    a.get(U).i32c(2).i32shl().get(BUP).i32add().set(BUA);
    a.get(U).i32c(2).i32shl().get(ALP).i32add().set(AA);
    a.block().get(J).get(JEND).i32ltS().i32eqz().brIf(0); // a user without ratings: skip
    // z = 0, acc = 0
    a.f32c(0).f32x4splat().set(ACC4);
    _vecLoop(a, () => {
      a.get(ZP).get(F).i32add().get(ACC4).v128store();
      a.get(ACCP).get(F).i32add().get(ACC4).v128store();
    });
    // z += y_j
    a.get(J).set(OFF);
    a.loop();
    _rowAddr(a, OFF, YP, YJ);
    _vecLoop(a, () => {
      a.get(ZP).get(F).i32add().get(ZP).get(F).i32add().v128load().get(YJ).get(F).i32add()
        .v128load().f32x4add().v128store();
    });
    a.get(OFF).i32c(1).i32add().tee(OFF).get(JEND).i32ltS().brIf(0);
    a.end();
    // z *= norm
    a.get(NRM).f32x4splat().set(N4);
    _vecLoop(a, () => {
      a.get(ZP).get(F).i32add().get(ZP).get(F).i32add().v128load().get(N4).f32x4mul().v128store();
    });
    // c = 1 - lr reg (per user: constant)
    a.f32c(1).get(LR).get(REG).f32mul().f32sub().f32x4splat().set(C4);
    // the user's ratings
    a.get(J).set(TA);
    a.loop();
    {
      a.get(TA).i32c(2).i32shl().set(OFF);
      a.get(OFF).get(ITEM).i32add().i32load().tee(QI);
      a.i32c(2).i32shl().get(BIP).i32add().set(BIA);
      a.get(QI).get(END).i32mul().get(QP).i32add().set(QI);
      // dot = q_i . (p_u + z)
      a.f32c(0).f32x4splat().set(ACC4);
      _vecLoop(a, () => {
        a.get(ACC4).get(PU).get(F).i32add().v128load().get(ZP).get(F).i32add().v128load()
          .f32x4add().get(QI).get(F).i32add().v128load().f32x4mul().f32x4add().set(ACC4);
      });
      a.get(ACC4).f32x4extract(0).get(ACC4).f32x4extract(1).f32add()
        .get(ACC4).f32x4extract(2).get(ACC4).f32x4extract(3).f32add().f32add().set(DOT);
      a.get(BUA).f32load().set(BUV);
      a.get(BIA).f32load().set(BIV);
      a.get(OFF).get(TB).i32add().i32load().i32c(2).i32shl().get(BTP).i32add().tee(BTA).f32load()
        .set(BTV);
      a.get(OFF).get(TD).i32add().i32load().i32c(2).i32shl().get(BUDP).i32add().tee(BDA)
        .f32load().set(BDV);
      a.get(AA).f32load().set(AV);
      a.get(OFF).get(DEV).i32add().f32load().set(DEVV);
      // err = r - (mu + bu + bi + bt + bud + alpha dev + dot)
      a.get(OFF).get(RATE).i32add().f32load()
        .get(MU).get(BUV).f32add().get(BIV).f32add().get(BTV).f32add().get(BDV).f32add()
        .get(AV).get(DEVV).f32mul().f32add().get(DOT).f32add().f32sub().set(ERR);
      a.get(SSE).get(ERR).get(ERR).f32mul().f64promote().f64add().set(SSE);
      // biases
      a.get(BUA).get(BUV).get(LR).get(ERR).get(REGB).get(BUV).f32mul().f32sub().f32mul()
        .f32add().f32store();
      a.get(BIA).get(BIV).get(LR).get(ERR).get(REGB).get(BIV).f32mul().f32sub().f32mul()
        .f32add().f32store();
      a.get(BTA).get(BTV).get(LRT).get(ERR).get(REGT).get(BTV).f32mul().f32sub().f32mul()
        .f32add().f32store();
      a.get(BDA).get(BDV).get(LRT).get(ERR).get(REGT).get(BDV).f32mul().f32sub().f32mul()
        .f32add().f32store();
      a.get(AA).get(AV).get(LRA).get(ERR).get(DEVV).f32mul().get(REGA).get(AV).f32mul()
        .f32sub().f32mul().f32add().f32store();
      // factors
      a.get(ERR).f32x4splat().set(E4);
      a.get(LR).get(ERR).f32mul().f32x4splat().set(G4);
      _vecLoop(a, () => {
        a.get(PU).get(F).i32add().v128load().set(PV);
        a.get(QI).get(F).i32add().v128load().set(QV);
        a.get(ZP).get(F).i32add().v128load().set(ZV);
        a.get(ACCP).get(F).i32add().get(ACCP).get(F).i32add().v128load().get(E4).get(QV)
          .f32x4mul().f32x4add().v128store();
        a.get(PU).get(F).i32add().get(PV).get(C4).f32x4mul().get(QV).get(G4).f32x4mul()
          .f32x4add().v128store();
        a.get(QI).get(F).i32add().get(QV).get(C4).f32x4mul().get(PV).get(ZV).f32x4add()
          .get(G4).f32x4mul().f32x4add().v128store();
      });
    }
    a.get(TA).i32c(1).i32add().tee(TA).get(JEND).i32ltS().brIf(0);
    a.end();
    // y_j = (1 - lr regY) y_j + lr norm acc
    a.f32c(1).get(LR).get(REGY).f32mul().f32sub().f32x4splat().set(C4);
    a.get(LR).get(NRM).f32mul().f32x4splat().set(N4);
    a.get(J).set(OFF);
    a.loop();
    _rowAddr(a, OFF, YP, YJ);
    _vecLoop(a, () => {
      a.get(YJ).get(F).i32add().get(YJ).get(F).i32add().v128load().get(C4).f32x4mul()
        .get(ACCP).get(F).i32add().v128load().get(N4).f32x4mul().f32x4add().v128store();
    });
    a.get(OFF).i32c(1).i32add().tee(OFF).get(JEND).i32ltS().brIf(0);
    a.end();
    a.end(); // block: user without ratings
    a.get(X).i32c(1).i32add().tee(X).get(NORD).i32ltS().brIf(0);
  }
  a.end(); // loop
  a.end(); // block
  a.get(SSE);
  a.end(); // function
  return a.bytes;
}

/** The module's bytes (exported for tests that validate them). */
export function _svdppModuleBytes(): Uint8Array<ArrayBuffer> {
  return _singleFunctionModule({
    memory: "memory",
    name: "epoch",
    params: Array.from({ length: 21 }, () => I32),
    results: [F64],
    locals: [[13, I32], [17, F32], [3, I32], [1, F32], [1, F64], [8, V128]],
    code: _epochBody(),
  });
}

/** The kernel bound to one memory; arguments are byte offsets (see the module doc). */
export interface _WasmSvdpp {
  readonly memory: WebAssembly.Memory;
  epoch(...args: number[]): number;
}

const _module = _lazyModule(_svdppModuleBytes);

/** Instantiates the kernel over a fresh memory of at least `bytes` bytes; null without SIMD. */
export function _instantiateWasmSvdpp(bytes: number): _WasmSvdpp | null {
  const module = _module();
  if (module === null) return null;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const epoch = instance.exports.epoch as (...args: number[]) => number;
  return { memory, epoch };
}
