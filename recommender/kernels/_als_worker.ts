/**
 * Worker of {@linkcode _AlsPool}: holds the shared arrays of one fit and
 * solves the row ranges it is told to, synchronised through `Atomics` on a
 * shared control array (see `_als_pool.ts` for the layout).
 *
 * @module
 */
import { _alsWorkspace, _solveRows } from "./_als_kernel.ts";
import type { _AlsPoolInit } from "./_als_pool.ts";

const CTL_READY = 0, CTL_SEQ = 1, CTL_DONE = 2;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<_AlsPoolInit & { slot: number }>) => void) | null;
  close(): void;
};

scope.onmessage = (event) => {
  const init = event.data;
  const ctl = init.control;
  const base = 8 * init.slot;
  const work = _alsWorkspace(init.k);
  const constants = {
    k: init.k,
    mu: init.mu,
    regularization: init.regularization,
    biasRegularization: init.biasRegularization,
  };
  Atomics.store(ctl, base + CTL_READY, 1);
  Atomics.notify(ctl, base + CTL_READY);
  let seq = 0;
  for (;;) {
    Atomics.wait(ctl, base + CTL_SEQ, seq);
    seq = Atomics.load(ctl, base + CTL_SEQ);
    const side = ctl[base + 3]!, from = ctl[base + 4]!, to = ctl[base + 5]!;
    if (side < 0) break;
    try {
      const users = side === 0;
      _solveRows(users ? init.byUser : init.byItem, {
        ...constants,
        X: users ? init.P : init.Q,
        bx: users ? init.bu : init.bi,
        Y: users ? init.Q : init.P,
        by: users ? init.bi : init.bu,
        work,
        from,
        to,
      });
      ctl[base + 6] = 0;
    } catch {
      ctl[base + 6] = 1;
    }
    Atomics.store(ctl, base + CTL_DONE, seq);
    Atomics.notify(ctl, base + CTL_DONE);
  }
  scope.close();
};
