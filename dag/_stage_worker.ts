/**
 * Runs one stage inside a Web Worker (used by the runner with `workers: true`,
 * i.e. `--jobs N` > 1), so that independent CPU-bound stages really run at the
 * same time. The stage module is imported by its `code` URL and the stage is
 * found among its exports by name. Progress goes back to the main thread as
 * messages; the main thread formats it.
 *
 * @module
 */
import type { Stage, StageContext, StageResult } from "./stage.ts";

/** Main thread -> worker: what to run. */
export interface WorkerRequest {
  readonly moduleUrl: string;
  readonly stage: string;
  readonly context: Omit<StageContext<unknown>, "progress" | "signal">;
}

/** Worker -> main thread. */
export type WorkerMessage =
  | { readonly type: "info" | "warn"; readonly message: string }
  | {
    readonly type: "update";
    readonly done: number;
    readonly total: number;
    readonly unit: string;
  }
  | { readonly type: "done"; readonly result: StageResult | undefined }
  | { readonly type: "error"; readonly message: string };

function isStage(value: unknown, name: string): value is Stage {
  return typeof value === "object" && value !== null &&
    (value as Stage).name === name && typeof (value as Stage).run === "function";
}

const scope = self as unknown as {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
};

scope.onmessage = async (event) => {
  const { moduleUrl, stage: name, context } = event.data;
  try {
    const mod = await import(moduleUrl) as Record<string, unknown>;
    const stage = Object.values(mod).find((v) => isStage(v, name));
    if (!stage) throw new Error(`Module ${moduleUrl} exports no stage named "${name}"`);
    const result = await stage.run({
      ...context,
      signal: new AbortController().signal, // the main thread terminates the worker instead
      progress: {
        info: (message) => scope.postMessage({ type: "info", message }),
        warn: (message) => scope.postMessage({ type: "warn", message }),
        update: (done, total, unit) => scope.postMessage({ type: "update", done, total, unit }),
      },
    } as StageContext<unknown>);
    scope.postMessage({ type: "done", result: result ?? undefined });
  } catch (e) {
    scope.postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
};
