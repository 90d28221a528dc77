/**
 * Observable Plot rendered to an SVG string at build time with linkedom's
 * document. Data marks get `class="datum-mark"` and, for per-run marks,
 * `data-run-id`, so tests (and readers of the HTML) can count them.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { escapeHtml } from "./_html.ts";

/** Which Plot mark holds the data points and how its elements map to runs. */
export interface DatumMarks {
  /** `className` given to the data mark in the plot options. */
  readonly className: string;
  /** For per-run marks: run id by the element's `href` (the mark's `href` channel). */
  readonly runIdByHref?: ReadonlyMap<string, string>;
}

/** The bit of linkedom's DOM this module touches (Deno has no DOM lib types). */
interface _Element {
  readonly tagName: string;
  readonly outerHTML: string;
  readonly parentElement: _Element | null;
  querySelectorAll(selector: string): Iterable<_Element>;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
}

const SHAPES = new Set(["circle", "rect", "path", "line", "text"]);

/**
 * Renders a plot to SVG markup (a `<figure>` when Plot adds a legend).
 * Elements of each mark named in `datumMarks` are tagged as described above.
 */
export function renderPlot(
  options: Plot.PlotOptions,
  datumMarks: readonly DatumMarks[] = [],
): string {
  const { document } = parseHTML(
    "<!doctype html><html><head></head><body></body></html>",
  ) as unknown as { document: unknown };
  const node = Plot.plot({ ...options, document } as Plot.PlotOptions) as unknown as _Element;
  const ids: string[] = [];
  const nonce = crypto.randomUUID().slice(0, 8);
  for (const marks of datumMarks) {
    const groups = node.querySelectorAll(`g.${marks.className}`);
    for (const group of groups) {
      for (const el of group.querySelectorAll("*")) {
        if (!SHAPES.has(el.tagName.toLowerCase())) continue;
        el.setAttribute("class", "datum-mark");
        const href = el.parentElement?.getAttribute("href");
        const runId = href !== undefined && href !== null
          ? marks.runIdByHref?.get(href)
          : undefined;
        if (runId !== undefined) {
          // linkedom does not escape `&` or `<` in attribute values: write a
          // placeholder and substitute the escaped id after serialising.
          el.setAttribute("data-run-id", `rid-${nonce}-${ids.length}`);
          ids.push(runId);
        }
      }
    }
  }
  const placeholder = new RegExp(`rid-${nonce}-(\\d+)`, "g");
  return node.outerHTML.replace(placeholder, (_: string, i: string) => escapeHtml(ids[Number(i)]));
}
