/**
 * Test-only: checks an API answer against the response schema its route
 * declares in `routes.ts` (problem+json answers against `ProblemSchema`), so
 * a handler that drifts from the documented shape fails the tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import { ROUTES } from "./routes.ts";
import { ProblemSchema } from "./schemas.ts";

type _Content = Record<string, { schema?: unknown }>;

const _routes = Object.values(ROUTES).map((r) => ({
  method: r.method.toUpperCase(),
  re: new RegExp("^" + r.path.replace(/\{[^}]+\}/g, "[^/]+") + "$"),
  responses: r.responses as Record<string, { content?: _Content }>,
  path: r.path,
}));

function _isZod(x: unknown): x is z.ZodType {
  return typeof x === "object" && x !== null && "safeParse" in x;
}

/**
 * Asserts that `res` (an answer to `method path`) has a body its route
 * declares; returns the parsed body (JSON) or text. The response is cloned,
 * so the caller can still read it.
 */
export async function assertDeclared(method: string, url: string, res: Response): Promise<unknown> {
  const path = new URL(url, "http://x").pathname;
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const text = await res.clone().text();
  if (res.status >= 400) {
    assert.equal(type, "application/problem+json", `${method} ${path} -> ${res.status}: ${type}`);
    const body = JSON.parse(text);
    const r = ProblemSchema.safeParse(body);
    assert.ok(
      r.success,
      `${method} ${path} -> ${res.status}: not a problem: ${text.slice(0, 200)}`,
    );
    assert.equal(body.status, res.status);
    return body;
  }
  if (res.status === 308 || method === "HEAD" || method === "OPTIONS") return text;
  const m = method === "HEAD" ? "GET" : method;
  const route = _routes.find((r) => r.method === m && r.re.test(path));
  assert.ok(route, `${method} ${path} -> ${res.status} but no route declares it`);
  const declared = route.responses[String(res.status)];
  assert.ok(declared, `${method} ${route.path} answered ${res.status}, which it does not declare`);
  const media = Object.keys(declared.content ?? {});
  const key = media.find((k) => k.split(";")[0] === type);
  assert.ok(key, `${method} ${route.path} answered ${type}, it declares ${media.join(", ")}`);
  const schema = declared.content![key]!.schema;
  if (!_isZod(schema)) return text;
  const body = type.endsWith("json") ? JSON.parse(text) : text;
  const r = schema.safeParse(body);
  assert.ok(
    r.success,
    `${method} ${route.path} -> ${res.status} does not match its schema: ${
      r.success ? "" : JSON.stringify(r.error.issues).slice(0, 500)
    }`,
  );
  return body;
}
