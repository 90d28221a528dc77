/**
 * The data behind the index page, written beside it as `index-data.js` (and
 * `index-data.json` for tools) so the page itself stays small at 1,000 runs:
 * the page's script loads it after the first paint and draws the runs table
 * pages and the interactive charts from it. Per-epoch curves, the biggest part,
 * go to their own file (`curves-data.js`), loaded only by the curves chart.
 *
 * @module
 */
import { METRIC_KEYS } from "../run_keys.ts";
import { METRIC_DEFS } from "./_metric_defs.ts";
import type { RunView } from "./_run_view.ts";
import { runPagePath } from "./page_paths.ts";
import { formatDateTime } from "./_format.ts";
import { modelColors } from "./model_palette.ts";

/** File names of the index's data, relative to the index. */
export const INDEX_DATA_FILES = {
  script: "index-data.js",
  json: "index-data.json",
  curvesScript: "curves-data.js",
  /** Global the data script assigns. */
  global: "__REPORT_DATA__",
  /** Global the curves script assigns. */
  curvesGlobal: "__REPORT_CURVES__",
} as const;

/** One run as the index's script reads it. */
export interface IndexRun {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly failed: boolean;
  /** Model name, `null` for a run that trained none. */
  readonly model: string | null;
  readonly dataset: string | null;
  readonly datasetHash: string | null;
  readonly start: number;
  readonly date: string;
  readonly duration: number | null;
  /** Key params (`train.` prefix dropped) as logged. */
  readonly params: Readonly<Record<string, string>>;
  /** Metric key -> [value, CI low, CI high] (bounds null without folds). */
  readonly metrics: Readonly<Record<string, readonly [number, number | null, number | null]>>;
  readonly cached: string;
  readonly href: string;
  readonly compare: string | null;
  readonly best: boolean;
}

/** The whole index data. */
export interface IndexData {
  readonly version: 1;
  readonly runs: readonly IndexRun[];
  /** Metric columns of the table: key, short label, digits, direction. */
  readonly metrics: readonly {
    key: string;
    short: string;
    label: string;
    digits: number;
    better: string;
  }[];
  /** Numeric params that take two or more values among finished runs (sweep axes). */
  readonly sweptParams: readonly string[];
  /** Model colours (the shared palette). */
  readonly colors: { readonly domain: readonly string[]; readonly range: readonly string[] };
}

/** Options of {@linkcode indexData}. */
export interface IndexDataOptions {
  readonly best?: RunView;
  /** Href (relative to the index) of a run's compare page, when written. */
  readonly compareHref?: (runId: string) => string | undefined;
}

const _ALWAYS = new Set<string>([
  METRIC_KEYS.rmse,
  METRIC_KEYS.mae,
  METRIC_KEYS.explainedVariance,
]);

/**
 * The numeric key params whose value differs between finished runs of one
 * model (a sweep axis), sorted by name.
 */
export function sweptParams(views: readonly RunView[]): string[] {
  const values = new Map<string, Map<string, Set<number>>>();
  for (const v of views) {
    if (v.status !== "FINISHED" || !v.hasModel) continue;
    for (const [k, raw] of v.keyParams) {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) continue;
      const byModel = values.get(k) ?? new Map<string, Set<number>>();
      values.set(k, byModel);
      const set = byModel.get(v.model) ?? new Set<number>();
      byModel.set(v.model, set);
      set.add(n);
    }
  }
  return [...values].filter(([, byModel]) => [...byModel.values()].some((s) => s.size >= 2))
    .map(([k]) => k).sort();
}

/** The index data of `views` (newest first). */
export function indexData(views: readonly RunView[], options: IndexDataOptions = {}): IndexData {
  const metrics = METRIC_DEFS.filter((d) =>
    _ALWAYS.has(d.key) || views.some((v) => v.metrics[d.key] !== undefined)
  ).map((d) => ({
    key: d.key,
    short: d.short,
    label: d.label,
    digits: d.digits,
    better: d.better,
  }));
  const newestFirst = [...views].sort((a, b) =>
    b.startTime - a.startTime || (a.id < b.id ? -1 : 1)
  );
  const runs = newestFirst.map((v): IndexRun => ({
    id: v.id,
    name: v.name,
    status: v.status,
    failed: v.failed,
    model: v.hasModel ? v.model : null,
    dataset: v.datasetName ?? null,
    datasetHash: v.datasetHash ?? null,
    start: v.startTime,
    date: formatDateTime(v.startTime),
    duration: v.durationSeconds ?? null,
    params: Object.fromEntries(v.keyParams),
    metrics: Object.fromEntries(
      Object.entries(v.metrics).map(([k, m]) => [k, [m.value, m.low ?? null, m.high ?? null]]),
    ),
    cached: v.cachedStages.join(", "),
    href: runPagePath(v.id),
    compare: options.compareHref?.(v.id) ?? null,
    best: options.best?.id === v.id,
  }));
  return {
    version: 1,
    runs,
    metrics,
    sweptParams: sweptParams(views),
    colors: modelColors(views.filter((v) => v.hasModel && !v.failed).map((v) => v.model)),
  };
}

/** Per-epoch losses of each run that logged them: run id -> [epoch, train, validation][]. */
export function curvesData(
  views: readonly RunView[],
): Record<string, [number, number | null, number | null][]> {
  const out: Record<string, [number, number | null, number | null][]> = {};
  for (const v of views) {
    if (!v.hasModel || v.failed) continue;
    const byEpoch = new Map<number, [number, number | null, number | null]>();
    const add = (key: string, slot: 1 | 2) => {
      for (const p of v.run.metrics[key] ?? []) {
        if (!Number.isFinite(p.value)) continue;
        const row = byEpoch.get(p.step) ?? [p.step, null, null];
        row[slot] = +p.value.toPrecision(5);
        byEpoch.set(p.step, row);
      }
    };
    add(METRIC_KEYS.trainLoss, 1);
    add(METRIC_KEYS.validationLoss, 2);
    if (byEpoch.size > 0) out[v.id] = [...byEpoch.values()].sort((a, b) => a[0] - b[0]);
  }
  return out;
}

/** The text of a data script: `window.<global> = <json>;`, safe inside a script file. */
export function dataScript(global: string, value: unknown): string {
  const json = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `window.${global} = ${json};\n`;
}
