/**
 * The data catalog: every dataset the pipeline reads or writes, named once
 * (path, format, owning stage, schema), the readers and writers that check
 * tables against it, and the generator of `data/README.md`.
 *
 * @module
 */
export * from "./datasets.ts";
export * from "./table.ts";
export { renderDataReadme } from "./readme.ts";
