/**
 * The findings of issue 15, one step each, against the real server on
 * 127.0.0.1 (raw sockets where `fetch` cannot say it). No sleeps: every step
 * waits on an event (a response, the server closing the socket, the HTTP
 * server's or the model holder's events); `guard` only turns a hang into a
 * failure.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readServerOptions, type RunningServer, startServer } from "./main.ts";
import { fixture, writeModelDir } from "./_test_fixture.ts";
import { guard, RawClient } from "./_raw_client.ts";
import { assertDeclared } from "./_response_check.ts";
import type { HttpEventDetails, HttpLimits } from "./http_server.ts";
import { createModel } from "../recommender/models/model_registry.ts";

const GUARD_MS = 30_000;

async function serve(
  env: Record<string, string>,
  limits: Partial<HttpLimits> = {},
  args: string[] = [],
): Promise<RunningServer> {
  const f = await fixture();
  const options = readServerOptions(["--port", "0", "--data-dir", f.dataDir, ...args], {
    LOG_LEVEL: "off",
    ...env,
  });
  const server = startServer({ ...options, limits: { ...options.limits, ...limits } });
  assert.ok(await server.firstLoad);
  return server;
}

/** The next event `type` of the HTTP server that matches `accept`. */
function next<K extends keyof HttpEventDetails>(
  server: RunningServer,
  type: K,
  accept: (d: HttpEventDetails[K]) => boolean = () => true,
): Promise<HttpEventDetails[K]> {
  return new Promise((resolve) => {
    const on = (e: Event) => {
      const d = (e as CustomEvent<HttpEventDetails[K]>).detail;
      if (!accept(d)) return;
      server.http.removeEventListener(type, on);
      resolve(d);
    };
    server.http.addEventListener(type, on);
  });
}

/** One request on a fresh raw connection, with `Connection: close`; the answer. */
async function rawGet(server: RunningServer, head: string) {
  const c = await RawClient.open(server.port);
  try {
    await c.write(head);
    return await guard(c.response(), GUARD_MS, head.slice(0, 40));
  } finally {
    c.close();
  }
}

async function metricsText(server: RunningServer): Promise<string> {
  const r = await rawGet(server, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  assert.equal(r?.status, 200);
  return r!.body;
}

function problem(r: { status: number; headers: ReadonlyMap<string, string>; body: string } | null) {
  assert.ok(r, "an answer, not a reset");
  assert.equal(r.headers.get("content-type"), "application/problem+json");
  const body = JSON.parse(r.body);
  assert.equal(body.status, r.status);
  assert.match(body.detail, /^Cannot |^[A-Z]/);
  return body;
}

Deno.test({
  name: "issue 15 findings on the real server (one step per finding)",
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const server = await serve({ API_KEYS: "key", ADMIN_KEYS: "admin" }, { maxConnections: 40 });
  const base = `http://127.0.0.1:${server.port}`;
  const key = { "x-api-key": "key" };
  try {
    await t.step(
      "/metrics stays bounded: 300 made-up methods (rejected by auth) add no series",
      async () => {
        const before = await metricsText(server);
        const c = await RawClient.open(server.port);
        for (let i = 0; i < 300; i++) {
          const method = `M${i.toString(36).toUpperCase()}X${(i * 7919).toString(36)}`;
          await c.write(`${method} /recommend/${i} HTTP/1.1\r\nHost: t\r\n\r\n`);
          const r = await guard(c.response(), GUARD_MS, method);
          assert.ok(r && (r.status === 401 || r.status === 405), `${method} -> ${r?.status}`);
        }
        c.close();
        for (let i = 0; i < 100; i++) {
          await rawGet(
            server,
            `GET /nope/${i}/x${i} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`,
          );
        }
        const after = await metricsText(server);
        assert.doesNotMatch(after, /method="M/);
        assert.doesNotMatch(after, /nope/);
        assert.match(after, /method="other",route="\/recommend\/\{userId\}",status="401"\} 300/);
        assert.match(after, /method="GET",route="unmatched",status="401"\} 100/);
        // a few new series (method "other", route "unmatched"), never one per request
        assert.ok(
          after.split("\n").length - before.split("\n").length < 60,
          `${before.length} -> ${after.length} bytes`,
        );
      },
    );

    await t.step("a 100 KB and a 1 MB query string get 414 problem+json, not a reset", async () => {
      for (const size of [100_000, 1_000_000]) {
        const c = await RawClient.open(server.port);
        const answer = c.response();
        await c.write(`GET /movies?search=${"x".repeat(size)} HTTP/1.1\r\nHost: t\r\n\r\n`);
        const r = await guard(answer, GUARD_MS, `${size} byte URL`);
        assert.equal(r?.status, 414);
        assert.match(problem(r).detail, /request line is longer than 8192 bytes/);
        await guard(c.closedByServer(), GUARD_MS, "close after 414");
        c.close();
      }
    });

    await t.step("a 100 KB header gets 431, 1,000 headers a 431 with a problem body", async () => {
      const big = await rawGet(
        server,
        `GET /health HTTP/1.1\r\nHost: t\r\nX-Big: ${"y".repeat(100_000)}\r\n\r\n`,
      );
      assert.equal(big?.status, 431);
      assert.match(problem(big).detail, /larger than 16384 bytes/);
      const many = Array.from({ length: 1000 }, (_, i) => `X-H${i}: v\r\n`).join("");
      const r = await rawGet(server, `GET /health HTTP/1.1\r\nHost: t\r\n${many}\r\n`);
      assert.equal(r?.status, 431);
      assert.match(problem(r).detail, /more than 100 header fields/);
    });

    await t.step(
      "after an early 413 for Content-Length: 100000000 the server closes the socket",
      async () => {
        const c = await RawClient.open(server.port);
        await c.write(
          "POST /recommend HTTP/1.1\r\nHost: t\r\nX-API-Key: key\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n",
        );
        const r = await guard(c.response(), GUARD_MS, "413");
        assert.equal(r?.status, 413);
        assert.equal(r!.headers.get("connection"), "close");
        problem(r);
        await guard(c.closedByServer(), GUARD_MS, "close after 413");
        c.close();
      },
    );

    await t.step(
      "an early 401 on a keep-alive POST closes too (the unread body is never parsed as a request)",
      async () => {
        const c = await RawClient.open(server.port);
        const smuggled = "GET /admin/reload HTTP/1.1\r\nHost: t\r\n\r\n";
        await c.write(
          `POST /recommend HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`,
        );
        const r = await guard(c.response(), GUARD_MS, "401");
        assert.equal(r?.status, 401);
        assert.equal(r!.headers.get("connection"), "close");
        assert.equal(await guard(c.response(), GUARD_MS, "no second answer"), null);
        c.close();
      },
    );

    await t.step(
      "an abandoned upload counts as 499 (client closed), not as POST /recommend 503",
      async () => {
        const c = await RawClient.open(server.port);
        const done = next(server, "response", (d) => d.method === "POST");
        await c.write(
          'POST /recommend HTTP/1.1\r\nHost: t\r\nX-API-Key: key\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ratings": [',
        );
        await next(server, "request", (d) => d.method === "POST");
        c.close();
        const d = await guard(done, GUARD_MS, "the abandoned request");
        assert.equal(d.bodyFailure, "client-closed");
        assert.equal(d.status, 499);
        const m = await metricsText(server);
        assert.match(m, /method="POST",route="\/recommend",status="499"\} 1/);
        assert.doesNotMatch(m, /route="\/recommend",status="503"/);
      },
    );

    await t.step(
      "POST /recommend checks ratings against the model's scale and names the range; duplicates are rejected",
      async () => {
        const post = async (ratings: unknown) => {
          const res = await fetch(`${base}/recommend`, {
            method: "POST",
            headers: { ...key, "content-type": "application/json" },
            body: JSON.stringify({ ratings }),
          });
          await assertDeclared("POST", "/recommend", res);
          return { status: res.status, body: await res.json() };
        };
        for (const bad of [0, 10, -1, 1e308, 5.5]) {
          const r = await post([{ movieId: 1, rating: 4 }, { movieId: 2, rating: bad }]);
          assert.equal(r.status, 400, `rating ${bad}`);
          assert.match(
            r.body.detail,
            /^Invalid body "ratings\.1\.rating": .* is outside the served model's rating scale: send a number from 0\.5 to 5$/,
          );
          assert.deepEqual(r.body.ratingScale, [0.5, 5]);
        }
        const text = await post([{ movieId: 1, rating: "5" }]);
        assert.equal(text.status, 400);
        assert.match(text.body.detail, /rating must be a number within .*0\.5 to 5/);
        const dup = await post([{ movieId: 1, rating: 5 }, { movieId: 1, rating: 1 }]);
        assert.equal(dup.status, 400);
        assert.match(
          dup.body.detail,
          /movie 1 is rated twice \(ratings\.0 and ratings\.1\): send each movie once/,
        );
        assert.equal(
          (await post([{ movieId: 1, rating: 0.5 }, { movieId: 2, rating: 5 }])).status,
          200,
        );
      },
    );

    await t.step("k=100000 is too large, not too long", async () => {
      for (const k of ["100000", "101", "9".repeat(40)]) {
        const res = await fetch(`${base}/recommend/1?k=${k}`, { headers: key });
        const body = await assertDeclared("GET", "/recommend/1", res) as { detail: string };
        assert.equal(res.status, 400);
        assert.match(body.detail, /k is too large: expected a whole number from 1 to 100/);
      }
    });

    await t.step(
      "a trailing slash is redirected (GET, HEAD) or 404 (others), never a 405",
      async () => {
        for (const path of ["/health/", "/recommend/1/", "/docs/", "/movies//"]) {
          for (const method of ["GET", "HEAD"]) {
            const res = await fetch(`${base}${path}?k=3`, {
              method,
              redirect: "manual",
              headers: key,
            });
            await res.body?.cancel();
            assert.equal(res.status, 308, `${method} ${path}`);
            assert.equal(res.headers.get("location"), path.replace(/\/+$/, "") + "?k=3");
          }
          const post = await fetch(`${base}${path}`, { method: "POST", headers: key });
          const body = await assertDeclared("POST", path, post) as { detail: string };
          assert.equal(post.status, 404, `POST ${path}`);
          assert.match(body.detail, /did you mean .*without the trailing slash/);
        }
        const followed = await fetch(`${base}/health/`);
        assert.equal(followed.status, 200);
        assert.equal((await followed.json()).status, "ok");
      },
    );

    await t.step(
      "/health and admin 422 answers show the model's name and version, never a server path",
      async () => {
        const f = await fixture();
        const res = await fetch(`${base}/health`);
        const health = await assertDeclared("GET", "/health", res) as Record<string, unknown>;
        assert.equal(health.model, "biased-mf");
        assert.equal(health.source, "pipeline champion");
        assert.deepEqual(health.ratingScale, [0.5, 5]);
        assert.ok(!JSON.stringify(health).includes(f.dataDir), "no data folder in /health");
        assert.doesNotMatch(JSON.stringify(health), /"\/[^"]*\//, "no absolute path in /health");
        // A reload that fails: the message says what is wrong, not where the files are.
        const champion = join(f.dataDir, "metrics", "champion.json");
        const saved = await Deno.readTextFile(champion);
        await Deno.writeTextFile(champion, JSON.stringify({ model: "gone" }));
        try {
          const r = await fetch(`${base}/admin/reload`, {
            method: "POST",
            headers: { "x-api-key": "admin" },
          });
          const body = await assertDeclared("POST", "/admin/reload", r) as { detail: string };
          assert.equal(r.status, 422);
          assert.match(
            body.detail,
            /Reload rejected: .*manifest\.json.*still serving biased-mf [0-9a-f]{12}$/,
          );
          assert.ok(!body.detail.includes(f.dataDir), body.detail);
          assert.doesNotMatch(body.detail, /(^|\s)\/[^\s]*\//, body.detail);
        } finally {
          await Deno.writeTextFile(champion, saved);
        }
      },
    );

    await t.step(
      "/explain says what foldInInteraction is: a refit, not an approximation of terms.interaction",
      async () => {
        const res = await fetch(`${base}/explain/1/2571?k=50`, { headers: key });
        const e = await assertDeclared("GET", "/explain/1/2571", res) as {
          terms: { interaction: number };
          foldInInteraction: number;
          method: string;
        };
        assert.equal(res.status, 200);
        assert.doesNotMatch(e.method, /approximates/);
        assert.match(e.method, /does not reproduce them/);
        assert.match(e.method, /foldInInteraction can differ from terms\.interaction/);
        // the claim holds on the real data: the two are not close
        assert.ok(
          Math.abs(e.foldInInteraction - e.terms.interaction) > 0.05,
          JSON.stringify(e.terms),
        );
      },
    );

    await t.step(
      "the OpenAPI document is generated from the routes and validates what they answer",
      async () => {
        const res = await fetch(`${base}/openapi.json`);
        const doc = await assertDeclared("GET", "/openapi.json", res) as {
          paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        };
        const recommend = doc.paths["/recommend"]!.post!;
        assert.ok(recommend.responses["413"] && recommend.responses["415"]);
        const explain = JSON.stringify(doc.paths["/explain/{userId}/{movieId}"]);
        assert.match(explain, /foldInInteraction/);
        assert.match(JSON.stringify(doc.paths["/health"]), /ratingScale/);
      },
    );

    await t.step(
      "the connection cap: one connection over maxConnections gets 503 and is closed",
      async () => {
        const held: RawClient[] = [];
        const { openConnections } = server.http.stats;
        for (let i = openConnections; i < 40; i++) {
          const c = await RawClient.open(server.port);
          await c.write("GET /health HTTP/1.1\r\nHost: t\r\n\r\n"); // keep-alive: stays open
          assert.equal((await guard(c.response(), GUARD_MS, "held"))?.status, 200);
          held.push(c);
        }
        const extra = await RawClient.open(server.port);
        await extra.write("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
        const r = await guard(extra.response(), GUARD_MS, "over the cap");
        assert.equal(r?.status, 503);
        assert.match(problem(r).detail, /40 are open, the most this server allows/);
        await guard(extra.closedByServer(), GUARD_MS, "close over the cap");
        extra.close();
        const closed = next(server, "close");
        held.pop()!.close();
        await closed;
        const again = await rawGet(
          server,
          "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        );
        assert.equal(again?.status, 200, "a freed slot serves again");
        for (const c of held) c.close();
      },
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test({
  name:
    "timeouts on the real server: half a head, a stalled body and an idle keep-alive are closed",
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const server = await serve({}, {
    headersTimeoutMs: 1000,
    bodyIdleTimeoutMs: 1000,
    idleTimeoutMs: 1000,
  });
  try {
    await t.step("half the headers: 408 problem+json, then the socket closes", async () => {
      const c = await RawClient.open(server.port);
      const closed = next(server, "close", (d) => d.reason === "header-timeout");
      await c.write("GET /health HTTP/1.1\r\nHost: t\r\nX-Half: ");
      const r = await guard(c.response(), GUARD_MS, "408");
      assert.equal(r?.status, 408);
      assert.match(problem(r).detail, /did not arrive within 1000 ms/);
      await guard(c.closedByServer(), GUARD_MS, "close after 408");
      await closed;
      c.close();
    });

    await t.step("a body that stalls: 408 problem+json, then the socket closes", async () => {
      const c = await RawClient.open(server.port);
      await c.write(
        'POST /recommend HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"rat',
      );
      const r = await guard(c.response(), GUARD_MS, "408 body");
      assert.equal(r?.status, 408);
      assert.match(problem(r).detail, /no bytes arrived for too long/);
      await guard(c.closedByServer(), GUARD_MS, "close after body timeout");
      c.close();
    });

    await t.step(
      "a connection that sends nothing, and an idle keep-alive, are closed",
      async () => {
        const silent = await RawClient.open(server.port);
        await guard(silent.closedByServer(), GUARD_MS, "silent connection");
        silent.close();
        const c = await RawClient.open(server.port);
        await c.write("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
        assert.equal((await c.response())?.status, 200);
        await guard(c.closedByServer(), GUARD_MS, "idle keep-alive");
        c.close();
        const m = await metricsText(server);
        assert.match(m, /http_connections_closed_total\{reason="idle-timeout"\} [2-9]/);
        assert.match(m, /http_rejected_requests_total\{reason="header-timeout",status="408"\} 1/);
      },
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test({
  name:
    "--watch swaps the model when the champion file moves, under load, with zero failed requests",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const f = await fixture();
  const dir = await Deno.makeTempDir({ prefix: "movierec_watch_" });
  await Deno.symlink(join(f.dataDir, "processed"), join(dir, "processed"));
  await Deno.symlink(join(f.dataDir, "interim"), join(dir, "interim"));
  await writeModelDir(join(dir, "models", "biased-mf"), f.artifact);
  const als = createModel("als", { factors: 8, iterations: 4 });
  als.fit(f.train);
  await writeModelDir(join(dir, "models", "als"), await als.save());
  await Deno.mkdir(join(dir, "metrics"), { recursive: true });
  const champion = join(dir, "metrics", "champion.json");
  await Deno.writeTextFile(champion, JSON.stringify({ model: "biased-mf" }));
  const server = startServer(
    readServerOptions(["--port", "0", "--data-dir", dir, "--watch"], {
      LOG_LEVEL: "off",
      WATCH_INTERVAL_MS: "50",
    }),
  );
  try {
    assert.ok(await server.firstLoad);
    assert.ok(server.watch, "--watch starts a watch");
    await server.watch.nextCheck(); // the first check records what is served
    const base = `http://127.0.0.1:${server.port}`;
    let stop = false;
    const failures: string[] = [];
    const served = new Set<string>();
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const res = await fetch(`${base}/recommend/${1 + ((i * 13 + w) % 610)}?k=5`);
        const body = await res.json();
        if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(body)}`);
        else served.add(body.model);
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    for (const name of ["als", "biased-mf", "als", "biased-mf"]) {
      const swapped = new Promise<string>((resolve) =>
        server.holder.addEventListener(
          "swap",
          (e) => resolve((e as CustomEvent<{ info: { name: string } }>).detail.info.name),
          { once: true },
        )
      );
      const tmp = `${champion}.tmp`;
      await Deno.writeTextFile(tmp, JSON.stringify({ model: name }));
      await Deno.rename(tmp, champion); // how the pipeline writes it: atomically
      assert.equal(await guard(swapped, GUARD_MS, `swap to ${name}`), name);
      assert.equal((await (await fetch(`${base}/health`)).json()).model, name);
    }
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(failures, []);
    assert.deepEqual([...served].sort(), ["als", "biased-mf"]);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
