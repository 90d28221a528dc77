/**
 * `deno task catalog`: writes `data/README.md` from the catalog
 * (`--check` only reports whether the committed file is up to date).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../lib/atomic.ts";
import { renderDataReadme } from "./readme.ts";

const README = fileURLToPath(new URL("../data/README.md", import.meta.url));

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { check: { type: "boolean" } } });
  const text = renderDataReadme();
  const current = await Deno.readTextFile(README).catch(() => "");
  if (values.check) {
    if (current !== text) {
      console.error("data/README.md is out of date: run `deno task catalog`");
      Deno.exit(1);
    }
    console.error("data/README.md is up to date");
  } else if (current === text) console.error("data/README.md is up to date");
  else {
    await writeFileAtomic(README, text);
    console.error("data/README.md written from data_catalog/datasets.ts");
  }
}
