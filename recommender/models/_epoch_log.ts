/**
 * The per-epoch bookkeeping the SGD models share (biased-mf, svd++, the
 * hybrid): one {@linkcode EpochRecord} per epoch, the progress line, and
 * early stopping on the validation RMSE (an epoch is the new best when it
 * beats the best by more than `minDelta`; training stops after `patience`
 * epochs without one). The caller keeps its own snapshot of the best state.
 *
 * @module
 */
import type { EpochRecord, FitProgress } from "../core/model.ts";

/** What {@linkcode _EpochLog.record} tells the training loop. */
export type _EpochVerdict = "best" | "stop" | "continue";

/** History, progress and early stopping of one fit. */
export class _EpochLog {
  /** One record per finished epoch. */
  readonly history: EpochRecord[] = [];
  /** The lowest validation RMSE so far (Infinity before any). */
  best = Infinity;
  /** The 1-based epoch of {@linkcode best}; -1 before any. */
  bestEpoch = -1;
  readonly #model: string;
  readonly #epochs: number;
  readonly #rule: { readonly minDelta: number; readonly patience: number };
  readonly #onProgress: ((p: FitProgress) => void) | undefined;

  constructor(
    model: string,
    options: {
      epochs: number;
      minDelta: number;
      patience: number;
      onProgress?: ((p: FitProgress) => void) | undefined;
    },
  ) {
    this.#model = model;
    this.#epochs = options.epochs;
    this.#rule = options;
    this.#onProgress = options.onProgress;
  }

  /**
   * Records epoch `epoch` (0-based) and says whether it is the new best (the
   * caller snapshots its state), whether to stop, or to go on.
   *
   * @example
   * ```ts
   * import { _EpochLog } from "./_epoch_log.ts";
   * const log = new _EpochLog("m", { epochs: 9, minDelta: 0, patience: 1 });
   * const verdicts = [0.9, 0.8, 0.85].map((v, e) => log.record(e, 1, v, 0));
   * if (verdicts.join() !== "best,best,stop" || log.bestEpoch !== 2) throw new Error();
   * ```
   */
  record(
    epoch: number,
    trainLoss: number,
    validationLoss: number | undefined,
    seconds: number,
  ): _EpochVerdict {
    this.history.push({
      epoch: epoch + 1,
      trainLoss,
      ...(validationLoss !== undefined ? { validationLoss } : {}),
      seconds,
    });
    this.#onProgress?.({
      model: this.#model,
      epoch: epoch + 1,
      epochs: this.#epochs,
      message: `epoch ${epoch + 1}/${this.#epochs}: train RMSE ${trainLoss.toFixed(4)}${
        validationLoss !== undefined ? `, validation RMSE ${validationLoss.toFixed(4)}` : ""
      }`,
    });
    if (validationLoss === undefined) return "continue";
    if (validationLoss < this.best - this.#rule.minDelta) {
      this.best = validationLoss;
      this.bestEpoch = epoch + 1;
      return "best";
    }
    return epoch + 1 - this.bestEpoch >= this.#rule.patience ? "stop" : "continue";
  }

  /** `bestEpoch` and `bestValidationRmse` for the model's extras, when validation ran. */
  bestExtra(): { bestEpoch?: number; bestValidationRmse?: number } {
    return this.bestEpoch > 0 ? { bestEpoch: this.bestEpoch, bestValidationRmse: this.best } : {};
  }
}
