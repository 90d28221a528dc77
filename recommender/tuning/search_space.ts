/**
 * The tuning convention of model configs, and its reader. A tunable field of
 * a model's zod config carries its search range in zod 4 metadata:
 *
 * - numbers: `.meta({ tune: { min, max, log?: boolean } })` (integer fields,
 *   `z.number().int()`, are searched over integers; `log` samples the
 *   logarithm uniformly and needs `min > 0`);
 * - choices: `.meta({ tune: { values: [...] } })` (any JSON values).
 *
 * The metadata may sit on the field or on the schema inside its `.default()`,
 * `.optional()` or `.nullable()`. {@linkcode searchSpace} lists the
 * dimensions of a config schema and checks that every range is valid for its
 * own field (both ends of a range parse); {@linkcode sampleConfig} draws one
 * config from them with a seeded {@linkcode Prng}.
 *
 * @module
 */
import { z } from "zod";
import { Prng } from "../core/prng.ts";

/** A numeric search range of one config key. */
export interface NumberDimension {
  readonly kind: "number";
  readonly key: string;
  readonly min: number;
  readonly max: number;
  /** Sample the logarithm uniformly. */
  readonly log: boolean;
  /** The field is an integer (`z.number().int()`). */
  readonly integer: boolean;
}

/** A choice among listed values of one config key. */
export interface ChoiceDimension {
  readonly kind: "choice";
  readonly key: string;
  readonly values: readonly unknown[];
}

/** One dimension of a search space. */
export type SearchDimension = NumberDimension | ChoiceDimension;

const _tuneSchema = z.union([
  z.object({
    min: z.number(),
    max: z.number(),
    log: z.boolean().optional(),
  }).strict(),
  z.object({ values: z.array(z.unknown()).min(1) }).strict(),
]);

// deno-lint-ignore no-explicit-any
type _AnySchema = any;

/** The metadata `tune` entry of a field (looking through default/optional/nullable). */
function _tuneOf(field: _AnySchema): { meta: unknown; inner: _AnySchema } | null {
  let s = field;
  for (let depth = 0; s && depth < 8; depth++) {
    const meta = typeof s.meta === "function" ? s.meta() : undefined;
    if (meta && typeof meta === "object" && "tune" in meta) {
      return { meta: (meta as { tune: unknown }).tune, inner: _innermost(s) };
    }
    const type = s._zod?.def?.type;
    if (type === "default" || type === "optional" || type === "nullable" || type === "prefault") {
      s = s._zod.def.innerType;
    } else break;
  }
  return null;
}

function _innermost(field: _AnySchema): _AnySchema {
  let s = field;
  for (let depth = 0; s && depth < 8; depth++) {
    const type = s._zod?.def?.type;
    if (type === "default" || type === "optional" || type === "nullable" || type === "prefault") {
      s = s._zod.def.innerType;
    } else break;
  }
  return s;
}

/**
 * The search space of a model config schema: one dimension per field with a
 * `tune` annotation, in the schema's key order. Throws on a malformed
 * annotation or a range its own field would reject.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { searchSpace } from "./search_space.ts";
 * const schema = z.object({
 *   factors: z.number().int().positive().default(50).meta({ tune: { min: 10, max: 200, log: true } }),
 *   kernel: z.enum(["js", "wasm"]).default("wasm").meta({ tune: { values: ["js", "wasm"] } }),
 *   seed: z.number().int().default(42),
 * });
 * const space = searchSpace(schema);
 * if (space.length !== 2 || space[0]!.kind !== "number" || !space[0]!.integer) throw new Error();
 * ```
 */
export function searchSpace(schema: z.ZodType, model = "model"): SearchDimension[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  if (!shape) return [];
  const out: SearchDimension[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const found = _tuneOf(field);
    if (!found) continue;
    const parsed = _tuneSchema.safeParse(found.meta);
    if (!parsed.success) {
      throw new TypeError(
        `Cannot read the search space of "${model}": ${key}: the tune metadata must be { min, max, log? } or { values: [...] }; fix its .meta({ tune })`,
      );
    }
    const t = parsed.data;
    const fieldSchema = field as z.ZodType;
    if ("values" in t) {
      const bad = t.values.find((v) => !fieldSchema.safeParse(v).success);
      if (bad !== undefined) {
        throw new RangeError(
          `Cannot read the search space of "${model}": ${key}: the choice ${
            JSON.stringify(bad)
          } is not a valid value of the field; fix its .meta({ tune: { values } })`,
        );
      }
      out.push({ kind: "choice", key, values: t.values });
      continue;
    }
    if (!(t.min < t.max) || (t.log && t.min <= 0)) {
      throw new RangeError(
        `Cannot read the search space of "${model}": ${key}: range [${t.min}, ${t.max}]${
          t.log ? " (log)" : ""
        } is empty${t.log ? " or not positive" : ""}; use min < max${t.log ? " and min > 0" : ""}`,
      );
    }
    for (const end of [t.min, t.max]) {
      if (!fieldSchema.safeParse(end).success) {
        throw new RangeError(
          `Cannot read the search space of "${model}": ${key}: the range end ${end} is not a valid value of the field; fix its .meta({ tune: { min, max } })`,
        );
      }
    }
    const integer = found.inner?.isInt === true;
    out.push({ kind: "number", key, min: t.min, max: t.max, log: t.log ?? false, integer });
  }
  return out;
}

/**
 * One config drawn from a search space: numbers uniform on their range (or
 * on its logarithm), integers rounded, choices uniform.
 *
 * @example
 * ```ts
 * import { Prng } from "../core/prng.ts";
 * import { sampleConfig } from "./search_space.ts";
 * const c = sampleConfig([{ kind: "number", key: "reg", min: 0.01, max: 1, log: true, integer: false }], new Prng(1));
 * if (!(typeof c.reg === "number" && c.reg >= 0.01 && c.reg <= 1)) throw new Error();
 * ```
 */
export function sampleConfig(
  space: readonly SearchDimension[],
  rng: Prng,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of space) {
    if (d.kind === "choice") {
      out[d.key] =
        d.values[Math.min(d.values.length - 1, Math.floor(rng.next() * d.values.length))];
      continue;
    }
    const x = rng.next();
    let v = d.log
      ? Math.exp(Math.log(d.min) + x * (Math.log(d.max) - Math.log(d.min)))
      : d.min + x * (d.max - d.min);
    if (d.integer) v = Math.min(d.max, Math.max(d.min, Math.round(v)));
    else v = Number(v.toPrecision(4));
    out[d.key] = Math.min(d.max, Math.max(d.min, v));
  }
  return out;
}
