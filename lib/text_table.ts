/**
 * Plain-text tables with aligned columns, for terminals and logs: the
 * pipeline's stage and comparison tables, `deno task runs`.
 *
 * @module
 */

/** Column alignment: numbers read best right-aligned. */
export type Align = "left" | "right";

/** Options of {@linkcode formatTable}. */
export interface TableOptions {
  /** Alignment per column; missing columns are left-aligned. */
  readonly align?: readonly Align[];
  /** Draw a rule of dashes under the header. */
  readonly rule?: boolean;
  /** Longest rule under one column (default: the column's width), so a free-text column draws no long line. */
  readonly maxRule?: number;
}

/**
 * Lays out rows under a header with two spaces between columns, trailing
 * spaces trimmed. Widths count code points, so arrows and accents do not
 * break alignment.
 *
 * @example
 * ```ts
 * import { formatTable } from "./text_table.ts";
 * const text = formatTable(["metric", "value"], [["rmse", "0.87"]], {
 *   align: ["left", "right"],
 *   rule: true,
 * });
 * if (text !== "metric  value\n------  -----\nrmse     0.87") throw new Error(text);
 * ```
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const { align = [], rule = false, maxRule = Infinity } = options;
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ""))));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => {
      const pad = " ".repeat(Math.max(0, widths[i]! - width(cell)));
      return align[i] === "right" ? pad + cell : cell + pad;
    }).join("  ").trimEnd();
  const lines = all.map(line);
  if (rule) lines.splice(1, 0, line(widths.map((w) => "-".repeat(Math.min(w, maxRule)))));
  return lines.join("\n");
}

function width(text: string): number {
  return [...text].length;
}
