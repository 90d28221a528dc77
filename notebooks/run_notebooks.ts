/**
 * `deno task notebooks`: executes every notebook of `notebooks/` headless on
 * the Deno Jupyter kernel (nbclient from `.venv`, working directory
 * `notebooks/`), and writes each executed notebook to
 * `reports/notebooks/<name>.ipynb` and `<name>.html`, plus an `index.html`.
 * Runs the pipeline first when `data/processed/` has no ratings. Exits
 * non-zero when a cell fails (the failing notebook is still written, so its
 * error can be read in the HTML).
 *
 * Usage: `deno task notebooks [NAME ...]` (names or file names of notebooks;
 * default all). Environment: `NOTEBOOK_DATASET` (dataset for the pipeline,
 * default `../shared/data/ml-latest-small.zip` relative to the repository, else
 * the pipeline's own default), `NOTEBOOK_PYTHON` (default `.venv/bin/python`),
 * `NOTEBOOK_TIMEOUT` (seconds per cell, default 600).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeTextAtomic } from "../lib/atomic.ts";
import { reportFromStore } from "../stages/report/cli.ts";
import { openRunStore } from "../tracking/mod.ts";
import {
  atRoot,
  ratingsTable,
} from "../data_catalog/mod.ts";

const NOTEBOOKS_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(NOTEBOOKS_DIR);

/** Where `deno task notebooks` writes the executed notebooks. */
export const REPORT_DIR: string = join(REPO, "reports", "notebooks");

/** The notebooks of `notebooks/`, sorted by file name (`01_...` first). */
export function listNotebooks(dir: string = NOTEBOOKS_DIR): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb") && !e.name.startsWith("."))
    .map((e) => join(dir, e.name))
    .sort();
}

/** Outcome of executing one notebook. */
export interface NotebookOutcome {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
}

function _log(message: string): void {
  console.error(`notebooks: ${message}`);
}

async function _run(cmd: string, args: string[], cwd: string): Promise<number> {
  const child = new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "inherit",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  return (await child.status).code;
}

/** Runs the pipeline when `data/processed/ratings.parquet` is missing. */
async function _ensurePipelineOutput(): Promise<void> {
  if (existsSync(atRoot(ratingsTable, REPO))) return;
  const local = resolve(REPO, "..", "shared", "data", "ml-latest-small.zip");
  const dataset = Deno.env.get("NOTEBOOK_DATASET") ?? (existsSync(local) ? local : undefined);
  const args = ["task", "pipeline", ...(dataset ? ["--dataset", dataset] : [])];
  _log(`data/processed is missing: running deno ${args.join(" ")}`);
  const code = await _run(Deno.execPath(), args, REPO);
  if (code !== 0 || !existsSync(atRoot(ratingsTable, REPO))) {
    throw new Error(
      `Cannot run the notebooks: the pipeline failed (exit ${code}) and data/processed/ratings.parquet ` +
        "is missing; run `deno task pipeline` and fix its error, or set NOTEBOOK_DATASET",
    );
  }
}

function _python(): string {
  const python = Deno.env.get("NOTEBOOK_PYTHON") ?? join(REPO, ".venv", "bin", "python");
  if (!existsSync(python) && python.includes("/")) {
    throw new Error(
      `Cannot run the notebooks: ${python} does not exist; run \`deno task setup\` ` +
        "(it creates .venv with nbclient and nbconvert) or set NOTEBOOK_PYTHON",
    );
  }
  return python;
}

function _escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Writes `reports/notebooks/index.html` linking every executed notebook found there. */
async function _writeIndex(outcomes: readonly NotebookOutcome[]): Promise<void> {
  const byName = new Map(outcomes.map((o) => [o.name, o]));
  const names = [...Deno.readDirSync(REPORT_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".html") && e.name !== "index.html")
    .map((e) => e.name.slice(0, -".html".length))
    .sort();
  const items = names.map((name) => {
    const o = byName.get(name);
    const status = o === undefined ? "" : o.ok ? ` (${o.seconds.toFixed(1)} s)` : " (failed)";
    const n = _escape(name);
    return `<li><a href="${n}.html">${n}</a>${status} · <a href="${n}.ipynb">.ipynb</a></li>`;
  });
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Notebooks</title>
<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2rem auto;padding:0 1rem;color:#1d232b}
a{color:#4269d0}li{margin:.4rem 0}</style></head>
<body><h1>Notebooks</h1>
<p>Executed headless on the Deno kernel by <code>deno task notebooks</code> on ${
    _escape(new Date().toISOString())
  }.</p>
<ul>
${items.join("\n")}
</ul></body></html>
`;
  await writeTextAtomic(join(REPORT_DIR, "index.html"), html);
}

/** Executes the given notebooks (default all) and returns one outcome per notebook. */
export async function runNotebooks(
  paths: readonly string[] = listNotebooks(),
): Promise<NotebookOutcome[]> {
  await _ensurePipelineOutput();
  const python = _python();
  const timeout = Deno.env.get("NOTEBOOK_TIMEOUT") ?? "600";
  await Deno.mkdir(REPORT_DIR, { recursive: true });
  const outcomes: NotebookOutcome[] = [];
  for (const path of paths) {
    const name = basename(path, ".ipynb");
    _log(`executing ${relative(REPO, path)}`);
    const started = performance.now();
    const code = await _run(python, [
      join(NOTEBOOKS_DIR, "_execute.py"),
      path,
      REPORT_DIR,
      "--cwd",
      NOTEBOOKS_DIR,
      "--timeout",
      timeout,
    ], REPO);
    const seconds = (performance.now() - started) / 1000;
    if (code === 2) {
      throw new Error(
        `Cannot run the notebooks: the set-up is incomplete (see above); run \`deno task setup\``,
      );
    }
    outcomes.push({ name, ok: code === 0, seconds });
  }
  await _writeIndex(outcomes);
  return outcomes;
}

function _select(args: readonly string[]): string[] {
  const all = listNotebooks();
  if (args.length === 0) return all;
  return args.map((arg) => {
    const want = basename(arg, ".ipynb");
    const found = all.find((p) => basename(p, ".ipynb") === want || basename(p).startsWith(want));
    if (!found) {
      throw new Error(
        `Unknown notebook "${arg}": expected one of ${all.map((p) => basename(p)).join(", ")}`,
      );
    }
    return found;
  });
}

if (import.meta.main) {
  try {
    const outcomes = await runNotebooks(_select(Deno.args));
    const failed = outcomes.filter((o) => !o.ok);
    for (const o of outcomes) {
      _log(`${o.ok ? "ok" : "FAILED"} ${o.name} (${o.seconds.toFixed(1)} s)`);
    }
    _log(`wrote ${relative(REPO, REPORT_DIR)}/index.html`);
    // Rebuild the experiment report so its index links the executed notebooks.
    const report = await reportFromStore(openRunStore({ root: join(REPO, "runs") }), {
      outDir: join(REPO, "reports"),
      notebooksDir: REPORT_DIR,
    });
    _log(`linked them from ${relative(REPO, report.index)}`);
    if (failed.length > 0) {
      _log(`${failed.length} notebook(s) failed: ${failed.map((o) => o.name).join(", ")}`);
      Deno.exit(1);
    }
  } catch (error) {
    _log((error as Error).message);
    Deno.exit(1);
  }
}
