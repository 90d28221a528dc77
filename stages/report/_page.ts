/**
 * The HTML shell shared by every report page: head, inline CSS, header with
 * navigation, footer. Everything is inline so a page opens offline.
 *
 * @module
 */
import { escapeHtml } from "./_html.ts";
import { pageKeyMeta } from "./_page_key.ts";

/** Inputs of {@linkcode renderPage}. */
export interface PageOptions {
  readonly title: string;
  /** Subtitle under the title (plain text). */
  readonly subtitle?: string;
  /** Already-escaped body markup. */
  readonly body: string;
  /** Path from the page to the report root (`""` or `"../"`). */
  readonly root: string;
  /** Script files (paths relative to the page) loaded before the inline scripts. */
  readonly externalScripts?: readonly string[];
  /** Inline scripts (already safe for `<script>`), placed at the end of the body. */
  readonly scripts?: readonly string[];
  /** When the page was generated (shown in the footer). */
  readonly generatedAt?: Date;
  /** Content key of the page (hex), embedded as `<meta name="report-key">` for incremental builds. */
  readonly reportKey?: string;
}

const CSS = `
:root {
  --fg: #1d232b; --muted: #5b6573; --line: #e1e5ea; --bg: #f6f7f9; --card: #fff;
  --accent: #2f6fd0; --best: #e7f6ec; --best-line: #2e9e58; --fail: #b3261e; --fail-bg: #fdecea;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
header.top {
  background: #18202b; color: #fff; padding: 14px 28px; display: flex; align-items: baseline;
  gap: 24px; flex-wrap: wrap;
}
header.top .brand { font-weight: 650; font-size: 16px; letter-spacing: .2px; }
header.top nav a { color: #c9d6ea; margin-right: 16px; text-decoration: none; }
header.top nav a:hover { color: #fff; text-decoration: underline; }
main { max-width: 1440px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; font-weight: 650; }
h2 { font-size: 18px; margin: 32px 0 12px; font-weight: 650; }
h3 { font-size: 15px; margin: 0 0 2px; font-weight: 650; }
p.subtitle { color: var(--muted); margin: 0 0 20px; }
a { color: var(--accent); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); }
.kpis { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); margin: 8px 0 8px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
.kpi .value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi .ci { color: var(--muted); font-size: 12px; }
main > figure.chart { margin-bottom: 16px; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; min-width: 0; }
figure.chart figcaption p { margin: 0 0 10px; color: var(--muted); font-size: 13px; }
figure.chart svg { max-width: 100%; height: auto; }
figure.chart .note { color: var(--muted); font-size: 12px; margin-top: 6px; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; white-space: nowrap; }
td.num, th.num { text-align: right; }
thead th { background: #eef1f5; font-weight: 600; font-size: 12.5px; position: sticky; top: 0; }
table.sortable thead th { cursor: pointer; user-select: none; }
table.sortable thead th:hover { background: #e2e7ee; }
table.sortable thead th[aria-sort="ascending"]::after { content: " ▲"; font-size: 10px; }
table.sortable thead th[aria-sort="descending"]::after { content: " ▼"; font-size: 10px; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody tr.best { background: var(--best); box-shadow: inset 4px 0 0 var(--best-line); }
tbody tr.failed { color: #6b6f76; }
td.params { white-space: normal; min-width: 220px; max-width: 320px; font-family: var(--mono); font-size: 12px; }
td small, .muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 11.5px; font-weight: 600; line-height: 18px; }
.badge.best { background: var(--best-line); color: #fff; }
.badge.failed { background: var(--fail-bg); color: var(--fail); }
.badge.running { background: #fff4d6; color: #8a5a00; }
.badge.finished { background: #eef1f5; color: var(--muted); }
.badge.cached { background: #e8effa; color: #2a5aa8; }
.badge.ran { background: #eef1f5; color: var(--fg); }
.alert { border-color: #f3b4ae; background: var(--fail-bg); margin: 0 0 16px; }
.better { color: #1f7a43; font-weight: 600; }
.worse { color: var(--fail); font-weight: 600; }
.pager { display: flex; align-items: center; gap: 10px; padding: 10px 12px; }
.pager button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
.pager button:disabled { opacity: .45; cursor: default; }
.empty { text-align: center; padding: 56px 24px; }
.empty code, code { font-family: var(--mono); background: #eef1f5; padding: 1px 6px; border-radius: 4px; }
.empty pre { display: inline-block; text-align: left; background: #18202b; color: #e6edf6; padding: 12px 18px; border-radius: 8px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; word-break: break-all; }
ol.movies { margin: 4px 0 0; padding-left: 22px; }
ol.movies li, ul.movies li { margin: 1px 0; }
ul.movies { margin: 4px 0 0; padding-left: 18px; }
.user-card h3 { margin-bottom: 6px; }
.two-col { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 16px; }
#runs-explorer { width: 100%; }
.controls { display: flex; gap: 16px; flex-wrap: wrap; margin: 0 0 8px; font-size: 13px; }
.controls select { font: inherit; padding: 2px 6px; }
.live-chart { min-height: 120px; overflow-x: auto; }
td.num.param { font-family: var(--mono); font-size: 12px; }
.tie { color: var(--muted); font-size: 11px; }
`;

/** Wraps page content in the shared HTML shell. */
export function renderPage(options: PageOptions): string {
  const root = options.root;
  const scripts = [
    ...(options.externalScripts ?? []).map((src) => `<script src="${escapeHtml(src)}"></script>`),
    ...(options.scripts ?? []).map((s) => `<script>${s}</script>`),
  ].join("\n");
  const generated = options.generatedAt
    ? `Generated ${
      escapeHtml(options.generatedAt.toISOString().slice(0, 16).replace("T", " "))
    } UTC · `
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${
    options.reportKey
      ? `${pageKeyMeta(escapeHtml(options.reportKey))}\n`
      : ""
  }<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><span class="brand">Movie recommender · experiments</span>
<nav><a href="${root}index.html">All runs</a></nav></header>
<main>
<h1>${escapeHtml(options.title)}</h1>
${options.subtitle ? `<p class="subtitle">${escapeHtml(options.subtitle)}</p>` : ""}
${options.body}
</main>
<footer>${generated}Static report: works offline, no network requests.</footer>
${scripts}
</body>
</html>
`;
}

/** A chart figure with a title and one sentence on what it shows. */
export function renderFigure(options: {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  /** Chart markup (an SVG or a container a script fills). */
  readonly chart: string;
  /** How many data marks the chart draws (tests compare with the `.datum-mark` count). */
  readonly marks: number;
  readonly note?: string;
}): string {
  return `<figure class="chart" id="chart-${escapeHtml(options.id)}" data-chart="${
    escapeHtml(options.id)
  }" data-marks="${options.marks}">
<figcaption><h3>${escapeHtml(options.title)}</h3><p>${escapeHtml(options.caption)}</p></figcaption>
${options.chart}
${options.note ? `<div class="note">${escapeHtml(options.note)}</div>` : ""}
</figure>`;
}
