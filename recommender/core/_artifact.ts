/**
 * Packing typed arrays into a model blob and reading them back, with the
 * manifest validated by zod and the blob checked by length and sha256.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { ArraySpec, ModelArtifact, ModelManifest } from "./model.ts";
import { hashRatings, type Ratings } from "./ratings.ts";

/** A typed array the models store. */
export type _StoredArray = Float32Array | Int32Array;

const _arraySpecSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(["float32", "int32"]),
  offset: z.number().int().nonnegative().multipleOf(4),
  length: z.number().int().nonnegative(),
  shape: z.array(z.number().int().nonnegative()),
});

/** zod schema of {@linkcode ModelManifest}. */
export const _manifestSchema = z.object({
  format: z.literal("movierec-model"),
  formatVersion: z.literal(1),
  model: z.string().min(1),
  config: z.record(z.string(), z.unknown()),
  ratingScale: z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo < hi, {
    message: "Rating scale must be [min, max] with min < max",
  }),
  globalMean: z.number(),
  arrays: z.array(_arraySpecSchema),
  dataSha256: z.string().regex(/^[0-9a-f]{64}$/),
  trainDataHash: z.string().optional(),
  trainedAt: z.string().optional(),
  extra: z.record(z.string(), z.unknown()),
});

/** Hex sha256 of bytes. */
export function _sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Content hash of a ratings table (see {@linkcode hashRatings}). */
export const _hashRatings: (ratings: Ratings) => string = hashRatings;

/** Packs named arrays into one blob and builds the full artifact. */
export function _packArtifact(
  head: Omit<ModelManifest, "format" | "formatVersion" | "arrays" | "dataSha256" | "trainedAt">,
  arrays: ReadonlyArray<{ name: string; array: _StoredArray; shape?: number[] }>,
): ModelArtifact {
  let bytes = 0;
  for (const a of arrays) bytes += a.array.byteLength;
  const data = new Uint8Array(bytes);
  const specs: ArraySpec[] = [];
  let offset = 0;
  for (const { name, array, shape } of arrays) {
    data.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    specs.push({
      name,
      dtype: array instanceof Float32Array ? "float32" : "int32",
      offset,
      length: array.length,
      shape: shape ?? [array.length],
    });
    offset += array.byteLength;
  }
  const manifest: ModelManifest = {
    format: "movierec-model",
    formatVersion: 1,
    ...head,
    arrays: specs,
    dataSha256: _sha256(data),
    trainedAt: new Date().toISOString(),
  };
  return { manifest, data };
}

/** A validated artifact whose arrays can be read by name. */
export class _ArtifactReader {
  readonly manifest: z.output<typeof _manifestSchema>;
  readonly #data: Uint8Array;
  readonly #specs: Map<string, ArraySpec>;

  /**
   * Validates the manifest (zod), that it is a `model` artifact, the blob's
   * length and sha256, and that every array lies inside the blob.
   */
  constructor(artifact: ModelArtifact, model: string) {
    const parsed = _manifestSchema.safeParse(artifact?.manifest);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((i) => `${i.path.join(".") || "(manifest)"}: ${i.message}`)
        .join("; ");
      throw new TypeError(
        `Cannot load model: the manifest is not a movierec model file: ${detail}`,
      );
    }
    const m = parsed.data;
    if (m.model !== model) {
      throw new TypeError(
        `Cannot load model: the file holds a "${m.model}" model, expected "${model}"`,
      );
    }
    const data = artifact.data;
    if (!(data instanceof Uint8Array)) {
      throw new TypeError("Cannot load model: the data blob must be a Uint8Array");
    }
    let end = 0;
    for (const s of m.arrays) end = Math.max(end, s.offset + s.length * 4);
    if (data.byteLength < end) {
      throw new RangeError(
        `Cannot load model: the data blob is truncated (${data.byteLength} bytes, the manifest needs ${end}); re-export the model`,
      );
    }
    const sha = _sha256(data);
    if (sha !== m.dataSha256) {
      throw new RangeError(
        `Cannot load model: the data blob's sha256 ${sha} does not match the manifest's ${m.dataSha256}; the files are corrupt or from different models`,
      );
    }
    this.#specs = new Map();
    for (const s of m.arrays) {
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (size !== s.length) {
        throw new RangeError(
          `Cannot load model: array "${s.name}" has shape [${s.shape}] but length ${s.length}`,
        );
      }
      this.#specs.set(s.name, s);
    }
    this.manifest = m;
    this.#data = data;
  }

  /** Reads a float32 array; `length` (when given) must match. */
  float32(name: string, length?: number): Float32Array {
    const s = this.#spec(name, "float32", length);
    return new Float32Array(this.#data.slice(s.offset, s.offset + s.length * 4).buffer);
  }

  /** Reads an int32 array; `length` (when given) must match. */
  int32(name: string, length?: number): Int32Array {
    const s = this.#spec(name, "int32", length);
    return new Int32Array(this.#data.slice(s.offset, s.offset + s.length * 4).buffer);
  }

  /** True when the artifact holds an array of that name. */
  has(name: string): boolean {
    return this.#specs.has(name);
  }

  #spec(name: string, dtype: "float32" | "int32", length?: number): ArraySpec {
    const s = this.#specs.get(name);
    if (!s) throw new RangeError(`Cannot load model: array "${name}" is missing from the file`);
    if (s.dtype !== dtype) {
      throw new TypeError(
        `Cannot load model: array "${name}" is ${s.dtype}, expected ${dtype}`,
      );
    }
    if (length !== undefined && s.length !== length) {
      throw new RangeError(
        `Cannot load model: array "${name}" has ${s.length} values, expected ${length}`,
      );
    }
    return s;
  }
}

/** Checks that every value of an index array lies in `[0, bound)`. */
export function _checkIndices(name: string, values: Int32Array, bound: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= bound) {
      throw new RangeError(
        `Cannot load model: array "${name}" holds index ${v} at position ${i}, outside [0, ${bound})`,
      );
    }
  }
}
