/**
 * Small helpers every layer shares and that import nothing of the project:
 * atomic writes (temp file + rename), `pathExists`, and the aligned text
 * tables the CLIs print. `dag/`, `stages/`, `tracking/` and `api/` may all
 * import them without depending on each other.
 *
 * @module
 */
export * from "./atomic.ts";
export { pathExists } from "./path_exists.ts";
export * from "./text_table.ts";
