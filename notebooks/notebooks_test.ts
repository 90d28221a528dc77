/**
 * Checks the notebooks: the committed ones have their outputs cleared, and the
 * executed copies that `deno task notebooks` writes to `reports/notebooks/`
 * ran without an error and drew every chart. Without executed copies the
 * second group is skipped with a notice, or fails when `REQUIRE_JUPYTER=1`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { listNotebooks, REPORT_DIR } from "./run_notebooks.ts";

interface _Output {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  name?: string;
  text?: string | string[];
}

interface _Cell {
  cell_type: string;
  source: string | string[];
  metadata?: { tags?: string[] };
  outputs?: _Output[];
  execution_count?: number | null;
}

interface _Notebook {
  cells: _Cell[];
  metadata: { kernelspec?: { name?: string } };
}

function _read(path: string): _Notebook {
  return JSON.parse(Deno.readTextFileSync(path)) as _Notebook;
}

function _text(value: unknown): string {
  return Array.isArray(value) ? value.join("") : typeof value === "string" ? value : "";
}

function _firstLine(cell: _Cell): string {
  return _text(cell.source).split("\n")[0]!.slice(0, 80);
}

/** True when one of the outputs is a drawn chart (SVG, PNG, or HTML holding an SVG). */
function hasChartOutput(outputs: readonly _Output[]): boolean {
  return outputs.some((o) => {
    const data = o.data ?? {};
    const svg = _text(data["image/svg+xml"]);
    if (svg.includes("<svg")) return true;
    if (_text(data["image/png"]).length > 0) return true;
    return /<svg[\s>]/.test(_text(data["text/html"]));
  });
}

const COMMITTED = listNotebooks();

Deno.test("the notebooks folder holds the three notebooks of issue 7", () => {
  assert.deepEqual(COMMITTED.map((p) => basename(p)), [
    "01_explore_movielens.ipynb",
    "02_train_and_compare.ipynb",
    "03_recommendations.ipynb",
  ]);
});

for (const path of COMMITTED) {
  const name = basename(path);
  Deno.test(`committed ${name} has its outputs cleared and runs on the Deno kernel`, () => {
    const nb = _read(path);
    assert.equal(nb.metadata.kernelspec?.name, "deno", "kernelspec.name should be deno");
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assert.ok(code.length > 0, "no code cells");
    for (const cell of code) {
      assert.deepEqual(cell.outputs ?? [], [], `cell "${_firstLine(cell)}" has outputs`);
      assert.equal(
        cell.execution_count ?? null,
        null,
        `cell "${_firstLine(cell)}" has an execution count`,
      );
    }
    const charts = code.filter((c) => c.metadata?.tags?.includes("chart"));
    assert.ok(charts.length > 0, 'no cell is tagged "chart"');
  });

  Deno.test(`each chart cell of ${name} follows a markdown cell saying what it shows`, () => {
    const cells = _read(path).cells;
    cells.forEach((cell, i) => {
      if (cell.cell_type !== "code" || !cell.metadata?.tags?.includes("chart")) return;
      const before = cells.slice(0, i).reverse().find((c) => c.cell_type === "markdown");
      assert.ok(
        before !== undefined && _text(before.source).trim().length > 20,
        `chart cell "${_firstLine(cell)}" has no explanation before it`,
      );
    });
  });
}

const EXECUTED = existsSync(REPORT_DIR);
if (!EXECUTED && Deno.env.get("REQUIRE_JUPYTER") === "1") {
  Deno.test("executed notebooks exist in reports/notebooks (REQUIRE_JUPYTER=1)", () => {
    assert.fail(`${REPORT_DIR} is missing: run \`deno task notebooks\` first`);
  });
} else if (!EXECUTED) {
  console.log(
    `notebooks_test: skipping the executed-notebook checks: ${REPORT_DIR} is missing ` +
      "(run `deno task notebooks`; set REQUIRE_JUPYTER=1 to fail instead)",
  );
}

for (const path of COMMITTED) {
  const name = basename(path, ".ipynb");
  const executed = join(REPORT_DIR, `${name}.ipynb`);
  Deno.test({
    name: `executed ${name} has no error outputs and every chart cell drew a chart`,
    ignore: !EXECUTED,
    fn() {
      assert.ok(existsSync(executed), `${executed} is missing: run \`deno task notebooks\``);
      assert.ok(existsSync(join(REPORT_DIR, `${name}.html`)), `${name}.html is missing`);
      const nb = _read(executed);
      const committed = _read(path);
      assert.equal(
        nb.cells.length,
        committed.cells.length,
        "the executed copy has a different number of cells: run `deno task notebooks` again",
      );
      const code = nb.cells.filter((c) => c.cell_type === "code");
      for (const cell of code) {
        assert.equal(
          typeof cell.execution_count,
          "number",
          `cell "${_firstLine(cell)}" was not executed`,
        );
        for (const o of cell.outputs ?? []) {
          assert.notEqual(
            o.output_type,
            "error",
            `cell "${_firstLine(cell)}" failed: ${o.ename}: ${o.evalue}`,
          );
          assert.ok(
            !(o.output_type === "stream" && o.name === "stderr" && /\bError\b/.test(_text(o.text))),
            `cell "${_firstLine(cell)}" wrote an error to stderr: ${_text(o.text).slice(0, 200)}`,
          );
        }
        if (cell.metadata?.tags?.includes("chart")) {
          assert.ok(
            hasChartOutput(cell.outputs ?? []),
            `chart cell "${_firstLine(cell)}" drew no chart`,
          );
        }
      }
    },
  });
}

Deno.test({
  name: "the executed HTML pages load no script from the network",
  ignore: !EXECUTED,
  fn() {
    for (const path of COMMITTED) {
      const name = basename(path, ".ipynb");
      const html = Deno.readTextFileSync(join(REPORT_DIR, `${name}.html`));
      assert.doesNotMatch(
        html,
        /<script[^>]*\ssrc=["']?https?:/i,
        `${name}.html loads a remote script`,
      );
      assert.match(html, /<svg|data:image\/svg\+xml/, `${name}.html has no chart`);
    }
  },
});

Deno.test("hasChartOutput() accepts SVG, PNG and HTML with an SVG, nothing else", () => {
  assert.ok(
    hasChartOutput([{ output_type: "execute_result", data: { "image/svg+xml": "<svg></svg>" } }]),
  );
  assert.ok(
    hasChartOutput([{ output_type: "display_data", data: { "image/png": "iVBORw0KGgo=" } }]),
  );
  assert.ok(
    hasChartOutput([{
      output_type: "display_data",
      data: { "text/html": "<figure><svg width=1>" },
    }]),
  );
  assert.ok(
    !hasChartOutput([{ output_type: "execute_result", data: { "text/html": "<table></table>" } }]),
  );
  assert.ok(!hasChartOutput([{ output_type: "stream", name: "stdout", text: "<svg>" }]));
  assert.ok(!hasChartOutput([]));
});
