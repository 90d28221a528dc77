/**
 * The fast lane answers exactly what the Hono app answers: the same bodies
 * for the hot routes (compared with `app.request()` on the same model), the
 * app's own errors for anything unusual, and the same metrics.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createApp } from "./app.ts";
import { ModelHolder } from "./model_holder.ts";
import { JsonLogger } from "./json_logger.ts";
import { loadFromSource, parseModelSource } from "./model_source.ts";
import { twoChampionsDir } from "./_test_fixture.ts";
import { readServerOptions, startServer } from "./main.ts";
import type { HttpEventDetails } from "./http_server.ts";

const fold = (ids: number[], rating = 4) =>
  JSON.stringify({ ratings: ids.map((movieId) => ({ movieId, rating })), k: 5 });

Deno.test({
  name: "the fast lane answers as the app: same bodies, the app's errors, counted in /metrics",
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const dir = await twoChampionsDir();
  const m = await loadFromSource(parseModelSource({ dataDir: dir }));
  const app = createApp({
    holder: new ModelHolder(() => Promise.resolve(m), { initial: m }),
    logger: new JsonLogger({ level: "off" }),
  });
  const server = startServer(readServerOptions(["--port", "0", "--data-dir", dir], {
    LOG_LEVEL: "off",
    RATE_LIMIT: "off",
  }));
  const answered: number[] = [];
  server.http.addEventListener("response", (e) => {
    answered.push((e as CustomEvent<HttpEventDetails["response"]>).detail.status);
  });
  try {
    assert.ok(await server.firstLoad);
    const base = `http://127.0.0.1:${server.port}`;
    const post = (body: string, path = "/recommend") => ({
      path,
      init: { method: "POST", headers: { "content-type": "application/json" }, body },
    });
    await t.step("the same bodies as app.request()", async () => {
      const cases: { path: string; init?: RequestInit }[] = [
        { path: "/recommend/1" },
        { path: "/recommend/7?k=25" },
        { path: "/recommend/3?k=4&exclude_seen=false&min_ratings=20" },
        { path: "/recommend/3?genre=comedy&k=3" },
        { path: "/recommend/999999" }, // unknown user: the popular list
        { path: "/similar/1?k=7" },
        { path: "/similar/260" },
        post(fold([1, 2, 3, 6, 10, 32, 47, 50, 110, 260])),
        post(fold([1, 99999999], 5), "/recommend?min_ratings=10"),
        post(
          JSON.stringify({
            ratings: [{ movieId: 1, rating: 5 }],
            genre: "Drama",
            exclude_rated: false,
          }),
        ),
      ];
      for (const c of cases) {
        const direct = await app.request(c.path, c.init);
        const served = await fetch(base + c.path, c.init);
        assert.equal(served.status, direct.status, c.path);
        assert.equal(served.headers.get("content-type"), direct.headers.get("content-type"));
        assert.match(served.headers.get("x-request-id") ?? "", /^[\w-]+$/);
        assert.deepEqual(await served.json(), await direct.json(), c.path);
      }
    });
    await t.step("anything unusual gets the app's error", async () => {
      const cases: [string, RequestInit | undefined, number][] = [
        ["/recommend/0", undefined, 400],
        ["/recommend/abc", undefined, 400],
        ["/recommend/1?k=0", undefined, 400],
        ["/recommend/1?k=101", undefined, 400],
        ["/recommend/1?genre=NoSuchGenre", undefined, 400],
        ["/recommend/1?colour=red", undefined, 400],
        ["/similar/99999999", undefined, 404],
        ["/recommend", post(fold([1, 1])).init, 400],
        ["/recommend", post(fold([1], 9)).init, 400],
        ["/recommend", post('{"ratings":[]}').init, 400],
        ["/recommend", post("{not json").init, 400],
        [
          "/recommend",
          { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" },
          415,
        ],
      ];
      for (const [path, init, status] of cases) {
        const res = await fetch(base + path, init);
        const body = await res.json();
        assert.equal(res.status, status, `${path}: ${JSON.stringify(body)}`);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        const direct = await app.request(path, init);
        assert.equal((await direct.json()).detail, body.detail, path);
      }
    });
    await t.step("the lane's answers are counted in /metrics", async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(text, /route="\/recommend\/\{userId\}",status="200"\} [1-9]/);
      assert.match(text, /route="\/similar\/\{movieId\}",status="200"\} [1-9]/);
      assert.ok(answered.length > 0, "the server's response events fire for the lane too");
    });
  } finally {
    await server.shutdown();
  }
});
