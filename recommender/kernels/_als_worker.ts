/**
 * Worker of {@linkcode _AlsPool}: holds the shared arrays of one fit and
 * solves the row ranges it is told to, synchronised through `Atomics` on a
 * shared control array (see `_als_pool.ts` for the layout).
 *
 * @module
 */
import { _alsSolver } from "./_als_solver.ts";
import type { _AlsWorkerInit } from "./_als_pool.ts";

const CTL_READY = 0, CTL_SEQ = 1, CTL_DONE = 2;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<_AlsWorkerInit>) => void) | null;
  close(): void;
};

scope.onmessage = (event) => {
  const init = event.data;
  const ctl = init.control;
  const base = 8 * init.slot;
  const solver = _alsSolver(init, { ranges: init.ranges, kernel: init.kernel });
  Atomics.store(ctl, base + CTL_READY, 1);
  Atomics.notify(ctl, base + CTL_READY);
  let seq = 0;
  for (;;) {
    Atomics.wait(ctl, base + CTL_SEQ, seq);
    seq = Atomics.load(ctl, base + CTL_SEQ);
    const side = ctl[base + 3]!;
    if (side < 0) break;
    try {
      solver.solve(side === 0 ? 0 : 1);
      ctl[base + 4] = 0;
    } catch {
      ctl[base + 4] = 1;
    }
    Atomics.store(ctl, base + CTL_DONE, seq);
    Atomics.notify(ctl, base + CTL_DONE);
  }
  scope.close();
};
