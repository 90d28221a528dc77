/**
 * Worker of {@linkcode _SgdPool}: binds its own instance of the SGD kernel
 * to the fit's shared memory and runs its cells of each stratum it is told
 * to, synchronised through `Atomics` on a shared control array (see
 * `_sgd_pool.ts` for the layout).
 *
 * @module
 */
import { _bindWasmSgd } from "./_wasm_sgd.ts";
import { _ratingViews, _runCells, type _SgdPoolInit } from "./_sgd_pool.ts";

const CTL_READY = 0, CTL_SEQ = 1, CTL_DONE = 2, CTL_STRATUM = 3, CTL_ERROR = 4, CTL_EPOCH = 5;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<_SgdPoolInit & { slot: number }>) => void) | null;
  close(): void;
};

scope.onmessage = (event) => {
  const init = event.data;
  const ctl = init.control;
  const base = 8 * init.slot;
  const kernel = _bindWasmSgd(init.module, init.memory);
  const views = _ratingViews(init.memory, init.layout);
  Atomics.store(ctl, base + CTL_READY, 1);
  Atomics.notify(ctl, base + CTL_READY);
  let seq = 0;
  for (;;) {
    Atomics.wait(ctl, base + CTL_SEQ, seq);
    seq = Atomics.load(ctl, base + CTL_SEQ);
    const t = ctl[base + CTL_STRATUM]!;
    if (t < 0) break;
    try {
      _runCells(kernel, init, { t, epoch: ctl[base + CTL_EPOCH]!, lr: init.lr[0]!, views });
      ctl[base + CTL_ERROR] = 0;
    } catch {
      ctl[base + CTL_ERROR] = 1;
    }
    Atomics.store(ctl, base + CTL_DONE, seq);
    Atomics.notify(ctl, base + CTL_DONE);
  }
  scope.close();
};
