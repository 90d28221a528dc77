/**
 * Plain-text tables with aligned columns, for terminals and logs.
 *
 * @module
 */

/** Column alignment: numbers read best right-aligned. */
export type Align = "left" | "right";

/**
 * Lays out rows under a header with two spaces between columns. Widths count
 * code points, so arrows and accents do not break alignment.
 *
 * @example
 * ```ts
 * import { formatTable } from "./text_table.ts";
 * const text = formatTable(["metric", "value"], [["rmse", "0.87"]], ["left", "right"]);
 * if (text !== "metric  value\nrmse     0.87") throw new Error(text);
 * ```
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ""))));
  return all.map((row) =>
    row.map((cell, i) => {
      const pad = " ".repeat(widths[i]! - width(cell));
      return align[i] === "right" ? pad + cell : cell + pad;
    }).join("  ").trimEnd()
  ).join("\n");
}

function width(text: string): number {
  return [...text].length;
}
