/**
 * Parses generated pages in tests with linkedom (no browser needed) and reads
 * the chart figures' declared and drawn mark counts.
 *
 * @module
 */
import { parseHTML } from "linkedom";

/** The bit of the DOM the tests read. */
export interface TestElement {
  readonly textContent: string | null;
  readonly innerHTML: string;
  readonly tagName: string;
  readonly children: ArrayLike<TestElement>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): TestElement | null;
  querySelectorAll(selector: string): ArrayLike<TestElement> & Iterable<TestElement>;
  closest(selector: string): TestElement | null;
}

/** Parses a page; returns its document. */
export function parsePage(html: string): TestElement {
  return (parseHTML(html) as unknown as { document: TestElement }).document;
}

/** Each chart figure: id, declared marks, drawn `.datum-mark` elements and their run ids. */
export function chartMarks(
  doc: TestElement,
): { id: string; declared: number; drawn: number; runIds: string[]; hasSvg: boolean }[] {
  return [...doc.querySelectorAll("figure.chart")].map((fig) => {
    const marks = [...fig.querySelectorAll(".datum-mark")];
    return {
      id: fig.getAttribute("data-chart") ?? "",
      declared: Number(fig.getAttribute("data-marks")),
      drawn: marks.length,
      runIds: marks.map((m) => m.getAttribute("data-run-id") ?? "").filter((s) => s !== ""),
      hasSvg: fig.querySelector("svg") !== null,
    };
  });
}
