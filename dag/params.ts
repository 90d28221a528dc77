/**
 * The params file (`params.yaml`, as in DVC): one section per stage, each
 * validated by that stage's zod schema before any stage runs. `--set
 * train.factors=50` overrides a value; values are parsed as YAML scalars.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import type { Stage } from "./stage.ts";

/** A params error: names the key and what is allowed. */
export class ParamsError extends Error {
  override name = "ParamsError";
}

/** Reads a YAML params file; a missing file is an empty object. */
export async function readParamsFile(
  path: string,
  required = false,
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound && !required) return {};
    if (e instanceof Deno.errors.NotFound) {
      throw new ParamsError(`Cannot read params file ${path}: it does not exist`);
    }
    throw e;
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new ParamsError(`Cannot read params file ${path}: ${(e as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ParamsError(`Cannot read params file ${path}: expected a mapping of stage sections`);
  }
  return value as Record<string, unknown>;
}

/**
 * Applies `key.path=value` overrides to a params object (returns a copy).
 *
 * @example
 * ```ts
 * import { applyOverrides } from "./params.ts";
 * const p = applyOverrides({ train: { factors: 100 } }, ["train.factors=50", "split.kind=kfold"]);
 * if ((p.train as { factors: number }).factors !== 50) throw new Error("not applied");
 * ```
 */
export function applyOverrides(
  params: Record<string, unknown>,
  overrides: readonly string[],
): Record<string, unknown> {
  const out = structuredClone(params);
  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) {
      throw new ParamsError(
        `Cannot apply --set "${override}": expected key=value, e.g. train.factors=50`,
      );
    }
    const path = override.slice(0, eq).split(".");
    if (path.length < 2 || path.some((p) => p === "")) {
      throw new ParamsError(
        `Cannot apply --set "${override}": the key must be section.name, e.g. train.factors`,
      );
    }
    const raw = override.slice(eq + 1);
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    let node = out as Record<string, unknown>;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (next === undefined || next === null) node[part] = {};
      else if (typeof next !== "object" || Array.isArray(next)) {
        throw new ParamsError(`Cannot apply --set "${override}": "${part}" is not a section`);
      }
      node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value ?? raw;
  }
  return out;
}

function describeIssue(section: string, issue: z.core.$ZodIssue): string {
  const key = [section, ...issue.path.map(String)].join(".");
  const extra = issue.code === "invalid_value"
    ? ` (allowed: ${
      (issue as { values: unknown[] }).values.map((v) => JSON.stringify(v)).join(", ")
    })`
    : "";
  return `${key}: ${issue.message}${extra}`;
}

/**
 * Validates every stage's section (defaults filled in) and refuses unknown
 * sections. `extraSections` are non-stage sections (e.g. `tracking`).
 */
export function validateParams(
  stages: readonly Stage[],
  params: Record<string, unknown>,
  extraSections: Readonly<Record<string, z.ZodType>> = {},
): Record<string, unknown> {
  const schemas = new Map<string, z.ZodType>([
    ...stages.map((s) => [s.section ?? s.name, s.params] as const),
    ...Object.entries(extraSections),
  ]);
  for (const key of Object.keys(params)) {
    if (!schemas.has(key)) {
      throw new ParamsError(
        `Unknown params section "${key}": expected one of ${[...schemas.keys()].join(", ")}`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, schema] of schemas) {
    const result = schema.safeParse(params[name] ?? {});
    if (result.success) out[name] = result.data;
    else problems.push(...result.error.issues.map((i) => describeIssue(name, i)));
  }
  if (problems.length > 0) {
    throw new ParamsError(`Invalid params:\n  ${problems.join("\n  ")}`);
  }
  return out;
}

/** Flattens nested params to `section.key` -> string, as MLflow stores them. */
export function flattenParams(
  params: Record<string, unknown>,
  prefix = "",
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      Object.assign(out, flattenParams(v as Record<string, unknown>, key));
    } else out[key] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  }
  return out;
}
