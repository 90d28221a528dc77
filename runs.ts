/**
 * `deno task runs`: list, compare and sync tracked runs.
 *
 * ```sh
 * deno task runs list [--experiment X] [--limit N] [--metrics rmse,mae] [--params a,b] [--json]
 * deno task runs list --filter "params.factors = 100 and metrics.rmse < 0.86"
 * deno task runs compare A B [--filter F] [--json]  # run ids, unique prefixes or run names
 * deno task runs sync [--experiment X]      # push unsynced local runs to MLflow
 * ```
 *
 * Reads the local run store (`runs/`, or `--root`) by default; `--mlflow`
 * reads the MLflow server in `MLFLOW_TRACKING_URI` instead.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { compareRuns, type MetricDiff, type RunComparison } from "./tracking/compare_runs.ts";
import { findRun } from "./tracking/find_run.ts";
import { parseRunFilter } from "./tracking/run_filter.ts";
import { MlflowClient } from "./tracking/mlflow_client.ts";
import { MlflowRunStore } from "./tracking/mlflow_store.ts";
import { openRunStore } from "./tracking/open.ts";
import { Redactor } from "./tracking/redactor.ts";
import type { RunStore } from "./tracking/run_store.ts";
import { SyncingRunStore } from "./tracking/syncing_store.ts";
import { type Align, formatTable } from "./lib/text_table.ts";
import { latestMetric, type RunRecord } from "./tracking/types.ts";

const HELP = `Usage: deno task runs <command> [options]

Commands:
  list                 Table of runs, newest first
  compare A B          Params that differ and metric deltas of run B against run A
                       (A and B: run ids, unique id prefixes, or run names unique
                       among the runs --filter keeps; an ambiguous name lists its runs)
  sync                 Push local runs not yet in MLflow (needs MLFLOW_TRACKING_URI)

Options:
  --experiment NAME    Only runs of this experiment
  --limit N            At most N runs (list)
  --metrics a,b        Metric columns of the list (default: rmse, mae and ranking metrics)
  --params a,b         Param columns of the list (default: the params that differ between
                       the listed runs); "train." and "model." may be left out
  --filter TEXT        Only runs matching MLflow's search syntax (a subset): clauses joined
                       by "and", e.g. "params.factors = 100 and metrics.rmse < 0.86",
                       "tags.model = 'svd'", "attributes.status != 'FAILED'"
  --root DIR           Local run store folder (default: runs)
  --mlflow             Read runs from the MLflow server in MLFLOW_TRACKING_URI
  --json               Machine-readable output
  -h, --help           This help

Environment: MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME,
MLFLOW_TRACKING_PASSWORD, MLFLOW_EXPERIMENT_NAME (as MLflow's own clients).`;

type Env = Record<string, string | undefined>;

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(
  args: string[],
  io: { out: (s: string) => void; err: (s: string) => void; env: Env },
): Promise<number> {
  const redactor = Redactor.fromEnv(io.env);
  const err = (s: string) => io.err(redactor.text(s));
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        experiment: { type: "string" },
        limit: { type: "string" },
        metrics: { type: "string" },
        params: { type: "string" },
        filter: { type: "string" },
        root: { type: "string" },
        mlflow: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    err(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values: opts, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (opts.help || command === "help") {
    io.out(HELP);
    return 0;
  }
  const limit = opts.limit !== undefined ? Number(opts.limit) : undefined;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    err(`Invalid --limit "${opts.limit}": expected a positive whole number`);
    return 2;
  }
  let keep: ((run: RunRecord) => boolean) | undefined;
  if (opts.filter !== undefined) {
    try {
      keep = parseRunFilter(opts.filter);
    } catch (error) {
      err((error as Error).message);
      return 2;
    }
  }
  try {
    switch (command) {
      case "list": {
        const store = readStore(opts, io.env, err);
        // With a filter, the limit applies to the runs it keeps.
        let runs = await store.listRuns({
          ...(opts.experiment !== undefined ? { experiment: opts.experiment } : {}),
          ...(limit !== undefined && !keep ? { limit } : {}),
        });
        if (keep) runs = runs.filter(keep).slice(0, limit ?? Infinity);
        if (opts.json) io.out(JSON.stringify(runs, jsonNumbers, 2));
        else {
          io.out(formatList(runs, {
            metrics: opts.metrics?.split(",").map((m) => m.trim()).filter(Boolean),
            params: opts.params?.split(",").map((m) => m.trim()).filter(Boolean),
            location: store.location,
            filtered: opts.filter,
          }));
        }
        return 0;
      }
      case "compare": {
        if (rest.length !== 2) {
          err(`compare needs two runs, got ${rest.length}: deno task runs compare A B`);
          return 2;
        }
        const store = readStore(opts, io.env, err);
        const find = { ...(keep ? { filter: keep } : {}), narrowHint: "--filter" };
        const a = await findRun(store, rest[0]!, find);
        const b = await findRun(store, rest[1]!, find);
        const comparison = compareRuns(a, b);
        if (opts.json) {
          const { a: ra, b: rb, ...diff } = comparison;
          io.out(JSON.stringify({ a: ra.runId, b: rb.runId, ...diff }, jsonNumbers, 2));
        } else io.out(formatComparison(comparison));
        return 0;
      }
      case "sync": {
        const store = openRunStore({
          ...(opts.root !== undefined ? { root: opts.root } : {}),
          env: io.env,
          strict: true,
          warn: err,
        });
        if (!(store instanceof SyncingRunStore)) {
          err("Cannot sync: MLFLOW_TRACKING_URI is not set: set it to the MLflow server's URL");
          return 1;
        }
        const summary = await store.syncRuns(
          opts.experiment !== undefined ? { experiment: opts.experiment } : {},
        );
        for (const r of summary.pushed) {
          io.out(`pushed  ${r.runId.slice(0, 8)}  ${r.runName}  ${r.mlflowUrl ?? ""}`);
        }
        for (const f of summary.failed) {
          io.out(`failed  ${f.runId.slice(0, 8)}  ${redactor.text(f.error)}`);
        }
        for (const id of summary.running) {
          io.out(`skipped ${id.slice(0, 8)}  still RUNNING (or its process died)`);
        }
        io.out(
          `${summary.pushed.length} pushed, ${summary.failed.length} failed, ` +
            `${summary.running.length} skipped (to ${store.mlflow.location})`,
        );
        return summary.failed.length > 0 ? 1 : 0;
      }
      case undefined:
        io.out(HELP);
        return 2;
      default:
        err(`Unknown command "${command}": use list, compare or sync (see --help)`);
        return 2;
    }
  } catch (error) {
    err(`Error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function readStore(
  opts: { root?: string; mlflow?: boolean },
  env: Env,
  err: (s: string) => void,
): RunStore {
  if (opts.mlflow) {
    return new MlflowRunStore(MlflowClient.fromEnv(env, { onRetry: err }));
  }
  const store = openRunStore({
    ...(opts.root !== undefined ? { root: opts.root } : {}),
    env,
    warn: err,
  });
  return store instanceof SyncingRunStore ? store.local : store;
}

const PREFERRED = [/^rmse$/, /^mae$/, /^explained_variance$/, /^ndcg/, /^precision/, /^recall/];

/** The key of `wanted` among the runs' params: exact, else `train.<wanted>` or `model.<wanted>`. */
function paramKey(runs: readonly RunRecord[], wanted: string): string {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.params)));
  if (keys.has(wanted)) return wanted;
  for (const prefix of ["train.", "model."]) if (keys.has(prefix + wanted)) return prefix + wanted;
  return wanted;
}

/** Params that differ between the runs (hyper-parameters first), at most `max`. */
function differingParams(runs: readonly RunRecord[], max: number): string[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))];
  const varying = keys.filter((k) => new Set(runs.map((r) => r.params[k] ?? "")).size > 1)
    .filter((k) => !/^(train\.models|etl\.|tracking\.)/.test(k));
  const rank = (k: string) =>
    k === "train.model" ? 0 : k.startsWith("train.") ? 1 : k.startsWith("model.") ? 2 : 3;
  return varying.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, max);
}

function formatList(
  runs: RunRecord[],
  options: { metrics?: string[]; params?: string[]; location: string; filtered?: string },
): string {
  const { location } = options;
  if (runs.length === 0) {
    return `No runs in ${location}${
      options.filtered ? ` match --filter "${options.filtered}"` : ""
    }`;
  }
  const keys = new Set(runs.flatMap((r) => Object.keys(r.metrics)));
  const columns = options.metrics ?? PREFERRED
    .flatMap((re) => [...keys].filter((k) => re.test(k)).sort())
    .filter((k, i, all) => all.indexOf(k) === i)
    .slice(0, 4);
  const params = options.params?.map((p) => paramKey(runs, p)) ?? differingParams(runs, 5);
  const short = (k: string) => k.replace(/^(train|model)\./, "");
  const showSync = runs.some((r) => r.synced !== undefined);
  const header = [
    "RUN",
    "EXPERIMENT",
    "NAME",
    "STATUS",
    "STARTED",
    "DURATION",
    ...params.map(short),
    ...columns,
  ];
  const align: Align[] = [
    "left",
    "left",
    "left",
    "left",
    "left",
    "right",
    ...params.map(() => "right" as const),
    ...columns.map(() => "right" as const),
  ];
  if (showSync) {
    header.push("SYNCED");
    align.push("left");
  }
  const rows = runs.map((r) => {
    const row = [
      r.runId.slice(0, 8),
      r.experiment,
      r.runName,
      r.status,
      formatTime(r.startTime),
      r.endTime !== undefined ? formatDuration(r.endTime - r.startTime) : "-",
      ...params.map((k) => r.params[k] ?? "-"),
      ...columns.map((k) => formatNumber(latestMetric(r, k))),
    ];
    if (showSync) row.push(r.synced === undefined ? "-" : r.synced ? "yes" : "no");
    return row;
  });
  return `${formatTable(header, rows, { align })}\n\n${runs.length} run${
    runs.length === 1 ? "" : "s"
  } in ${location}${options.filtered ? ` matching "${options.filtered}"` : ""}`;
}

function formatComparison(c: RunComparison): string {
  const out: string[] = [];
  out.push(
    formatTable(["", "RUN", "NAME", "STATUS", "STARTED"], [
      ["A", c.a.runId.slice(0, 8), c.a.runName, c.a.status, formatTime(c.a.startTime)],
      ["B", c.b.runId.slice(0, 8), c.b.runName, c.b.status, formatTime(c.b.startTime)],
    ]),
  );
  out.push("");
  if (c.params.length === 0) out.push(`Params: all ${c.paramCount} the same`);
  else {
    out.push(`Params that differ (${c.params.length} of ${c.paramCount})`);
    out.push(
      formatTable(["PARAM", "A", "B"], c.params.map((p) => [p.key, p.a ?? "-", p.b ?? "-"])),
    );
  }
  out.push("");
  if (c.metrics.length === 0) out.push("Metrics: none");
  else {
    out.push(
      "Metrics (B against A; lower is better for errors and losses, higher for ranking metrics)",
    );
    out.push(
      formatTable(
        ["METRIC", "A", "B", "DELTA", ""],
        c.metrics.map((
          m,
        ) => [m.key, formatNumber(m.a), formatNumber(m.b), formatDelta(m.delta), describe(m)]),
        { align: ["left", "right", "right", "right", "left"] },
      ),
    );
  }
  if (c.tags.length > 0) {
    out.push("");
    out.push(`Tags that differ (${c.tags.length})`);
    out.push(formatTable(["TAG", "A", "B"], c.tags.map((t) => [t.key, t.a ?? "-", t.b ?? "-"])));
  }
  return out.join("\n");
}

function describe(m: MetricDiff): string {
  if (m.a === undefined) return "only in B";
  if (m.b === undefined) return "only in A";
  if (m.delta === undefined || Number.isNaN(m.delta)) return "";
  const arrow = m.delta > 0 ? "↑" : m.delta < 0 ? "↓" : "=";
  const steps = m.steps[0] > 1 || m.steps[1] > 1 ? `  (${m.steps[0]} vs ${m.steps[1]} steps)` : "";
  return `${arrow}${m.verdict && m.verdict !== "same" ? ` ${m.verdict}` : ""}${steps}`;
}

function formatNumber(v: number | undefined): string {
  if (v === undefined) return "-";
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  return Math.abs(v) >= 1000 || Math.abs(v) < 0.001 ? v.toPrecision(4) : v.toFixed(4);
}

function formatDelta(d: number | undefined): string {
  if (d === undefined) return "";
  const s = formatNumber(d);
  return d > 0 ? `+${s}` : s;
}

function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }`;
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

/** JSON has no NaN/Infinity: write them as strings, as run.json and MLflow do. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}

if (import.meta.main) {
  const code = await main(Deno.args, {
    out: (s) => console.log(s),
    err: (s) => console.error(s),
    env: Deno.env.toObject(),
  });
  Deno.exit(code);
}
