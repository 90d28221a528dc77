/**
 * Both cores for the train stage: the models of one fold are fitted by
 * worker threads ("lanes", `_train_worker.ts`), each taking the next model
 * of the list when it finishes one, over one shared copy of the training
 * ratings. Each model is fitted by the same code on the same ratings
 * whichever lane runs it, so every model file is the same bytes as when the
 * models are fitted one after another (tested in `train_pool_test.ts`).
 *
 * @module
 */
import type { FitProgress } from "../recommender/core/model.ts";
import type { Ratings } from "../recommender/core/ratings.ts";
import type { MovieContent } from "../recommender/core/movie_content.ts";
import type { ModelName } from "../recommender/models/model_registry.ts";
import type { TrainedSummary, TrainParams } from "./train.ts";
import { holdoutSplit } from "../recommender/models/fit_standalone.ts";
import type { TrainWorkerJob, TrainWorkerMessage, TrainWorkerSetup } from "./_train_worker.ts";

/** Options of {@linkcode trainInLanes}. */
export interface TrainLanesOptions {
  /** Worker threads (at most one per model). */
  readonly lanes: number;
  readonly train: Ratings;
  readonly params: TrainParams;
  readonly content?: MovieContent;
  readonly trainPath: string;
  /** The models to fit, in the order lanes take them, and the folder each is written to. */
  readonly jobs: ReadonlyArray<{ readonly name: ModelName; readonly dir: string }>;
  readonly onProgress: (name: ModelName, progress: FitProgress) => void;
  /** Called as each model's folder is written (in the order they finish). */
  readonly onDone: (name: ModelName, summary: TrainedSummary) => void;
  /** Aborting stops every lane. */
  readonly signal?: AbortSignal;
}

/**
 * A copy of `r` over shared memory (structured clone then shares it with
 * each worker instead of copying it); `r` itself when it already is.
 */
export function shareRatings(r: Ratings): Ratings {
  const share = <T extends Int32Array | Float32Array | Float64Array>(
    a: T,
    make: (b: SharedArrayBuffer) => T,
  ): T => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const out = make(new SharedArrayBuffer(a.byteLength));
    out.set(a as never);
    return out;
  };
  return {
    userId: share(r.userId, (b) => new Int32Array(b)),
    movieId: share(r.movieId, (b) => new Int32Array(b)),
    rating: share(r.rating, (b) => new Float32Array(b)),
    timestamp: share(r.timestamp, (b) => new Float64Array(b)),
  };
}

/** `holdoutSplit(train)` over shared memory (one copy for every lane). */
function shareHoldout(
  train: Ratings,
  params: TrainParams,
): { readonly train: Ratings; readonly test: Ratings } {
  const split = holdoutSplit(train, params);
  return { train: shareRatings(split.train), test: shareRatings(split.test) };
}

/** Fits and writes `jobs` on `lanes` worker threads; rejects with the first model's error. */
export function trainInLanes(o: TrainLanesOptions): Promise<void> {
  o.signal?.throwIfAborted();
  const lanes = Math.max(1, Math.min(o.lanes, o.jobs.length));
  // The seeded holdout every model's first pass fits on, made once here over shared memory
  // instead of once per model in each lane (fit_standalone.ts takes it as its own).
  const holdout = o.params.validationFraction > 0 ? shareHoldout(o.train, o.params) : undefined;
  const setup: TrainWorkerSetup = {
    type: "setup",
    train: shareRatings(o.train),
    ...(holdout ? { holdout } : {}),
    params: o.params,
    ...(o.content ? { content: o.content } : {}),
    trainPath: o.trainPath,
  };
  const workers: Worker[] = [];
  return new Promise<void>((resolve, reject) => {
    let next = 0, running = 0, ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      o.signal?.removeEventListener("abort", abort);
      for (const w of workers) w.terminate();
      if (error) reject(error);
      else resolve();
    };
    const abort = () => end(o.signal?.reason ?? new Error("Interrupted"));
    o.signal?.addEventListener("abort", abort, { once: true });
    const feed = (w: Worker) => {
      if (next >= o.jobs.length) {
        if (running === 0) end();
        return;
      }
      const job: TrainWorkerJob = { type: "fit", ...o.jobs[next++]! };
      running++;
      w.postMessage(job);
    };
    for (let lane = 0; lane < lanes && !ended; lane++) {
      const w = new Worker(new URL("./_train_worker.ts", import.meta.url), { type: "module" });
      workers.push(w);
      w.onmessage = (event: MessageEvent<TrainWorkerMessage>) => {
        if (ended) return;
        const m = event.data;
        if (m.type === "progress") o.onProgress(m.name, m.progress);
        else if (m.type === "done") {
          running--;
          try {
            o.onDone(m.name, m.summary);
          } catch (e) {
            end(e as Error);
            return;
          }
          feed(w);
        } else {
          const error = new Error(m.message);
          if (m.stack) error.stack = m.stack;
          end(error);
        }
      };
      w.onerror = (event) => {
        event.preventDefault();
        end(new Error(`A train worker failed: ${event.message}`));
      };
      w.postMessage(setup);
      feed(w);
    }
  });
}
