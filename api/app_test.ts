import assert from "node:assert/strict";
import { join } from "node:path";
import { type AppOptions, createApp } from "./app.ts";
import { ModelHolder } from "./model_holder.ts";
import { JsonLogger } from "./json_logger.ts";
import { loadFromSource, parseModelSource } from "./model_source.ts";
import { fixture } from "./_test_fixture.ts";
import type { LoadedModel } from "./loaded_model.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/evaluation/min_ratings.ts";
import { assertDeclared } from "./_response_check.ts";

const quiet = new JsonLogger({ level: "off" });

let _model: Promise<LoadedModel> | null = null;
async function loaded(): Promise<LoadedModel> {
  _model ??= fixture().then((f) => loadFromSource(parseModelSource({ dataDir: f.dataDir })));
  return await _model;
}

/** An app whose every answer is checked against the schema its route declares. */
function checked(a: ReturnType<typeof createApp>) {
  return {
    async request(path: string, init: RequestInit = {}): Promise<Response> {
      const res = await a.request(path, init);
      await assertDeclared(init.method ?? "GET", path, res);
      return res;
    },
  };
}

async function app(options: Partial<AppOptions> = {}) {
  const m = await loaded();
  const holder = new ModelHolder(() => Promise.resolve(m), { initial: m });
  return checked(createApp({ holder, logger: quiet, ...options }));
}

// deno-lint-ignore no-explicit-any
type Json = any;

async function json(res: Response): Promise<Json> {
  return await res.json();
}

async function assertProblem(res: Response, status: number, detail?: RegExp): Promise<Json> {
  assert.equal(
    res.status,
    status,
    `expected ${status}, got ${res.status}: ${await res.clone().text()}`,
  );
  assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/);
  const body = await res.json();
  assert.equal(body.status, status);
  assert.equal(typeof body.title, "string");
  assert.equal(typeof body.detail, "string");
  if (detail) assert.match(body.detail, detail);
  assert.doesNotMatch(JSON.stringify(body), /\n\s+at |\.ts:\d+/, "no stack trace in a response");
  return body;
}

Deno.test("GET /recommend/{userId} ranks unseen movies for a known user, best first", async () => {
  const a = await app();
  const f = await fixture();
  const res = await a.request("/recommend/1?k=10");
  assert.equal(res.status, 200);
  const body = await json(res);
  assert.equal(body.userId, 1);
  assert.equal(body.scorer, "model");
  assert.equal(body.fallback, false);
  assert.equal(body.items.length, 10);
  const seen = new Set<number>();
  for (let e = 0; e < f.train.rating.length; e++) {
    if (f.train.userId[e] === 1) seen.add(f.train.movieId[e]!);
  }
  for (const it of body.items) {
    assert.ok(!seen.has(it.movieId), `movie ${it.movieId} was rated by user 1`);
    assert.equal(typeof it.title, "string");
    assert.ok(Array.isArray(it.genres));
  }
  const scores = body.items.map((x: Json) => x.score);
  assert.deepEqual(scores, [...scores].sort((x, y) => y - x));
  // same ranking as the model's own recommend() with the default minimum of training ratings
  const own = f.model.recommend(1, 10, { excludeSeen: true, minRatings: DEFAULT_MIN_RATINGS });
  assert.ok(own.ok);
  assert.deepEqual(body.items.map((x: Json) => x.movieId), own.items.map((x) => x.movieId));
});

Deno.test("GET /recommend/{userId}?exclude_seen=false may return rated movies; genre filters", async () => {
  const a = await app();
  const all = await json(await a.request("/recommend/1?k=50&exclude_seen=false&min_ratings=0"));
  const f = await fixture();
  const seen = new Set<number>();
  for (let e = 0; e < f.train.rating.length; e++) {
    if (f.train.userId[e] === 1) seen.add(f.train.movieId[e]!);
  }
  assert.ok(all.items.some((x: Json) => seen.has(x.movieId)));
  const horror = await json(await a.request("/recommend/1?k=20&genre=horror&min_ratings=0"));
  assert.equal(horror.items.length, 20);
  for (const it of horror.items) assert.ok(it.genres.includes("Horror"), it.title);
});

Deno.test("GET /recommend/{userId}?min_ratings=N ranks only movies with N training ratings", async () => {
  const f = await fixture();
  const counts = new Map<number, number>();
  for (const id of f.train.movieId) counts.set(id, (counts.get(id) ?? 0) + 1);
  const ids = async (a: Awaited<ReturnType<typeof app>>, path: string) =>
    (await json(await a.request(path))).items.map((x: Json) => x.movieId) as number[];
  const a = await app();
  for (const n of [0, 5, 100]) {
    const got = await ids(a, `/recommend/1?k=10&min_ratings=${n}`);
    assert.equal(got.length, 10);
    for (const id of got) assert.ok(counts.get(id)! >= n, `movie ${id}: ${counts.get(id)} < ${n}`);
    const own = f.model.recommend(1, 10, { excludeSeen: true, minRatings: n });
    assert.ok(own.ok);
    assert.deepEqual(got, own.items.map((x) => x.movieId));
  }
  // without the parameter: the server's default (here set to 100), not the built-in one
  const strict = await app({ minRatings: 100 });
  assert.deepEqual(
    await ids(strict, "/recommend/1?k=10"),
    await ids(a, "/recommend/1?k=10&min_ratings=100"),
  );
  assert.notDeepEqual(
    await ids(a, "/recommend/1?k=10&min_ratings=0"),
    await ids(a, "/recommend/1?k=10&min_ratings=100"),
    "the floor changes user 1's list on the real data",
  );
  // with a genre too
  for (
    const it of (await json(await a.request("/recommend/1?k=5&genre=Comedy&min_ratings=30")))
      .items
  ) {
    assert.ok(it.genres.includes("Comedy") && counts.get(it.movieId)! >= 30);
  }
  // the popularity fallback of an unknown user is unaffected
  assert.deepEqual(
    await ids(a, "/recommend/999999?k=5&min_ratings=100000"),
    await ids(a, "/popular?k=5"),
  );
});

Deno.test("without min_ratings the API uses the floor the evaluate stage measured the model with", async () => {
  const f = await fixture();
  // A data folder like the pipeline's, whose metrics.json says the model was evaluated at 100.
  const dir = await Deno.makeTempDir();
  for (const sub of ["processed", "interim", "models"]) {
    await Deno.symlink(join(f.dataDir, sub), join(dir, sub));
  }
  await Deno.mkdir(join(dir, "metrics", f.model.name), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "metrics", "champion.json"),
    JSON.stringify({ model: f.model.name }),
  );
  await Deno.writeTextFile(
    join(dir, "metrics", f.model.name, "metrics.json"),
    JSON.stringify({ model: f.model.name, minRatings: 100 }),
  );
  const m = await loadFromSource(parseModelSource({ dataDir: dir }));
  assert.equal(m.info.evaluatedMinRatings, 100);
  const a = checked(createApp({
    holder: new ModelHolder(() => Promise.resolve(m), { initial: m }),
    logger: quiet,
  }));
  const ids = async (path: string) =>
    (await json(await a.request(path))).items.map((x: Json) => x.movieId) as number[];
  assert.deepEqual(await ids("/recommend/1?k=10"), await ids("/recommend/1?k=10&min_ratings=100"));
  // the server's own setting still wins over the measured one
  const b = checked(createApp({
    holder: new ModelHolder(() => Promise.resolve(m), { initial: m }),
    logger: quiet,
    minRatings: 0,
  }));
  assert.deepEqual(
    (await json(await b.request("/recommend/1?k=10"))).items.map((x: Json) => x.movieId),
    await ids("/recommend/1?k=10&min_ratings=0"),
  );
});

Deno.test("min_ratings must be a whole number from 0: anything else is a 400", async () => {
  const a = await app();
  for (const bad of ["-1", "abc", "1.5", "1e3", "", "99999999999"]) {
    await assertProblem(
      await a.request(`/recommend/1?min_ratings=${encodeURIComponent(bad)}`),
      400,
      /min_ratings/,
    );
    await assertProblem(
      await a.request(`/recommend?min_ratings=${encodeURIComponent(bad)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ratings: [{ movieId: 1, rating: 5 }] }),
      }),
      400,
      /min_ratings/,
    );
  }
  const doc = await json(await a.request("/openapi.json"));
  for (
    const [path, method] of [["/recommend/{userId}", "get"], ["/recommend", "post"]] as const
  ) {
    const params = doc.paths[path][method].parameters as Json[];
    assert.ok(
      params.some((p) => p.name === "min_ratings" && p.in === "query"),
      `${method} ${path} documents min_ratings`,
    );
  }
});

Deno.test("POST /recommend?min_ratings=N folds in and ranks only movies with N training ratings", async () => {
  const f = await fixture();
  const counts = new Map<number, number>();
  for (const id of f.train.movieId) counts.set(id, (counts.get(id) ?? 0) + 1);
  const a = await app();
  const body = JSON.stringify({
    ratings: [{ movieId: 1, rating: 5 }, { movieId: 2571, rating: 5 }, { movieId: 260, rating: 4 }],
    k: 10,
  });
  const post = async (q: string) =>
    await json(
      await a.request(`/recommend${q}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }),
    );
  const loose = await post("?min_ratings=0");
  const floored = await post("?min_ratings=60");
  assert.equal(floored.scorer, "model");
  assert.equal(floored.items.length, 10);
  for (const it of floored.items) assert.ok(counts.get(it.movieId)! >= 60);
  // the floor is a filter of the same ranking
  const kept = loose.items.filter((x: Json) => counts.get(x.movieId)! >= 60);
  assert.deepEqual(floored.items.slice(0, kept.length), kept);
  assert.deepEqual(
    (await post("")).items,
    (await post(`?min_ratings=${DEFAULT_MIN_RATINGS}`)).items,
  );
});

Deno.test("GET /recommend/{userId} for an unknown user answers the popular list, flagged", async () => {
  const a = await app();
  const body = await json(await a.request("/recommend/999999?k=5&genre=Comedy"));
  assert.equal(body.fallback, true);
  assert.equal(body.scorer, "popularity");
  assert.equal(body.items.length, 5);
  for (const it of body.items) assert.ok(it.genres.includes("Comedy"));
  const pop = await json(await a.request("/popular?k=5&genre=Comedy"));
  assert.deepEqual(body.items.map((x: Json) => x.movieId), pop.items.map((x: Json) => x.movieId));
});

Deno.test("POST /recommend: folding in a known user's own ratings reproduces their recommendations", async () => {
  const a = await app();
  const f = await fixture();
  for (const userId of [1, 50, 200, 600]) {
    const ratings: { movieId: number; rating: number }[] = [];
    for (let e = 0; e < f.train.rating.length; e++) {
      if (f.train.userId[e] === userId) {
        ratings.push({ movieId: f.train.movieId[e]!, rating: f.train.rating[e]! });
      }
    }
    const res = await a.request("/recommend", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ratings: ratings.slice(0, 1000), k: 10 }),
    });
    assert.equal(res.status, 200);
    const folded = await json(res);
    assert.equal(folded.scorer, "model");
    assert.equal(folded.fallback, false);
    assert.equal(folded.userId, null);
    const rated = new Set(ratings.map((r) => r.movieId));
    for (const it of folded.items) assert.ok(!rated.has(it.movieId), "rated movies are left out");
    const trained = await json(await a.request(`/recommend/${userId}?k=10`));
    const same = new Set(trained.items.map((x: Json) => x.movieId));
    const overlap = folded.items.filter((x: Json) => same.has(x.movieId)).length;
    assert.ok(overlap >= 8, `user ${userId}: ${overlap}/10 in common`);
  }
});

Deno.test("POST /recommend honours genre and reports unknown movies", async () => {
  const a = await app();
  const res = await a.request("/recommend", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      ratings: [{ movieId: 1258, rating: 5 }, { movieId: 1997, rating: 4.5 }, {
        movieId: 2_000_000_000,
        rating: 4,
      }],
      genre: "horror",
      k: 5,
    }),
  });
  const b = await json(res);
  assert.deepEqual(b.unknownMovieIds, [2_000_000_000]);
  assert.equal(b.items.length, 5);
  for (const it of b.items) {
    assert.ok(it.genres.includes("Horror"));
    assert.ok(it.movieId !== 1258 && it.movieId !== 1997);
  }
  const again = await json(
    await a.request("/recommend", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ratings: [{ movieId: 1258, rating: 5 }],
        exclude_rated: false,
        k: 100,
      }),
    }),
  );
  assert.equal(again.items.length, 100);
});

Deno.test("POST /recommend with only unknown movies falls back to the popular list", async () => {
  const a = await app();
  const res = await a.request("/recommend", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ratings: [{ movieId: 2_000_000_000, rating: 4 }] }),
  });
  const b = await json(res);
  assert.equal(b.fallback, true);
  assert.equal(b.scorer, "popularity");
  assert.equal(b.items.length, 10);
});

Deno.test("GET /similar/{movieId} returns cosine neighbours without the movie itself", async () => {
  const a = await app();
  const body = await json(await a.request("/similar/1?k=7"));
  assert.equal(body.items.length, 7);
  for (const it of body.items) {
    assert.notEqual(it.movieId, 1);
    assert.ok(it.score <= 1 + 1e-9 && it.score >= -1 - 1e-9);
  }
  const f = await fixture();
  assert.deepEqual(
    body.items.map((x: Json) => x.movieId),
    f.model.similar(1, 7)!.map((x) => x.movieId),
  );
  await assertProblem(await a.request("/similar/2000000000"), 404, /Unknown movie/);
});

Deno.test("GET /predict/{userId}/{movieId} is clipped, says which scorer answered", async () => {
  const a = await app();
  const f = await fixture();
  const body = await json(await a.request("/predict/1/296"));
  assert.equal(body.scorer, "model");
  assert.ok(Math.abs(body.rating - f.model.predict(1, 296).rating) < 1e-5);
  assert.ok(body.rating >= 0.5 && body.rating <= 5);
  const cold = await json(await a.request("/predict/999999/296"));
  assert.notEqual(cold.scorer, "model");
  await assertProblem(await a.request("/predict/1/2000000000"), 404, /Unknown movie/);
});

Deno.test("GET /explain/{userId}/{movieId} lists the user's rated movies that contribute most", async () => {
  const a = await app();
  const body = await json(await a.request("/explain/1/296?k=4"));
  assert.equal(body.contributions.length, 4);
  const t = body.terms;
  const raw = t.globalMean + t.userBias + t.itemBias + t.interaction;
  assert.ok(Math.abs(Math.min(5, Math.max(0.5, raw)) - body.prediction) < 1e-5);
  for (const c of body.contributions) assert.equal(typeof c.title, "string");
  await assertProblem(await a.request("/explain/999999/296"), 404, /Unknown user/);
  await assertProblem(await a.request("/explain/1/2000000000"), 404, /Unknown movie/);
});

Deno.test("GET /movies/{movieId}, /movies?search= and /popular read the catalog", async () => {
  const a = await app();
  const toy = await json(await a.request("/movies/1"));
  assert.deepEqual(toy, {
    movieId: 1,
    title: "Toy Story (1995)",
    year: 1995,
    genres: ["Adventure", "Animation", "Children", "Comedy", "Fantasy"],
  });
  await assertProblem(await a.request("/movies/2000000000"), 404, /Unknown movie/);
  const found = await json(await a.request("/movies?search=TOY%20story&limit=3"));
  assert.equal(found.items[0].movieId, 1);
  assert.ok(found.total >= 3);
  const accents = await json(await a.request("/movies?search=amelie"));
  assert.ok(accents.items.some((m: Json) => /Amélie/.test(m.title)));
  const pop = await json(await a.request("/popular?k=10"));
  assert.equal(pop.items.length, 10);
  const w = pop.items.map((x: Json) => x.score);
  assert.deepEqual(w, [...w].sort((x, y) => y - x));
  assert.ok(pop.items.every((x: Json) => x.count > 0));
});

Deno.test("GET /health, /ready, /metrics, /openapi.json and /docs", async () => {
  const a = await app();
  const health = await json(await a.request("/health"));
  assert.equal(health.status, "ok");
  assert.equal(health.model, "biased-mf");
  assert.match(health.version, /^[0-9a-f]{12}$/);
  assert.match(health.dataHash, /^[0-9a-f]{64}$/);
  assert.equal(typeof health.uptimeSeconds, "number");
  assert.equal((await a.request("/ready")).status, 200);
  await a.request("/recommend/999999");
  await a.request("/recommend/1");
  const metrics = await (await a.request("/metrics")).text();
  assert.match(
    metrics,
    /http_requests_total\{method="GET",route="\/recommend\/\{userId\}",status="200"\} 2/,
  );
  assert.match(
    metrics,
    /http_request_duration_seconds_bucket\{method="GET",route="\/recommend\/\{userId\}",le="\+Inf"\} 2/,
  );
  assert.match(metrics, /recommender_fallback_ratio\{endpoint="recommend"\} 0.5/);
  const spec = await json(await a.request("/openapi.json"));
  assert.equal(spec.openapi, "3.1.0");
  for (
    const p of [
      "/recommend/{userId}",
      "/recommend",
      "/similar/{movieId}",
      "/predict/{userId}/{movieId}",
      "/explain/{userId}/{movieId}",
      "/movies/{movieId}",
      "/movies",
      "/popular",
      "/health",
      "/metrics",
    ]
  ) {
    assert.ok(spec.paths[p], `openapi lacks ${p}`);
  }
  const k = spec.paths["/recommend/{userId}"].get.parameters.find((p: Json) => p.name === "k");
  assert.equal(k.in, "query");
  assert.equal(
    spec.paths["/recommend"].post.requestBody.content["application/json"].schema.type,
    "object",
  );
  const docs = await a.request("/docs");
  assert.match(docs.headers.get("content-type") ?? "", /text\/html/);
  const html = await docs.text();
  assert.match(html, /openapi\.json/);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=["']?https?:/i, "no external assets");
});

Deno.test("errors are problem+json: 400 bad parameter, 404 unknown route, 405 wrong method, 415, 413", async () => {
  const a = await app();
  const bad = await assertProblem(await a.request("/recommend/abc"), 400, /userId/);
  assert.equal(bad.errors[0].where, "path");
  await assertProblem(await a.request("/recommend/1?k=0"), 400, /k/);
  await assertProblem(await a.request("/recommend/1?k=101"), 400, /too large/);
  await assertProblem(await a.request("/recommend/1?genre=Nope"), 400, /unknown genre/);
  await assertProblem(await a.request("/recommend/1?exclude_seen=maybe"), 400, /exclude_seen/);
  await assertProblem(await a.request("/recommend/1?kk=3"), 400, /unknown parameter: kk/);
  await assertProblem(await a.request("/nope"), 404, /No such endpoint/);
  const wrong = await a.request("/recommend/1", { method: "DELETE" });
  await assertProblem(wrong, 405);
  assert.match(wrong.headers.get("allow") ?? "", /GET/);
  await assertProblem(
    await a.request("/recommend", {
      method: "POST",
      body: "x",
      headers: { "content-type": "text/plain" },
    }),
    415,
  );
  await assertProblem(
    await a.request("/recommend", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[" + " ".repeat(70_000) + "]",
    }),
    413,
  );
  await assertProblem(
    await a.request("/recommend", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"ratings": [',
    }),
    400,
    /not JSON/,
  );
});

Deno.test("bad-input sweep: only 4xx, always problem+json, never a stack trace", async () => {
  const a = await app();
  const ids = [
    "-1",
    "0",
    "1.5",
    "1e3",
    "0x10",
    "abc",
    "%20",
    "%F0%9F%8E%AC",
    "%D9%A1%D9%A2",
    "99999999999999999999999",
    "9".repeat(5000),
    "NaN",
    "Infinity",
    "null",
    "%00",
    "1%2F2",
  ];
  const ks = ["-1", "0", "101", "1e2", "abc", "9".repeat(500), "", "%F0%9F%98%80", "10.5", "1,2"];
  const paths: string[] = [];
  for (const id of ids) {
    paths.push(
      `/recommend/${id}`,
      `/similar/${id}`,
      `/predict/${id}/1`,
      `/predict/1/${id}`,
      `/explain/${id}/1`,
      `/movies/${id}`,
    );
  }
  for (const k of ks) {
    paths.push(
      `/recommend/1?k=${k}`,
      `/similar/1?k=${k}`,
      `/popular?k=${k}`,
      `/movies?limit=${k}`,
      `/explain/1/1?k=${k}`,
    );
  }
  paths.push(
    `/movies?search=${"x".repeat(5000)}`,
    `/recommend/1?genre=${"g".repeat(5000)}`,
    "/recommend/1?genre=",
    "/popular?genre=%F0%9F%8E%AC",
  );
  for (const p of paths) {
    const res = await a.request(p);
    assert.ok(res.status >= 400 && res.status < 500, `${p.slice(0, 80)} -> ${res.status}`);
    await assertProblem(res, res.status);
  }
  for (const method of ["PUT", "DELETE", "PATCH"]) {
    for (const p of ["/recommend/1", "/recommend", "/health", "/movies", "/similar/1"]) {
      const res = await a.request(p, { method });
      assert.equal(res.status, 405, `${method} ${p}`);
      await res.body?.cancel();
    }
  }
  const bodies = [
    "",
    "null",
    "[]",
    "{}",
    "{",
    "not json",
    '{"ratings": null}',
    '{"ratings": []}',
    '{"ratings": [{}]}',
    '{"ratings": [{"movieId": "1", "rating": 5}]}',
    '{"ratings": [{"movieId": 1, "rating": "5"}]}',
    '{"ratings": [{"movieId": -1, "rating": 5}]}',
    '{"ratings": [{"movieId": 1.5, "rating": 5}]}',
    '{"ratings": [{"movieId": 1, "rating": 1e309}]}',
    '{"ratings": [{"movieId": 1, "rating": -3}]}',
    '{"ratings": [{"movieId": 1, "rating": 5, "extra": 1}]}',
    '{"ratings": [{"movieId": 1, "rating": 5}], "k": 0}',
    '{"ratings": [{"movieId": 1, "rating": 5}], "k": 1000}',
    '{"ratings": [{"movieId": 1, "rating": 5}], "genre": "Nope"}',
    JSON.stringify({
      ratings: Array.from({ length: 1001 }, (_, i) => ({ movieId: i + 1, rating: 3 })),
    }),
    '{"ratings": [{"movieId": 99999999999999999999, "rating": 5}]}',
    '"\u00ff\u0000"',
  ];
  for (const body of bodies) {
    const res = await a.request("/recommend", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assert.ok(res.status >= 400 && res.status < 500, `${body.slice(0, 60)} -> ${res.status}`);
    await assertProblem(res, res.status);
  }
  const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
  await assertProblem(
    await a.request("/recommend", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: invalidUtf8,
    }),
    400,
  );
});

Deno.test("auth: API keys required when configured; health, metrics and docs stay open", async () => {
  const a = await app({ apiKeys: ["k-one", "k-two"] });
  const missing = await a.request("/recommend/1");
  await assertProblem(missing, 401, /Missing API key/);
  await assertProblem(
    await a.request("/recommend/1", { headers: { "x-api-key": "nope" } }),
    401,
    /Invalid API key/,
  );
  assert.equal(
    (await a.request("/recommend/1", { headers: { "x-api-key": "k-two" } })).status,
    200,
  );
  for (const p of ["/health", "/ready", "/metrics", "/openapi.json", "/docs"]) {
    const res = await a.request(p);
    assert.equal(res.status, 200, p);
    await res.body?.cancel();
  }
  // Admin: a key is always needed.
  await assertProblem(await a.request("/admin/reload", { method: "POST" }), 401);
  const open = await app();
  await assertProblem(await open.request("/admin/reload", { method: "POST" }), 403, /disabled/);
  const ok = await a.request("/admin/reload", {
    method: "POST",
    headers: { "x-api-key": "k-one" },
  });
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).reloaded, true);
});

Deno.test("rate limit: 429 with Retry-After per client, refills with time", async () => {
  let now = 0;
  const a = await app({
    apiKeys: ["a", "b"],
    rateLimit: { perSecond: 2, burst: 3 },
    now: () => now,
  });
  const get = (key: string) => a.request("/movies/1", { headers: { "x-api-key": key } });
  for (let i = 0; i < 3; i++) assert.equal((await get("a")).status, 200);
  const limited = await get("a");
  const body = await assertProblem(limited, 429, /Rate limit exceeded/);
  assert.equal(limited.headers.get("retry-after"), "1");
  assert.ok(body.requestId);
  assert.equal((await get("b")).status, 200, "another key has its own bucket");
  assert.equal((await a.request("/health")).status, 200, "health is never limited");
  now += 600;
  assert.equal((await get("a")).status, 200);
});

Deno.test("CORS is closed by default and opens for configured origins", async () => {
  const closed = await app();
  const r1 = await closed.request("/movies/1", { headers: { origin: "https://example.org" } });
  assert.equal(r1.headers.get("access-control-allow-origin"), null);
  const open = await app({ corsOrigins: ["https://example.org"] });
  const r2 = await open.request("/movies/1", { headers: { origin: "https://example.org" } });
  assert.equal(r2.headers.get("access-control-allow-origin"), "https://example.org");
  const r3 = await open.request("/movies/1", { headers: { origin: "https://evil.example" } });
  assert.notEqual(r3.headers.get("access-control-allow-origin"), "https://evil.example");
});

Deno.test("every response carries a request id; a valid incoming one is kept; logs are JSON lines", async () => {
  const lines: string[] = [];
  const logger = new JsonLogger({ write: (chunk) => lines.push(...chunk.trimEnd().split("\n")) });
  const a = await app({ logger });
  const r1 = await a.request("/movies/1", { headers: { "x-request-id": "abc-123" } });
  assert.equal(r1.headers.get("x-request-id"), "abc-123");
  const r2 = await a.request("/movies/1", { headers: { "x-request-id": "bad id with spaces" } });
  assert.match(r2.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  logger.flush();
  const rec = JSON.parse(lines[0]!);
  assert.equal(rec.msg, "request");
  assert.equal(rec.requestId, "abc-123");
  assert.equal(rec.route, "/movies/{movieId}");
  assert.equal(rec.status, 200);
});

Deno.test("503 problem until a model is loaded", async () => {
  const holder = new ModelHolder(() => Promise.reject(new Error("not yet")));
  const a = checked(createApp({ holder, logger: quiet }));
  await assertProblem(await a.request("/ready"), 503);
  await assertProblem(await a.request("/recommend/1"), 503);
  assert.equal((await json(await a.request("/health"))).status, "loading");
});

Deno.test("a broken model file is rejected on reload and the old model keeps serving", async () => {
  const f = await fixture();
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "models", "biased-mf"), { recursive: true });
  await Deno.symlink(join(f.dataDir, "processed"), join(dir, "processed"));
  await Deno.symlink(join(f.dataDir, "interim"), join(dir, "interim"));
  await Deno.mkdir(join(dir, "metrics"), { recursive: true });
  await Deno.copyFile(
    join(f.dataDir, "metrics", "champion.json"),
    join(dir, "metrics", "champion.json"),
  );
  for (const file of ["manifest.json", "model.bin"]) {
    await Deno.copyFile(
      join(f.dataDir, "models", "biased-mf", file),
      join(dir, "models", "biased-mf", file),
    );
  }
  const source = parseModelSource({ dataDir: dir });
  const holder = new ModelHolder(() => loadFromSource(source));
  assert.ok((await holder.reload()).ok);
  const a = checked(createApp({ holder, logger: quiet, apiKeys: ["admin"] }));
  const before = await json(await a.request("/health"));
  const bin = join(dir, "models", "biased-mf", "model.bin");
  const bytes = await Deno.readFile(bin);
  await Deno.writeFile(bin, bytes.subarray(0, bytes.length >> 1)); // truncated
  const r = await a.request("/admin/reload", { method: "POST", headers: { "x-api-key": "admin" } });
  await assertProblem(r, 422, /Reload rejected: .*truncated.*still serving biased-mf/);
  bytes[100] = bytes[100]! ^ 0xff; // corrupt
  await Deno.writeFile(bin, bytes);
  await assertProblem(
    await a.request("/admin/reload", { method: "POST", headers: { "x-api-key": "admin" } }),
    422,
    /sha256/,
  );
  await Deno.writeTextFile(join(dir, "models", "biased-mf", "manifest.json"), "{not json");
  await assertProblem(
    await a.request("/admin/reload", { method: "POST", headers: { "x-api-key": "admin" } }),
    422,
    /not JSON/,
  );
  const after = await json(await a.request("/health"));
  assert.equal(after.loadedAt, before.loadedAt);
  assert.equal(
    (await a.request("/recommend/1", { headers: { "x-api-key": "admin" } })).status,
    200,
  );
  const metrics = await (await a.request("/metrics")).text();
  assert.match(metrics, /recommender_model_reloads_total\{result="failed"\} 3/);
  await Deno.remove(dir, { recursive: true });
});
