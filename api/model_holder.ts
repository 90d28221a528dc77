/**
 * Holds the served model and swaps it on reload: the new model is loaded and
 * fully built beside the old one, then the reference is replaced in one
 * assignment, so a request sees either the old or the new model, never a mix.
 * A load that throws leaves the old model serving. Concurrent reloads share
 * one load. The holder is an `EventTarget`: `reloadstart` when a load begins,
 * `swap` (detail: the new model) after each swap, so watchers and tests wait
 * on events instead of timing.
 *
 * @module
 */
import type { LoadedModel } from "./loaded_model.ts";

/** Loads and builds a complete model (throws on a broken source). */
export type ModelLoader = () => Promise<LoadedModel>;

/** Outcome of {@linkcode ModelHolder.reload}. */
export type ReloadResult =
  | { readonly ok: true; readonly model: LoadedModel; readonly ms: number }
  | { readonly ok: false; readonly error: string; readonly ms: number };

/** The current model and its reload logic. */
export class ModelHolder extends EventTarget {
  readonly #loader: ModelLoader;
  readonly #onSwap: ((model: LoadedModel) => void) | undefined;
  #current: LoadedModel | null;
  #inFlight: Promise<ReloadResult> | null = null;
  #draining = false;
  #staging = 0;

  /** Makes a holder, optionally with a model already loaded. */
  constructor(
    loader: ModelLoader,
    options: { initial?: LoadedModel; onSwap?: (model: LoadedModel) => void } = {},
  ) {
    super();
    this.#loader = loader;
    this.#onSwap = options.onSwap;
    this.#current = options.initial ?? null;
    if (this.#current) this.#onSwap?.(this.#current);
  }

  /** The served model, or null before the first successful load. */
  get current(): LoadedModel | null {
    return this.#current;
  }

  /** The reload in progress, or null. */
  get reloading(): Promise<ReloadResult> | null {
    return this.#inFlight;
  }

  /** True while a new model loads beside the served one: a reload, or a worker pool's staging. */
  get loading(): boolean {
    return this.#inFlight !== null || this.#staging > 0;
  }

  /** Marks `load` (a model built outside {@linkcode reload}, e.g. staged by a worker pool) as loading. */
  async staging<T>(load: Promise<T>): Promise<T> {
    this.#staging++;
    try {
      return await load;
    } finally {
      this.#staging--;
    }
  }

  /** True once the server began shutting down (`/ready` then answers 503). */
  get draining(): boolean {
    return this.#draining;
  }

  /** Marks the server as shutting down: it finishes its requests but takes no new traffic. */
  drain(): void {
    this.#draining = true;
  }

  /** Loads a new model and swaps it in; on failure the old one stays. */
  reload(): Promise<ReloadResult> {
    if (this.#inFlight) return this.#inFlight;
    const started = performance.now();
    this.#inFlight = (async (): Promise<ReloadResult> => {
      try {
        const model = await this.#loader();
        this.#current = model;
        this.#onSwap?.(model);
        this.dispatchEvent(new CustomEvent("swap", { detail: model }));
        return { ok: true, model, ms: performance.now() - started };
      } catch (err) {
        return {
          ok: false,
          error: err instanceof Error ? err.message : String(err),
          ms: performance.now() - started,
        };
      } finally {
        this.#inFlight = null;
      }
    })();
    this.dispatchEvent(new Event("reloadstart"));
    return this.#inFlight;
  }
}
