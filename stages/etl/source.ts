/**
 * Where the MovieLens data comes from: a GroupLens name, a URL, a local zip
 * or `synthetic`. One flag (`--dataset`) and one params key (`etl.dataset`).
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** GroupLens MovieLens releases we know the URL of. */
export const GROUPLENS_DATASETS = [
  "ml-latest-small",
  "ml-latest",
  "ml-100k",
  "ml-1m",
  "ml-10m",
  "ml-20m",
  "ml-25m",
  "ml-32m",
] as const;

const GROUPLENS_BASE = "https://files.grouplens.org/datasets/movielens";

/** A resolved data source. */
export type Source =
  | { readonly kind: "url"; readonly url: string; readonly name: string }
  | { readonly kind: "file"; readonly path: string; readonly name: string }
  | { readonly kind: "synthetic"; readonly name: "synthetic" };

/**
 * Resolves the `dataset` value to a source. Relative paths are resolved from
 * `cwd` (where the user typed the command).
 *
 * @example
 * ```ts
 * import { resolveSource } from "./source.ts";
 * const s = resolveSource("ml-100k", "/tmp");
 * if (s.kind !== "url" || !s.url.endsWith("/ml-100k.zip")) throw new Error(JSON.stringify(s));
 * ```
 */
export function resolveSource(dataset: string, cwd: string): Source {
  const value = dataset.trim();
  if (value === "synthetic") return { kind: "synthetic", name: "synthetic" };
  if ((GROUPLENS_DATASETS as readonly string[]).includes(value)) {
    // ml-10m's zip is published as ml-10m.zip and unpacks to ml-10M100K/.
    return { kind: "url", url: `${GROUPLENS_BASE}/${value}.zip`, name: value };
  }
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`Cannot use dataset "${value}": not a valid URL`);
    }
    const base = url.pathname.split("/").pop() || "dataset.zip";
    return { kind: "url", url: url.href, name: base.replace(/\.zip$/i, "") };
  }
  if (value.startsWith("file://")) {
    const path = fileURLToPath(value);
    return { kind: "file", path, name: nameOf(path) };
  }
  if (value.endsWith(".zip") || value.includes("/")) {
    const path = isAbsolute(value) ? value : resolve(cwd, value);
    return { kind: "file", path, name: nameOf(path) };
  }
  throw new Error(
    `Unknown dataset "${value}": expected a MovieLens name (${GROUPLENS_DATASETS.join(", ")}), ` +
      `a URL, a path to a .zip, a file:// URL, or "synthetic"`,
  );
}

function nameOf(path: string): string {
  return (path.split("/").pop() ?? "dataset").replace(/\.zip$/i, "");
}
