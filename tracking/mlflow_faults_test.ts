/**
 * Faults with real local servers on 127.0.0.1 (Deno.serve): an HTML page, 500
 * then 200, a 4xx, a closed port, malformed URIs. No MLflow needed here.
 */
import assert from "node:assert/strict";
import { MlflowClient } from "./mlflow_client.ts";
import { MlflowError } from "./mlflow_error.ts";

/** Serves `handler` on a free 127.0.0.1 port for the duration of `fn`. */
async function withServer(
  handler: (req: Request) => Response | Promise<Response>,
  fn: (uri: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("a server answering HTML gets a clear error naming MLFLOW_TRACKING_URI, without retries", async () => {
  let requests = 0;
  await withServer(() => {
    requests++;
    return new Response("<!doctype html><html><body>Welcome to nginx</body></html>", {
      headers: { "content-type": "text/html" },
    });
  }, async (uri) => {
    const c = new MlflowClient({ uri, retries: 3, backoffMs: 1 });
    await assert.rejects(c.getExperimentByName("x"), (e: Error) => {
      assert.ok(e instanceof MlflowError);
      assert.match(
        e.message,
        /answered GET \/api\/2\.0\/mlflow\/experiments\/get-by-name with an HTML page/,
      );
      assert.match(e.message, /MLFLOW_TRACKING_URI/);
      return true;
    });
    assert.equal(requests, 1);
  });
});

Deno.test("500 then 200: the request is retried with backoff and succeeds", async () => {
  let requests = 0;
  const retries: string[] = [];
  await withServer((req) => {
    requests++;
    if (requests <= 2) return new Response("Internal Server Error", { status: 500 });
    assert.equal(new URL(req.url).searchParams.get("experiment_name"), "movies");
    return Response.json({ experiment: { experiment_id: "7", name: "movies" } });
  }, async (uri) => {
    const c = new MlflowClient({ uri, retries: 3, backoffMs: 5, onRetry: (m) => retries.push(m) });
    const exp = await c.getExperimentByName("movies");
    assert.equal(exp?.experiment_id, "7");
    assert.equal(requests, 3);
    assert.equal(retries.length, 2);
    assert.match(retries[0]!, /failed \(500\), retry 1\/3/);
  });
});

Deno.test("5xx that never ends: gives up after the bounded retries with the server's message", async () => {
  let requests = 0;
  await withServer(() => {
    requests++;
    return Response.json({ error_code: "INTERNAL_ERROR", message: "database is locked" }, {
      status: 503,
    });
  }, async (uri) => {
    const c = new MlflowClient({ uri, retries: 2, backoffMs: 1 });
    await assert.rejects(c.getRun("a".repeat(32)), (e: MlflowError) => {
      assert.equal(e.transient, true);
      assert.equal(e.errorCode, "INTERNAL_ERROR");
      assert.match(
        e.message,
        /HTTP 503\): INTERNAL_ERROR: database is locked.*gave up after 3 attempts/,
      );
      return true;
    });
    assert.equal(requests, 3);
  });
});

Deno.test("a 4xx is reported with error_code and message and not retried", async () => {
  let requests = 0;
  await withServer(() => {
    requests++;
    return Response.json({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Param key 'a b!' is invalid",
    }, { status: 400 });
  }, async (uri) => {
    const c = new MlflowClient({ uri, retries: 3, backoffMs: 1 });
    await assert.rejects(
      c.logBatch("r".repeat(32), { params: { "a b!": "1" } }),
      /rejected POST \/api\/2\.0\/mlflow\/runs\/log-batch \(HTTP 400\): INVALID_PARAMETER_VALUE: Param key 'a b!' is invalid/,
    );
    assert.equal(requests, 1);
  });
});

Deno.test("401 points at the auth variables", async () => {
  await withServer(
    () => new Response("Unauthorized", { status: 401 }),
    async (uri) => {
      const c = new MlflowClient({ uri, retries: 0 });
      await assert.rejects(c.searchExperiments(), /HTTP 401.*MLFLOW_TRACKING_TOKEN/);
    },
  );
});

Deno.test("a closed port: connection refused after the bounded retries", async () => {
  const port = closedPort();
  const retries: string[] = [];
  const c = new MlflowClient({
    uri: `http://127.0.0.1:${port}`,
    retries: 2,
    backoffMs: 1,
    onRetry: (m) => retries.push(m),
  });
  await assert.rejects(c.getExperimentByName("x"), (e: MlflowError) => {
    assert.equal(e.transient, true);
    assert.equal(e.status, undefined);
    assert.match(
      e.message,
      new RegExp(
        `Cannot reach MLflow at http://127\\.0\\.0\\.1:${port} .*connection refused.*gave up after 3 attempts`,
      ),
    );
    return true;
  });
  assert.equal(retries.length, 2);
});

Deno.test("malformed MLFLOW_TRACKING_URI values get messages that say what to fix", async (t) => {
  const cases: [string, RegExp][] = [
    ["not a uri", /Invalid MLFLOW_TRACKING_URI "not a uri": expected an http\(s\) URL/],
    ["127.0.0.1:5000", /the scheme is missing: use http:\/\/127\.0\.0\.1:5000/],
    [
      "file:./mlruns",
      /Unsupported MLFLOW_TRACKING_URI "file:\.\/mlruns".*unset it to use the local run store/,
    ],
    ["databricks", /Invalid MLFLOW_TRACKING_URI "databricks"/],
    ["http://", /Invalid MLFLOW_TRACKING_URI/],
  ];
  for (const [uri, expected] of cases) {
    await t.step(uri, () => {
      assert.throws(() => new MlflowClient({ uri }), expected);
    });
  }
  assert.throws(() => MlflowClient.fromEnv({}), /MLFLOW_TRACKING_URI is not set/);
});

Deno.test("a trailing slash or a path prefix in the URI is kept as the API root", async () => {
  const seen: string[] = [];
  await withServer((req) => {
    seen.push(new URL(req.url).pathname);
    return Response.json({ experiments: [] });
  }, async (uri) => {
    await new MlflowClient({ uri: `${uri}/` }).searchExperiments();
    await new MlflowClient({ uri: `${uri}/mlflow/` }).searchExperiments();
  });
  assert.deepEqual(seen, [
    "/api/2.0/mlflow/experiments/search",
    "/mlflow/api/2.0/mlflow/experiments/search",
  ]);
});
