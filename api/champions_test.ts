/**
 * Two champions: a pipeline data folder whose select stage chose a rating
 * champion (biased-mf) and a ranking champion (item-knn, trained here with
 * `createModel` on the fixture's training ratings). The ranking champion
 * answers the ranked lists, `/similar` and `/explain`; the rating champion
 * `/predict`; every answer says which. Then the real server swaps the pair
 * under load with zero failed requests.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "./app.ts";
import { ModelHolder } from "./model_holder.ts";
import { JsonLogger } from "./json_logger.ts";
import { loadFromSource, parseModelSource } from "./model_source.ts";
import { fixture, twoChampionsDir, writeChampions } from "./_test_fixture.ts";
import { assertDeclared } from "./_response_check.ts";
import { guard } from "./_raw_client.ts";
import { readServerOptions, startServer } from "./main.ts";
import type { LoadedModel } from "./loaded_model.ts";

const GUARD_MS = 30_000;
const quiet = new JsonLogger({ level: "off" });

// deno-lint-ignore no-explicit-any
type Json = any;

interface TwoChampions {
  readonly dir: string;
  readonly seen: (userId: number) => Set<number>;
}

let _folder: Promise<TwoChampions> | null = null;

/** The two-champion folder and each user's training movies. */
function twoChampions(): Promise<TwoChampions> {
  _folder ??= (async () => {
    const f = await fixture();
    const dir = await twoChampionsDir();
    const byUser = new Map<number, Set<number>>();
    for (let e = 0; e < f.train.rating.length; e++) {
      const u = f.train.userId[e]!;
      if (!byUser.has(u)) byUser.set(u, new Set());
      byUser.get(u)!.add(f.train.movieId[e]!);
    }
    return { dir, seen: (u) => byUser.get(u) ?? new Set() };
  })();
  return _folder;
}

let _loaded: Promise<LoadedModel> | null = null;

async function app() {
  const t = await twoChampions();
  _loaded ??= loadFromSource(parseModelSource({ dataDir: t.dir }));
  const m = await _loaded;
  const a = createApp({
    holder: new ModelHolder(() => Promise.resolve(m), { initial: m }),
    logger: quiet,
  });
  return {
    async request(path: string, init: RequestInit = {}): Promise<Json> {
      const res = await a.request(path, init);
      await assertDeclared(init.method ?? "GET", path, res);
      assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
      return await res.json();
    },
  };
}

Deno.test("two champions: the ranking champion answers the ranked lists, the rating champion /predict", async (t) => {
  const a = await app();
  const { seen } = await twoChampions();

  await t.step("GET /recommend/{userId}: item-knn, task ranking, unseen movies", async () => {
    const body = await a.request("/recommend/1?k=10");
    assert.equal(body.model, "item-knn");
    assert.equal(body.answeredBy.name, "item-knn");
    assert.equal(body.answeredBy.task, "ranking");
    assert.match(body.answeredBy.version, /^[0-9a-f]{12}$/);
    assert.equal(body.scorer, "model");
    assert.equal(body.items.length, 10);
    for (const it of body.items) assert.ok(!seen(1).has(it.movieId), `${it.movieId} was seen`);
    const again = await a.request("/recommend/1?k=3"); // from the cached list: its prefix
    assert.deepEqual(again.items, body.items.slice(0, 3));
  });

  await t.step("GET /predict: biased-mf, task rating", async () => {
    const body = await a.request("/predict/1/1");
    assert.equal(body.model, "biased-mf");
    assert.deepEqual(
      [body.answeredBy.name, body.answeredBy.task, body.scorer],
      ["biased-mf", "rating", "model"],
    );
  });

  await t.step("GET /similar: the ranking champion's neighbours", async () => {
    const body = await a.request("/similar/1?k=5");
    assert.equal(body.answeredBy.name, "item-knn");
    assert.equal(body.items.length, 5);
    assert.ok(body.items.every((x: Json) => x.movieId !== 1));
  });

  await t.step("POST /recommend: item-knn scores the given ratings, leaves them out", async () => {
    const ratings = [1, 2, 3, 6, 10, 32, 47, 50, 110, 260].map((movieId) => ({
      movieId,
      rating: 5,
    }));
    const body = await a.request("/recommend", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ratings, k: 10 }),
    });
    assert.equal(body.answeredBy.name, "item-knn");
    assert.equal(body.scorer, "model");
    assert.equal(body.fallback, false);
    assert.equal(body.items.length, 10);
    const given = new Set(ratings.map((r) => r.movieId));
    assert.ok(body.items.every((x: Json) => !given.has(x.movieId)));
  });

  await t.step("GET /explain: the rated movies behind item-knn's score, with weights", async () => {
    const rec = await a.request("/recommend/1?k=1");
    const movieId = rec.items[0].movieId;
    const body = await a.request(`/explain/1/${movieId}?k=5`);
    assert.equal(body.answeredBy.name, "item-knn");
    assert.ok(body.contributions.length > 0 && body.contributions.length <= 5);
    for (const c of body.contributions) {
      assert.ok(seen(1).has(c.movieId), `${c.movieId} is a movie user 1 rated`);
      assert.equal(typeof c.weight, "number");
    }
    const weights = body.contributions.map((c: Json) => Math.abs(c.weight));
    assert.deepEqual(weights, [...weights].sort((x, y) => y - x));
    assert.ok(Math.abs(rec.items[0].score - body.score) < 1e-4, "the weights explain the score");
  });

  await t.step("GET /health names both champions", async () => {
    const body = await a.request("/health");
    assert.equal(body.model, "biased-mf");
    assert.equal(body.champions.rating.name, "biased-mf");
    assert.equal(body.champions.ranking.name, "item-knn");
  });
});

Deno.test("one champion (an older data folder): it answers everything, /health names no ranking champion", async () => {
  const f = await fixture();
  const m = await loadFromSource(parseModelSource({ dataDir: f.dataDir }));
  const a = createApp({
    holder: new ModelHolder(() => Promise.resolve(m), { initial: m }),
    logger: quiet,
  });
  const rec = await (await a.request("/recommend/1?k=3")).json();
  assert.deepEqual(rec.answeredBy.name + "/" + rec.answeredBy.task, "biased-mf/rating");
  const health = await (await a.request("/health")).json();
  assert.equal(health.champions.ranking, null);
});

Deno.test({
  name:
    "the real server swaps both champions at once when champions.json moves (--watch), under load, zero failed requests",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const { dir: shared } = await twoChampions();
  // Its own folder (the champions file moves): the models and data are links to the shared one.
  const dir = await Deno.makeTempDir({ prefix: "movierec_champions_watch_" });
  for (const sub of ["processed", "interim", "models"]) {
    await Deno.symlink(await Deno.realPath(join(shared, sub)), join(dir, sub));
  }
  await writeChampions(dir, "biased-mf", "item-knn");
  const server = startServer(
    readServerOptions(["--port", "0", "--data-dir", dir, "--watch"], {
      LOG_LEVEL: "off",
      WATCH_INTERVAL_MS: "50",
    }),
  );
  try {
    assert.ok(await server.firstLoad);
    await server.watch!.nextCheck();
    const base = `http://127.0.0.1:${server.port}`;
    let stop = false;
    const failures: string[] = [];
    const ranked = new Set<string>();
    const rated = new Set<string>();
    const client = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const path = i % 3 === 2
          ? `/predict/${1 + ((i * 7 + w) % 610)}/1`
          : `/recommend/${1 + ((i * 13 + w) % 610)}?k=5`;
        const res = await fetch(base + path);
        const body = await res.json();
        if (res.status !== 200) failures.push(`${path}: ${res.status} ${JSON.stringify(body)}`);
        else (path.startsWith("/predict") ? rated : ranked).add(body.answeredBy.name);
      }
    };
    const clients = Array.from({ length: 6 }, (_, w) => client(w));
    for (const ranking of ["popular-count", "item-knn", "popular-count"]) {
      const swapped = new Promise<LoadedModel>((resolve) =>
        server.holder.addEventListener(
          "swap",
          (e) => resolve((e as CustomEvent<LoadedModel>).detail),
          { once: true },
        )
      );
      await writeChampions(dir, "biased-mf", ranking);
      const m = await guard(swapped, GUARD_MS, `swap to ${ranking}`);
      assert.deepEqual([m.info.name, m.ranker.info.name], ["biased-mf", ranking]);
      const health = await (await fetch(`${base}/health`)).json();
      assert.equal(health.champions.ranking.name, ranking);
      const rec = await (await fetch(`${base}/recommend/1?k=2`)).json();
      assert.equal(rec.answeredBy.name, ranking, "the new pair answers at once");
    }
    stop = true;
    await Promise.all(clients);
    assert.deepEqual(failures, []);
    assert.deepEqual([...ranked].sort(), ["item-knn", "popular-count"]);
    assert.deepEqual([...rated], ["biased-mf"]);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
