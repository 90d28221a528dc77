/**
 * Worker of the evaluation's ranking pass (`_evaluation_pool.ts`): loads the
 * model from its artifact and ranks the chunks of users it claims, writing
 * into the shared output arrays.
 *
 * @module
 */
import { loadModel } from "../models/model_registry.ts";
import { _UserRanker } from "./_evaluation_ranker.ts";
import {
  _CHUNK,
  _DONE,
  type _EvaluationJob,
  _LOAD_FAILED,
  _RANKING,
  _STARTING,
} from "./_evaluation_pool.ts";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<_EvaluationJob>) => void) | null;
  close(): void;
};

scope.onmessage = (event) => {
  const job = event.data;
  const ctl = job.control;
  const at = 1 + 2 * job.slot;
  let ranker: _UserRanker;
  try {
    ranker = new _UserRanker(loadModel(job.artifact), job.k, job.floors);
  } catch {
    if (Atomics.compareExchange(ctl, at, _STARTING, _LOAD_FAILED) === _STARTING) {
      Atomics.notify(ctl, at);
    }
    scope.close();
    return;
  }
  // the calling thread may have finished every user already
  if (Atomics.compareExchange(ctl, at, _STARTING, _RANKING) !== _STARTING) {
    scope.close();
    return;
  }
  const n = job.users.userIds.length;
  let from = -1;
  try {
    for (;;) {
      from = Atomics.add(ctl, 0, _CHUNK);
      if (from >= n) break;
      ranker.rankRange(from, Math.min(n, from + _CHUNK), job.users, job.out);
    }
  } catch {
    ctl[at + 1] = from;
    Atomics.store(ctl, 0, n);
  }
  Atomics.store(ctl, at, _DONE);
  Atomics.notify(ctl, at);
  scope.close();
};
