/**
 * Select stage: `data/models` -> `data/selection/champions.json`.
 *
 * Picks two champions, one per task, from what every model measured on the
 * holdout carved from its training ratings (`validation.json`, written by the
 * train stage): never from the test set, which only the evaluate stage reads.
 *
 * - the rating champion: the lowest holdout RMSE among the models that
 *   predict ratings; it serves `/predict`;
 * - the ranking champion: the best holdout ranking metric (NDCG@k by
 *   default) at each model's chosen support floor, among every model; it
 *   serves `/recommend` and `/similar`.
 *
 * With several folds the holdout values are averaged over the folds that have
 * them. Ties go to the model name that sorts first, so the choice is stable.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { writeTextAtomic } from "../lib/atomic.ts";
import { defineStage } from "../dag/stage.ts";
import { pathExists } from "../lib/path_exists.ts";
import type { ValidationReport } from "../recommender/evaluation/validation.ts";
import { modelFoldDir, readValidationReport, trainedModelNames } from "./train.ts";
import { championsFile, modelsFolder, pathIn, selectionFolder } from "../data_catalog/mod.ts";

/** The `select` params section. */
export const selectParams = z.object({
  /** The ranking metric the ranking champion is chosen by (at the holdout's k). */
  rankingMetric: z.enum(["ndcg", "precision", "recall", "map", "hit_rate"]).default("ndcg"),
}).strict();

/** Parsed `select` params. */
export type SelectParams = z.output<typeof selectParams>;

/** One model's holdout evidence, averaged over folds. */
export interface Candidate {
  readonly model: string;
  readonly task: "rating" | "ranking";
  readonly folds: number;
  readonly rmse: number | null;
  /** The ranking metric the choice uses, at the model's support floor. */
  readonly ranking: number | null;
  /** The model's support floor (fold 1's choice). */
  readonly minRatings: number;
}

/** One champion: the model, what it was chosen by and its holdout value. */
export interface Champion {
  readonly model: string;
  readonly metric: string;
  readonly value: number;
  /** The support floor it ranks with. */
  readonly minRatings: number;
}

/** `data/selection/champions.json`. */
export interface Champions {
  /** How the champions were chosen, for people reading the file. */
  readonly selectedBy: string;
  readonly rating: Champion | null;
  readonly ranking: Champion | null;
  readonly candidates: readonly Candidate[];
}

/** Reads `champions.json`; a missing or malformed one is an error naming the file. */
export async function readChampions(path: string): Promise<Champions> {
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new Error(
      `Cannot read ${path}: ${(e as Error).message}; run the pipeline (deno task pipeline)`,
    );
  }
  const champion = z.object({
    model: z.string(),
    metric: z.string(),
    value: z.number(),
    minRatings: z.number(),
  }).nullable();
  const parsed = z.object({ rating: champion, ranking: champion }).loose().safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `Cannot read ${path}: ${parsed.error.issues[0]?.path.join(".")} ${
        parsed.error.issues[0]?.message
      }; re-run the select stage (deno task pipeline --from select)`,
    );
  }
  return json as Champions;
}

/**
 * Chooses the champions from each model's per-fold holdout reports (pure).
 *
 * @example
 * ```ts
 * import { chooseChampions } from "./select.ts";
 * const v = (task: "rating" | "ranking", rmse: number, ndcg: number) => ({
 *   task, k: 10, relevanceThreshold: 4, trainRatings: 9, holdoutRatings: 1, rmse, mae: rmse,
 *   byFloor: [], minRatings: 0, ranking: { ndcg_at_10: ndcg },
 * });
 * const c = chooseChampions(
 *   { "biased-mf": [v("rating", 0.86, 0.1)], ease: [v("ranking", 0.95, 0.3)] },
 *   { rankingMetric: "ndcg" },
 * );
 * if (c.rating?.model !== "biased-mf" || c.ranking?.model !== "ease") throw new Error();
 * ```
 */
export function chooseChampions(
  reports: Readonly<Record<string, readonly ValidationReport[]>>,
  params: SelectParams,
): Champions {
  const mean = (xs: number[]) => {
    const ok = xs.filter((x) => typeof x === "number" && Number.isFinite(x));
    return ok.length > 0 ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
  };
  const candidates: Candidate[] = [];
  let k = 10;
  for (const model of Object.keys(reports).sort()) {
    const folds = reports[model]!;
    if (folds.length === 0) continue;
    const first = folds[0]!;
    k = first.k;
    const key = `${params.rankingMetric}_at_${first.k}`;
    candidates.push({
      model,
      task: first.task,
      folds: folds.length,
      rmse: mean(folds.map((f) => f.rmse)),
      ranking: mean(folds.map((f) => f.ranking[key] ?? NaN)),
      minRatings: first.minRatings,
    });
  }
  const metric = `${params.rankingMetric}_at_${k}`;
  let rating: Champion | null = null;
  let ranking: Champion | null = null;
  for (const c of candidates) {
    if (c.task === "rating" && c.rmse !== null && (rating === null || c.rmse < rating.value)) {
      rating = { model: c.model, metric: "rmse", value: c.rmse, minRatings: c.minRatings };
    }
    if (c.ranking !== null && (ranking === null || c.ranking > ranking.value)) {
      ranking = { model: c.model, metric, value: c.ranking, minRatings: c.minRatings };
    }
  }
  return {
    selectedBy:
      "holdout carved from each fold's training ratings (train.validationFraction, train.seed); the test set is never read",
    rating,
    ranking,
    candidates,
  };
}

/** Each model's `validation.json` per fold (fold 1 in the model folder, fold i in `folds/<i>/`). */
async function _readReports(modelsDir: string): Promise<Record<string, ValidationReport[]>> {
  const out: Record<string, ValidationReport[]> = {};
  for (const name of await trainedModelNames(modelsDir)) {
    const dir = join(modelsDir, name);
    const reports: ValidationReport[] = [];
    const folds = [dir];
    for (let i = 2; await pathExists(modelFoldDir(dir, i)); i++) folds.push(modelFoldDir(dir, i));
    for (const fold of folds) {
      const report = await readValidationReport(fold);
      if (report) reports.push(report);
    }
    if (reports.length > 0) out[name] = reports;
  }
  return out;
}

/** The `select` stage. */
export const selectStage = defineStage({
  name: "select",
  description:
    "Pick the rating and the ranking champion from holdout measurements (never the test set)",
  deps: [modelsFolder.path],
  outs: [selectionFolder.path],
  params: selectParams,
  code: import.meta.url,
  async run(ctx) {
    const reports = await _readReports(ctx.inputs[modelsFolder.path]!);
    if (Object.keys(reports).length === 0) {
      throw new Error(
        "Cannot select champions: no model in data/models has a validation.json; set train.validationFraction > 0 and re-run the train stage",
      );
    }
    const champions = chooseChampions(reports, ctx.params);
    const out = ctx.outputs[selectionFolder.path]!;
    await Deno.mkdir(out, { recursive: true });
    await writeTextAtomic(
      pathIn(championsFile, out),
      JSON.stringify(champions, null, 2) + "\n",
    );
    const r = champions.rating, n = champions.ranking;
    return {
      summary: `rating: ${
        r ? `${r.model} (holdout RMSE ${r.value.toFixed(4)})` : "none"
      }; ranking: ${n ? `${n.model} (holdout ${n.metric} ${n.value.toFixed(4)})` : "none"}`,
    };
  },
});
