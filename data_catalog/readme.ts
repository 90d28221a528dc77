/**
 * Renders `data/README.md` from the catalog, so the documented layout is the
 * one the code reads and writes. `deno task catalog` writes it; a test fails
 * when the committed file differs from what this renders.
 *
 * @module
 */
import { datasetPath, type FileDataset, FILES, FOLDERS } from "./datasets.ts";

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|");
}

function typeCell(ds: FileDataset): string {
  if (ds.kind === "parquet") return "parquet (columns below)";
  return ds.definedIn ? `${ds.kind}, see \`${ds.definedIn}\`` : ds.kind;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)]
    .join("\n");
}

/** The text of `data/README.md`. */
export function renderDataReadme(): string {
  const folders = table(
    ["folder", "stage", "holds"],
    FOLDERS.map((f) => [`\`${f.path}/\``, f.stage, escapeCell(f.doc)]),
  );
  const files = table(
    ["path", "stage", "format", "contents"],
    FILES.map((ds) => [
      `\`${datasetPath(ds).replace(/^data\//, "")}\``,
      ds.folder.stage,
      escapeCell(typeCell(ds)),
      escapeCell(ds.doc),
    ]),
  );
  const details = FILES.filter((ds) => ds.kind === "parquet").map((ds) => {
    if (ds.kind !== "parquet") return "";
    const rows = Object.entries(ds.columns).map(([name, col]) => [
      `\`${name}\``,
      col.type + (col.nullable ? ", nullable" : ""),
      escapeCell(col.doc),
    ]);
    if (ds.patternColumns) {
      rows.push(["`genre_<name>`", ds.patternColumns.type, escapeCell(ds.patternColumns.doc)]);
    }
    return `### \`${datasetPath(ds).replace(/^data\//, "")}\`\n\n${
      table(["column", "type", "meaning"], rows)
    }\n`;
  });
  return `# data/: layout of pipeline outputs

<!-- Generated from data_catalog/datasets.ts by \`deno task catalog\`: edit that file, not this one. -->

Everything here is produced by \`deno task pipeline\` and ignored by git (only this README is
committed). Each folder is owned by one stage; a stage writes to temporary paths and the runner
renames them into place, so nothing here is ever half-written. Stages read and write the tables
below through the catalog (\`data_catalog/\`), which checks every column's name and type.

## Folders (the DAG's deps and outs)

${folders}

## Files

${files}

## Table schemas

${details.join("\n")}`;
}
