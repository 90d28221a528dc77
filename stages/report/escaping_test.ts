import assert from "node:assert/strict";
import { escapeHtml, safeUrl, scriptJson } from "./_html.ts";
import { renderIndex, renderIndexPage } from "./index_page.ts";
import { dataScript } from "./index_data.ts";
import { renderRunPage } from "./run_page.ts";
import { renderComparePage } from "./compare_page.ts";
import { makeReportData, makeRun, NASTY_TITLE } from "./_test_fixtures.ts";
import { parsePage } from "./_test_dom.ts";

/** Script elements whose content is not one of ours: JSON specs or our known boot code. */
function _scriptBodies(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
}

Deno.test("escapeHtml() escapes the five HTML-special characters and keeps non-ASCII", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a> é 東`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; é 東",
  );
  assert.equal(escapeHtml(undefined), "");
});

Deno.test("scriptJson() cannot close a script element and round-trips", () => {
  const value = { title: NASTY_TITLE, sep: "\u2028" };
  const json = scriptJson(value);
  assert.ok(!json.includes("<"), json);
  assert.ok(!json.includes("\u2028"));
  assert.deepEqual(JSON.parse(json), value);
});

Deno.test("safeUrl() refuses script URLs and keeps relative and http links", async (t) => {
  for (
    const [input, expected] of [
      ["javascript:alert(1)", "#"],
      [" JavaScript:alert(1)", "#"],
      ["data:text/html,x", "#"],
      [
        "http://127.0.0.1:5000/#/experiments/1/runs/abc",
        "http://127.0.0.1:5000/#/experiments/1/runs/abc",
      ],
      ["../notebooks/eda.ipynb", "../notebooks/eda.ipynb"],
      [undefined, "#"],
    ] as const
  ) {
    await t.step(String(input), () => assert.equal(safeUrl(input), expected));
  }
});

Deno.test("renderRunPage() shows a title with quotes, <script>, & and non-ASCII as text", async () => {
  const run = makeRun({ id: "r1", runName: NASTY_TITLE });
  const html = await renderRunPage(run, makeReportData());
  assert.ok(!html.includes("<script>alert"), "raw script tag leaked");
  assert.ok(html.includes("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  const doc = parsePage(html);
  const titles = [...doc.querySelectorAll("ol.movies li")].map((li) => li.textContent ?? "");
  assert.ok(titles.some((t) => t.startsWith(NASTY_TITLE)), "title not shown verbatim");
  assert.equal(doc.querySelector("h1")?.textContent, `Run ${NASTY_TITLE}`);
  assert.equal(doc.querySelectorAll("script").length, 0);
});

Deno.test("renderIndexPage() escapes run names and models in the table, charts and inline JSON", async () => {
  const runs = [
    makeRun({ id: "ok-1", rmse: 0.9 }),
    makeRun({
      id: `evil"&<id>`,
      runName: NASTY_TITLE,
      model: `<img src=x onerror=alert(1)>`,
      rmse: 0.91,
    }),
  ];
  const html = await renderIndexPage(runs);
  assert.ok(!html.includes("<script>alert"), "raw script tag leaked");
  assert.ok(!html.includes("<img src=x"), "raw img tag leaked");
  for (const body of _scriptBodies(html)) {
    assert.ok(!body.includes("</script"), "a script body can close its element");
  }
  const { data } = await renderIndex(runs);
  const script = dataScript("__X__", data);
  assert.ok(!/<\/script|<img|<script/i.test(script), "the data script holds raw markup");
  const parsed = JSON.parse(script.slice("window.__X__ = ".length, -2));
  assert.ok(parsed.runs.some((r: { name: string }) => r.name === NASTY_TITLE));
  const doc = parsePage(html);
  const row = doc.querySelector(`tr[data-run-id="evil&quot;&amp;&lt;id&gt;"]`) ??
    [...doc.querySelectorAll("tbody tr")].find((r) =>
      r.getAttribute("data-run-id") === `evil"&<id>`
    );
  assert.ok(row, "row of the run with a nasty id not found");
  const ids = [...doc.querySelectorAll("[data-run-id]")].map((e) => e.getAttribute("data-run-id"));
  assert.ok(ids.includes(`evil"&<id>`), "chart marks lost the exact run id");
  assert.ok(
    doc.querySelectorAll(`#chart-rmse-over-time [data-run-id]`).length === 2,
    "the static chart lost a run",
  );
});

Deno.test("renderComparePage() escapes names and param values", () => {
  const a = makeRun({ id: "a", runName: NASTY_TITLE });
  const b = makeRun({ id: "b", runName: "plain", factors: 50 });
  const html = renderComparePage(a, { ...b, params: { ...b.params, "train.note": "<b>bold</b>" } });
  assert.ok(!html.includes("<script>alert"));
  assert.ok(!html.includes("<b>bold</b>"));
  assert.ok(html.includes("&lt;b&gt;bold&lt;/b&gt;"));
});

Deno.test("renderRunPage() does not link a javascript: MLflow URL", async () => {
  const html = await renderRunPage(makeRun({ id: "m", mlflowUrl: "javascript:alert(1)" }));
  assert.ok(!html.includes("javascript:"));
  const ok = await renderRunPage(makeRun({ id: "m", mlflowUrl: "http://127.0.0.1:5000/#/runs/m" }));
  assert.ok(ok.includes(`href="http://127.0.0.1:5000/#/runs/m"`));
});
