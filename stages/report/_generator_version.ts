/**
 * The version of the report generator's own code, so that a page rendered by
 * older code is never taken as up to date: the pipeline's code hash
 * (`dag/code_hash.ts`, the one hasher of stage keys) of the module that writes
 * the pages: every local module it reaches and the locked version of every
 * npm package it reaches (the chart libraries among them). No manual bump is
 * needed.
 *
 * @module
 */
import { hashCode } from "../../dag/code_hash.ts";

/** The module whose code graph renders every page. */
const _RENDERER = new URL("./write_reports.ts", import.meta.url);

let _version: Promise<string> | undefined;

/**
 * The generator's code version (hex), computed once per process. When the
 * sources cannot be read (e.g. the code runs from a remote URL) it is a random
 * value, so every page is rendered again rather than trusted.
 */
export function generatorVersion(): Promise<string> {
  _version ??= (async () => {
    if (_RENDERER.protocol !== "file:") throw new Error(`not a file URL: ${_RENDERER.href}`);
    return await hashCode(_RENDERER.href);
  })().catch(() => `unversioned-${crypto.randomUUID()}`);
  return _version;
}
