/**
 * Inline charts and tables for the notebooks on the Deno Jupyter kernel. The
 * charts are rendered by the report stage's own helpers (Observable Plot with
 * linkedom's document, Vega-Lite through Vega's `toSVG()`), so a chart looks
 * the same in a notebook as in `reports/`. A returned value is shown by the
 * kernel through `Symbol.for("Jupyter.display")`: `image/svg+xml` for a bare
 * SVG, `text/html` for a `<figure>` with a legend or a table.
 *
 * @module
 */
import type * as Plot from "@observablehq/plot";
import type { TopLevelSpec } from "vega-lite";
import { escapeHtml, renderPlot, renderVegaLite, VEGA_CONFIG } from "../stages/report/mod.ts";

/** A value the Deno kernel displays with the given MIME bundle. */
export interface Displayable {
  /** The markup, for tests and for saving to a file. */
  readonly markup: string;
  [key: symbol]: () => Record<string, string>;
}

const _DISPLAY = Symbol.for("Jupyter.display");

function _displayable(markup: string): Displayable {
  if (!/^\s*<svg[\s>]/.test(markup)) return { markup, [_DISPLAY]: () => ({ "text/html": markup }) };
  // A standalone SVG (nbconvert embeds it as an <img>) needs its namespace.
  const svg = /^\s*<svg[^>]*\sxmlns=/.test(markup)
    ? markup
    : markup.replace(/^\s*<svg/, '<svg xmlns="http://www.w3.org/2000/svg"');
  return { markup: svg, [_DISPLAY]: () => ({ "image/svg+xml": svg }) };
}

/**
 * An Observable Plot chart, rendered to SVG without a browser.
 *
 * @example
 * ```ts ignore
 * import * as Plot from "@observablehq/plot";
 * plot({ marks: [Plot.barY([3, 1, 2])] }); // last expression of a cell: shown inline
 * ```
 */
export function plot(options: Plot.PlotOptions): Displayable {
  return _displayable(renderPlot({ style: { background: "white" }, ...options }));
}

/** A Vega-Lite chart, compiled and rendered to SVG by Vega (with the reports' styling). */
export async function vegaLite(spec: TopLevelSpec): Promise<Displayable> {
  const styled = { background: "white", ...spec, config: { ...VEGA_CONFIG, ...spec.config } };
  return _displayable(await renderVegaLite(styled as TopLevelSpec));
}

/** Options of {@linkcode table}. */
export interface TableOptions {
  /** Columns to show, in order. Default: the keys of the first row. */
  readonly columns?: readonly string[];
  /** Digits after the point for non-integer numbers. Default 3. */
  readonly digits?: number;
  readonly caption?: string;
}

/** An HTML table of plain rows (numbers rounded, everything escaped). */
export function table(
  rows: readonly Readonly<Record<string, unknown>>[],
  options: TableOptions = {},
): Displayable {
  if (rows.length === 0) return _displayable("<p><em>(no rows)</em></p>");
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  const digits = options.digits ?? 3;
  const cell = (v: unknown) => {
    if (typeof v === "number" && !Number.isInteger(v)) {
      return Number.isFinite(v) ? v.toFixed(digits) : String(v);
    }
    if (Array.isArray(v)) return v.join(", ");
    return v === null || v === undefined ? "" : String(v);
  };
  const head = columns.map((c) => `<th style="text-align:left">${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) =>
    `<tr>${
      columns.map((c) => {
        const v = r[c];
        const align = typeof v === "number" ? "right" : "left";
        return `<td style="text-align:${align}">${escapeHtml(cell(v))}</td>`;
      }).join("")
    }</tr>`
  ).join("\n");
  const caption = options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : "";
  return _displayable(
    `<table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`,
  );
}
