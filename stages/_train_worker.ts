/**
 * A train-stage worker thread (see `_train_pool.ts`): it gets one fold's
 * training ratings (over shared memory) once, then fits the models it is
 * sent one at a time with {@linkcode trainModel}, writes each model folder
 * itself, and reports progress and a summary back to the stage.
 *
 * @module
 */
import type { FitProgress } from "../recommender/core/model.ts";
import type { Ratings } from "../recommender/core/ratings.ts";
import type { MovieContent } from "../recommender/core/movie_content.ts";
import type { ModelName } from "../recommender/models/model_registry.ts";
import { useHoldoutSplit } from "../recommender/models/fit_standalone.ts";
import { type TrainedSummary, trainModel, type TrainParams, writeModel } from "./train.ts";

/** The fold a worker trains on (sent once). */
export interface TrainWorkerSetup {
  readonly type: "setup";
  readonly train: Ratings;
  /** `train`'s validation holdout, made once for every lane (see `_train_pool.ts`). */
  readonly holdout?: { readonly train: Ratings; readonly test: Ratings };
  readonly params: TrainParams;
  readonly content?: MovieContent;
  readonly trainPath: string;
}

/** One model to fit and write to `dir`. */
export interface TrainWorkerJob {
  readonly type: "fit";
  readonly name: ModelName;
  readonly dir: string;
}

/** What a worker posts back. */
export type TrainWorkerMessage =
  | { readonly type: "progress"; readonly name: ModelName; readonly progress: FitProgress }
  | { readonly type: "done"; readonly name: ModelName; readonly summary: TrainedSummary }
  | {
    readonly type: "error";
    readonly name: ModelName;
    readonly message: string;
    readonly stack?: string;
  };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<TrainWorkerSetup | TrainWorkerJob>) => void) | null;
  postMessage(m: TrainWorkerMessage): void;
};

let setup: TrainWorkerSetup | undefined;

scope.onmessage = async (event) => {
  const m = event.data;
  if (m.type === "setup") {
    setup = m;
    if (m.holdout) useHoldoutSplit(m.train, m.params, m.holdout);
    return;
  }
  const name = m.name;
  try {
    if (!setup) throw new Error("the worker got a model before its fold");
    const trained = await trainModel(name, setup.train, setup.params, {
      onProgress: (progress) => scope.postMessage({ type: "progress", name, progress }),
      ...(setup.content ? { content: setup.content } : {}),
      trainPath: setup.trainPath,
    });
    await writeModel(m.dir, trained);
    scope.postMessage({
      type: "done",
      name,
      summary: { fitSeconds: trained.fitSeconds, history: trained.history },
    });
  } catch (e) {
    scope.postMessage({
      type: "error",
      name,
      message: e instanceof Error ? e.message : String(e),
      ...(e instanceof Error && e.stack ? { stack: e.stack } : {}),
    });
  }
};
