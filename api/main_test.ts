import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readServerOptions, startServer } from "./main.ts";
import { fixture, writeModelDir } from "./_test_fixture.ts";
import { createModel } from "../recommender/models/model_registry.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

/** A data folder sharing the fixture's data, with its own models folder holding two models. */
async function twoModelDir(): Promise<string> {
  const f = await fixture();
  const dir = await Deno.makeTempDir({ prefix: "movierec_reload_" });
  await Deno.symlink(join(f.dataDir, "processed"), join(dir, "processed"));
  await Deno.symlink(join(f.dataDir, "interim"), join(dir, "interim"));
  await writeModelDir(join(dir, "models", "biased-mf"), f.artifact);
  const als = createModel("als", { factors: 8, iterations: 4 });
  als.fit(f.train);
  await writeModelDir(join(dir, "models", "als"), await als.save());
  await Deno.mkdir(join(dir, "metrics"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "metrics", "champion.json"),
    JSON.stringify({ model: "biased-mf" }),
  );
  return dir;
}

Deno.test("the real server on a free port: serves, reloads on SIGHUP, stops cleanly on SIGTERM", async () => {
  const f = await fixture();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--port", "0", "--data-dir", f.dataDir],
    env: { API_KEYS: "secret", RATE_LIMIT: "off", LOG_LEVEL: "info" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const nextLine = async (match: RegExp): Promise<string> => {
    for (;;) {
      const found = lines.find((l) => match.test(l));
      if (found) return found;
      const { done, value } = await reader.read();
      if (done) throw new Error(`server output ended before ${match}: ${lines.join("\n")}`);
      buffer += value;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      lines.push(...parts);
    }
  };
  try {
    const listening = JSON.parse(await nextLine(/"msg":"listening"/));
    const base = listening.url as string;
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    await nextLine(/"msg":"model loaded"/);
    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 200);
    await ready.body?.cancel();
    const unauth = await fetch(`${base}/recommend/1`);
    assert.equal(unauth.status, 401);
    assert.match(unauth.headers.get("content-type") ?? "", /problem\+json/);
    await unauth.body?.cancel();
    const res = await fetch(`${base}/recommend/1?k=3`, { headers: { "x-api-key": "secret" } });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).items.length, 3);
    child.kill("SIGHUP");
    await nextLine(/model reloaded \(SIGHUP\)/);
    const logged = JSON.parse(
      await nextLine(/"msg":"request".*"route":"\/recommend\/\{userId\}","status":200/),
    );
    assert.ok(logged?.requestId, "request lines are JSON with a request id");
    child.kill("SIGTERM");
    await nextLine(/"msg":"stopped"/);
    const status = await child.status;
    assert.equal(status.code, 0);
  } finally {
    await reader.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }
});

Deno.test("hot reload under concurrent requests: zero failed requests, the model swaps", async () => {
  const dir = await twoModelDir();
  const server = startServer(
    readServerOptions(["--port", "0", "--data-dir", dir], { API_KEYS: "admin", LOG_LEVEL: "off" }),
  );
  try {
    assert.ok(await server.firstLoad);
    const base = `http://127.0.0.1:${server.port}`;
    const headers = { "x-api-key": "admin" };
    const paths = [
      "/recommend/{u}?k=10",
      "/predict/{u}/296",
      "/similar/1?k=5",
      "/recommend/{u}?genre=Comedy",
      "/explain/{u}/1",
    ];
    let stop = false, ok = 0;
    const failures: string[] = [];
    // Waits until `n` more requests have succeeded (the load goes on across each swap).
    let waiting: { at: number; resolve: () => void }[] = [];
    const afterRequests = (n: number) =>
      new Promise<void>((resolve) => waiting.push({ at: ok + n, resolve }));
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const path = paths[(i + w) % paths.length]!.replace("{u}", String(1 + ((i * 7 + w) % 610)));
        const res = await fetch(base + path, { headers });
        if (res.status === 200) {
          await res.json();
          ok++;
          waiting = waiting.filter((x) => (x.at <= ok ? (x.resolve(), false) : true));
        } else failures.push(`${path} -> ${res.status} ${await res.text()}`);
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    const models = new Set<string>();
    for (let r = 0; r < 6; r++) {
      const next = r % 2 === 0 ? "als" : "biased-mf";
      await Deno.mkdir(join(dir, "metrics"), { recursive: true });
      await Deno.writeTextFile(
        join(dir, "metrics", "champion.json"),
        JSON.stringify({ model: next }),
      );
      const res = r % 2 === 0
        ? await fetch(`${base}/admin/reload`, { method: "POST", headers })
        : null;
      if (res) {
        assert.equal(res.status, 200);
        models.add((await res.json()).model);
      } else {
        const result = await server.holder.reload(); // the SIGHUP path
        assert.ok(result.ok);
        models.add(result.model.info.name);
      }
      await afterRequests(20);
    }
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(failures, []);
    assert.ok(ok > 50, `only ${ok} requests completed`);
    assert.deepEqual([...models].sort(), ["als", "biased-mf"]);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("graceful shutdown finishes the requests in flight", async () => {
  const f = await fixture();
  const server = startServer(
    readServerOptions(["--port", "0", "--data-dir", f.dataDir], {
      LOG_LEVEL: "off",
      API_KEYS: "admin",
    }),
  );
  assert.ok(await server.firstLoad);
  const base = `http://127.0.0.1:${server.port}`;
  // Shutdown starts while the reload is in flight: the holder says when it begins (no timing).
  let stopped: Promise<void> | null = null;
  server.holder.addEventListener("reloadstart", () => {
    assert.ok(server.holder.reloading, "the reload is in flight");
    stopped = server.shutdown();
  }, { once: true });
  const res = await fetch(`${base}/admin/reload`, {
    method: "POST",
    headers: { "x-api-key": "admin" },
  });
  assert.ok(stopped, "shutdown started during the reload");
  assert.equal(res.status, 200);
  assert.equal((await res.json()).reloaded, true);
  assert.equal(res.headers.get("connection"), "close");
  await stopped;
  await assert.rejects(fetch(`${base}/health`), "no new connections after shutdown");
});

Deno.test("a request body cut off by shutdown gets a 503 problem, not a 500", async () => {
  const f = await fixture();
  const server = startServer(
    readServerOptions(["--port", "0", "--data-dir", f.dataDir], { LOG_LEVEL: "off" }),
  );
  assert.ok(await server.firstLoad);
  const base = `http://127.0.0.1:${server.port}`;
  const encoder = new TextEncoder();
  let push!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
  push.enqueue(encoder.encode('{"ratings": [{"movieId": 1, '));
  // The server says when the request reached it; shutdown then cuts the body off.
  const arrived = new Promise<void>((resolve) =>
    server.http.addEventListener("request", () => resolve(), { once: true })
  );
  const inFlight = fetch(`${base}/recommend`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    // @ts-ignore: duplex is required for streaming bodies
    duplex: "half",
  });
  await arrived;
  const stopped = server.shutdown();
  const res = await inFlight;
  assert.equal(res.status, 503);
  assert.match(res.headers.get("content-type") ?? "", /problem\+json/);
  assert.match((await res.json()).detail, /shutting down/);
  try {
    push.close(); // the client may have cancelled the body already
  } catch { /* cancelled */ }
  await stopped;
});

Deno.test("readServerOptions() rejects bad settings with clear messages", () => {
  assert.throws(() => readServerOptions(["--port", "99999"], {}), /Invalid --port "99999"/);
  assert.throws(
    () => readServerOptions([], { LOG_LEVEL: "loud" }),
    /LOG_LEVEL must be info, error or off/,
  );
  assert.throws(() => readServerOptions([], { RATE_LIMIT: "lots" }), /Cannot read RATE_LIMIT/);
  assert.throws(
    () => readServerOptions(["--model", "models:/x"], {}),
    /expected models:\/NAME@ALIAS/,
  );
  assert.throws(
    () => readServerOptions(["--model", "models:/x@champion"], {}),
    /MLFLOW_TRACKING_URI is not set/,
  );
  assert.throws(() => readServerOptions(["--bogus"], {}), /bogus/);
  const o = readServerOptions(["--model-dir", "/tmp/m"], {
    API_KEYS: "a, b",
    RATE_LIMIT: "10/s,burst=20",
    CORS_ORIGINS: "https://x.org",
  });
  assert.deepEqual(o.apiKeys, ["a", "b"]);
  assert.deepEqual(o.adminKeys, ["a", "b"]);
  assert.deepEqual(o.rateLimit, { perSecond: 10, burst: 20 });
  assert.deepEqual(o.corsOrigins, ["https://x.org"]);
  assert.equal(o.source.kind, "dir");
  // Unset: the server falls back to the evaluate stage's floor for the served model.
  assert.equal(o.minRatings, undefined);
  assert.equal(readServerOptions([], { MIN_RATINGS: "7" }).minRatings, 7);
  assert.equal(readServerOptions(["--min-ratings", "0"], { MIN_RATINGS: "7" }).minRatings, 0);
  for (const bad of ["-1", "x", "2.5", "", "2000000"]) {
    assert.throws(
      () => readServerOptions([], { MIN_RATINGS: bad }),
      /Invalid --min-ratings \/ MIN_RATINGS .*expected a whole number from 0 to 1000000/,
    );
  }
});
