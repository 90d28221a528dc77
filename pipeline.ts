/**
 * `deno task pipeline`: runs the DAG of stages (etl -> features -> split ->
 * train -> select -> evaluate -> track -> report; track and report run on
 * every invocation). Run with `--help` for flags.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import {
  acquireProcessLock,
  applyOverrides,
  BusyError,
  formatOutcomes,
  formatPlan,
  formatSeconds,
  GraphError,
  graphMermaid,
  graphText,
  ParamsError,
  readParamsFile,
  removeActiveTemps,
  runPipeline,
  validateParams,
} from "./dag/mod.ts";
import { STAGES } from "./stages/mod.ts";
import { type EvaluationSummary, type FitTimes, formatComparisonTable } from "./stages/evaluate.ts";
import { createSweepProgress } from "./dag/progress.ts";
import { formatTable } from "./lib/text_table.ts";
import { newRunId, redactUri } from "./tracking/mod.ts";
import { atRoot, metricsSummaryFile, metricsTimingsFile } from "./data_catalog/mod.ts";

const HELP = `Usage: deno task pipeline [options]

Runs the pipeline's stages in dependency order, skipping those whose code,
params and inputs are unchanged (see pipeline.lock).

Options:
  --dataset NAME|URL|PATH  data source: a MovieLens name (ml-latest-small, ml-100k,
                           ml-1m, ...), a URL, a local .zip or file:// URL, or
                           "synthetic" (same as --set etl.dataset=...)
  --only STAGE             run just this stage (its inputs must exist)
  --from STAGE             run this stage and everything downstream of it
  --force                  run the selected stages even when cached (or in the run cache)
  --no-run-cache           do not restore outputs from .cache/runs (earlier runs' outputs)
  --dry-run                show each stage and why it would run or be skipped
  --graph                  print the DAG as text and as a Mermaid flowchart
  --params FILE            params file (default params.yaml)
  --set KEY=VALUE          override a param, e.g. --set train.factors=50 (repeatable)
  --sweep KEY=V1,V2,...    one run per value; several --sweep flags make a grid
  --jobs N                 run up to N independent stages at once, each in its own
                           worker thread (default 1: in-process, one at a time)
  --wait SECONDS           if another pipeline is running here, wait for it
  -h, --help               show this help

Stages: ${STAGES.map((s) => s.name).join(", ")}
Outputs: data/ (see data/README.md), pipeline.lock, reports/`;

/** Expands `--sweep a=1,2 --sweep b=x,y` into the list of override sets. */
export function expandSweeps(sweeps: readonly string[]): string[][] {
  let combos: string[][] = [[]];
  for (const sweep of sweeps) {
    const eq = sweep.indexOf("=");
    if (eq <= 0) {
      throw new ParamsError(
        `Cannot use --sweep "${sweep}": expected key=v1,v2,... e.g. train.factors=20,50`,
      );
    }
    const key = sweep.slice(0, eq);
    const values = sweep.slice(eq + 1).split(",").map((v) => v.trim()).filter((v) => v !== "");
    if (values.length === 0) {
      throw new ParamsError(`Cannot use --sweep "${sweep}": no values after "="`);
    }
    combos = combos.flatMap((c) => values.map((v) => [...c, `${key}=${v}`]));
  }
  return combos;
}

async function readSummary(root: string): Promise<EvaluationSummary | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(atRoot(metricsSummaryFile, root)));
  } catch {
    return undefined;
  }
}

/** Fit seconds per model from `data/metrics/<model>/timings.json` (models without one are left out). */
async function readFitTimes(
  root: string,
  summary: EvaluationSummary,
): Promise<Record<string, FitTimes>> {
  const out: Record<string, FitTimes> = {};
  for (const { model } of summary.models) {
    try {
      const path = atRoot(metricsTimingsFile, root, { model });
      out[model] = JSON.parse(await Deno.readTextFile(path)).fitSeconds;
    } catch {
      // no timings: the table shows "-"
    }
  }
  return out;
}

/** A metric cell as a number for sorting; "-" (missing) sorts last. */
function orLast(cell: string): number {
  const n = Number(cell);
  return Number.isFinite(n) ? n : Infinity;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: "string" },
      only: { type: "string" },
      from: { type: "string" },
      force: { type: "boolean", default: false },
      "no-run-cache": { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      graph: { type: "boolean", default: false },
      params: { type: "string", default: "params.yaml" },
      set: { type: "string", multiple: true, default: [] },
      sweep: { type: "string", multiple: true, default: [] },
      jobs: { type: "string", default: "1" },
      wait: { type: "string", default: "0" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const root = Deno.cwd();
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new ParamsError(`Invalid --jobs "${values.jobs}": expected a whole number >= 1`);
  }
  const waitSeconds = Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    throw new ParamsError(`Invalid --wait "${values.wait}": expected seconds >= 0`);
  }
  if (values.only && values.from) throw new ParamsError("Use either --only or --from, not both");

  const fileParams = await readParamsFile(
    resolve(root, values.params),
    values.params !== "params.yaml",
  );
  const baseOverrides = [...values.set];
  if (values.dataset !== undefined) {
    baseOverrides.push(`etl.dataset=${JSON.stringify(values.dataset)}`);
  }
  const combos = expandSweeps(values.sweep);
  // Validate every combination before anything runs.
  const validated = combos.map((combo) =>
    validateParams(STAGES, applyOverrides(fileParams, [...baseOverrides, ...combo]))
  );

  if (values.graph) {
    const { buildGraph } = await import("./dag/graph.ts");
    const graph = buildGraph(STAGES, () => true);
    console.log(graphText(graph));
    console.log("\n```mermaid\n" + graphMermaid(graph) + "\n```");
    return 0;
  }

  const release = await acquireProcessLock(root, { waitSeconds, onWait: (m) => console.error(m) });
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) Deno.exit(130);
    interrupted = true;
    console.error("\nInterrupted: removing unfinished outputs; finished stages stay cached.");
    controller.abort(new Error("Interrupted by signal"));
    removeActiveTemps();
    release();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    let allOk = true;
    const sweepRows: string[][] = [];
    // One bar for the whole sweep on a terminal (a line per run otherwise).
    const sweep = combos.length > 1 ? createSweepProgress(combos.length) : undefined;
    for (const [i, params] of validated.entries()) {
      sweep?.start(i, combos[i]!.join(" "));
      const startTime = Date.now();
      const started = performance.now();
      const invocationId = newRunId();
      const result = await runPipeline(STAGES, {
        root,
        params,
        runId: invocationId,
        startTime,
        jobs,
        workers: jobs > 1,
        ...(values["no-run-cache"] ? {} : { runCache: resolve(root, ".cache/runs") }),
        redact: redactUri,
        force: values.force,
        dryRun: values["dry-run"],
        signal: controller.signal,
        ...(values.only ? { only: values.only } : {}),
        ...(values.from ? { from: values.from } : {}),
      });
      if (values["dry-run"]) {
        console.log(formatPlan(result.plan));
        continue;
      }
      const evaluated = result.outcomes.some((o) => o.stage === "evaluate");
      const summary = evaluated && result.ok ? await readSummary(root) : undefined;
      if (summary) {
        console.log(`\n${formatComparisonTable(summary, await readFitTimes(root, summary))}`);
      }
      console.log(`\n${formatOutcomes(result.outcomes)}`);
      console.log(
        `pipeline ${result.ok ? "finished" : "FAILED"} in ${
          formatSeconds((performance.now() - started) / 1000)
        }`,
      );
      allOk &&= result.ok;
      if (combos.length > 1 && summary) {
        for (const row of summary.models) {
          const m = (key: string) => row.metrics[key]?.mean;
          const fmt = (
            v: number | undefined,
          ) => (v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(4));
          sweepRows.push([
            combos[i]!.join(" "),
            row.model,
            fmt(m("rmse")),
            fmt(m("mae")),
            fmt(m("explained_variance")),
          ]);
        }
      }
    }
    sweep?.end();
    if (sweepRows.length > 0) {
      console.log(
        `\nSweep: ${combos.length} runs\n${
          formatTable(
            ["params", "model", "RMSE", "MAE", "EV"],
            sweepRows.sort((a, b) => orLast(a[2]!) - orLast(b[2]!)),
            { rule: true },
          )
        }`,
      );
    }
    return allOk ? 0 : 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    release();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    // parseArgs reports unknown or malformed flags as TypeErrors with an ERR_PARSE_ARGS_* code.
    const usage = e instanceof TypeError &&
      String((e as { code?: string }).code).startsWith("ERR_PARSE_ARGS");
    if (e instanceof ParamsError || e instanceof GraphError || e instanceof BusyError || usage) {
      console.error(`error: ${e.message}`);
      Deno.exit(2);
    }
    throw e;
  }
}
