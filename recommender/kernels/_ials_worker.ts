/**
 * Worker of `_IalsPool` (`_ials_pool.ts`): holds the shared arrays of one fit and its
 * own kernel memory, and runs its share of each job it is told to (a
 * half-step's rows, a Gram matrix's rows), synchronised through `Atomics` on a shared control array (see
 * `_ials_pool.ts` for the layout).
 *
 * @module
 */
import { _IalsRows } from "./_ials_kernel.ts";
import type { _IalsPoolInit } from "./_ials_pool.ts";

const CTL_READY = 0, CTL_SEQ = 1, CTL_DONE = 2, CTL_JOB = 3, CTL_ERROR = 6;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<_IalsPoolInit>) => void) | null;
  close(): void;
};

scope.onmessage = (event) => {
  const { control: ctl, fit, slot, ranges } = event.data;
  const base = 8 * slot;
  let rows: _IalsRows | null = null;
  try {
    rows = new _IalsRows(fit, ranges);
  } catch {
    rows = null;
  }
  // a worker without the calling thread's kernel would compute other bits
  const ok = rows !== null && (rows.kernel === "wasm") === (fit.wasm && fit.solver === "cg");
  Atomics.store(ctl, base + CTL_READY, ok ? 1 : 2);
  Atomics.notify(ctl, base + CTL_READY);
  if (!ok) {
    scope.close();
    return;
  }
  let seq = 0;
  for (;;) {
    Atomics.wait(ctl, base + CTL_SEQ, seq);
    seq = Atomics.load(ctl, base + CTL_SEQ);
    const job = ctl[base + CTL_JOB]!;
    if (job < 0) break;
    try {
      if (job >= 2) rows!.gram(job === 2 ? 0 : 1);
      else rows!.solve(job === 0 ? 0 : 1);
      ctl[base + CTL_ERROR] = 0;
    } catch {
      ctl[base + CTL_ERROR] = 1;
    }
    Atomics.store(ctl, base + CTL_DONE, seq);
    Atomics.notify(ctl, base + CTL_DONE);
  }
  scope.close();
};
