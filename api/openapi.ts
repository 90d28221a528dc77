/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas of
 * {@linkcode OPERATIONS} with `z.toJSONSchema` (JSON Schema 2020-12, which
 * OpenAPI 3.1 uses as is).
 *
 * @module
 */
import { z } from "zod";
import { type Operation, OPERATIONS } from "./operations.ts";
import { ProblemSchema } from "./schemas.ts";

type _Json = Record<string, unknown>;

function _schema(schema: z.ZodType, io: "input" | "output"): _Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
  }) as _Json;
  return rest;
}

function _parameters(obj: z.ZodObject | undefined, where: "path" | "query"): _Json[] {
  if (!obj) return [];
  const json = _schema(obj, "input") as { properties?: Record<string, _Json>; required?: string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, s]) => {
    const { description, example, ...schema } = s as _Json;
    return {
      name,
      in: where,
      required: where === "path" || required.has(name),
      ...(description === undefined ? {} : { description }),
      ...(example === undefined ? {} : { example }),
      schema,
    };
  });
}

const _ERROR_TEXT: Record<number, string> = {
  400: "Invalid parameter or body",
  401: "Missing or wrong API key",
  403: "Admin endpoints disabled (no keys configured)",
  404: "Unknown movie or user",
  413: "Body too large",
  415: "Body is not JSON",
  422: "The new model was rejected; the old one keeps serving",
  429: "Rate limited; see Retry-After",
  503: "No model loaded yet",
};

function _operation(op: Operation): _Json {
  const responses: _Json = {};
  const ok = op.response;
  responses[String(ok.status)] = {
    description: "Success",
    content: {
      [ok.mediaType ?? "application/json"]: ok.schema
        ? { schema: _schema(ok.schema, "output") }
        : {},
    },
  };
  for (const status of op.errors) {
    responses[String(status)] = {
      description: _ERROR_TEXT[status] ?? "Error",
      ...(status === 429
        ? {
          headers: {
            "Retry-After": { schema: { type: "integer" }, description: "Seconds to wait" },
          },
        }
        : {}),
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    };
  }
  return {
    operationId: op.id,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    parameters: [..._parameters(op.pathParams, "path"), ..._parameters(op.query, "query")],
    ...(op.body
      ? {
        requestBody: {
          required: true,
          content: { "application/json": { schema: _schema(op.body, "input") } },
        },
      }
      : {}),
    responses,
    security: op.auth === "none" ? [] : [{ apiKey: [] }],
  };
}

/** Builds the OpenAPI 3.1 document. */
export function buildOpenApi(
  info: { version: string; serverUrl?: string } = { version: "1.0.0" },
): _Json {
  const paths: Record<string, _Json> = {};
  for (const op of OPERATIONS as readonly Operation[]) {
    paths[op.path] = { ...(paths[op.path] ?? {}), [op.method]: _operation(op) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Movie recommender API",
      version: info.version,
      description:
        "Recommendations, similar movies, rating predictions and explanations from a matrix-factorization model trained on MovieLens. Errors are application/problem+json (RFC 9457).",
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    tags: [
      { name: "recommendations" },
      { name: "catalog" },
      { name: "operations" },
    ],
    paths,
    components: {
      schemas: { Problem: _schema(ProblemSchema, "output") },
      securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } },
    },
  };
}
