/**
 * Vega's browser bundle, read from the installed npm package so the report
 * embeds it inline (no CDN: the page works offline from file://).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

let _cached: string | undefined;

/**
 * The text of `vega/build/vega.min.js`, safe to place inside `<script>`.
 *
 * @throws {Error} When the npm package is not installed (run `deno install`).
 */
export function vegaBrowserBundle(): string {
  if (_cached !== undefined) return _cached;
  const moduleUrl = import.meta.resolve("vega");
  if (!moduleUrl.startsWith("file:")) {
    throw new Error(
      `Cannot find Vega's browser bundle: "vega" resolves to ${moduleUrl}, not a file; ` +
        `keep "nodeModulesDir": "auto" in deno.json and run \`deno install\``,
    );
  }
  const path = fileURLToPath(new URL("./vega.min.js", moduleUrl));
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(
      `Cannot read Vega's browser bundle: ${path} (${
        (error as Error).message
      }); run \`deno install\` so node_modules holds the vega package`,
    );
  }
  // The bundle never contains `</script`, but make sure it cannot end the element.
  _cached = text.replace(/<\/(script)/gi, "<\\/$1");
  return _cached;
}
