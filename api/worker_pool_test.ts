/**
 * The real server on two workers sharing one port (`--workers 2`,
 * `--unstable-net`), with two champions: both workers answer, a `--watch`
 * swap and `POST /admin/reload` reach every worker, under load, with zero
 * failed requests. The test waits on the server's log lines, never on time.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { twoChampionsDir, writeChampions } from "./_test_fixture.ts";
import { guard } from "./_raw_client.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const GUARD_MS = 60_000;
const KEY = "pool-test-key";

// deno-lint-ignore no-explicit-any
type Json = any;

/** A GET on a new connection (the kernel picks the worker per connection). */
async function fresh(url: string): Promise<Json> {
  const client = Deno.createHttpClient({});
  try {
    const res = await fetch(url, { client, headers: { "x-api-key": KEY } });
    assert.equal(res.status, 200, await res.clone().text());
    return await res.json();
  } finally {
    client.close();
  }
}

Deno.test({
  name:
    "two workers on one port: --watch and POST /admin/reload swap every worker, under load, zero failed requests",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const shared = await twoChampionsDir();
  const dir = await Deno.makeTempDir({ prefix: "movierec_pool_" });
  for (const sub of ["processed", "interim", "models"]) {
    await Deno.symlink(await Deno.realPath(join(shared, sub)), join(dir, sub));
  }
  await writeChampions(dir, "biased-mf", "item-knn");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-net",
      MAIN,
      "--port",
      "0",
      "--data-dir",
      dir,
      "--workers",
      "2",
      "--watch",
    ],
    env: { API_KEYS: KEY, RATE_LIMIT: "off", LOG_LEVEL: "info", WATCH_INTERVAL_MS: "50" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Read the output all the time (a full pipe would stall the server's log writes).
  const lines: string[] = [];
  let consumed = 0;
  const waker: { wake: (() => void) | null } = { wake: null };
  let ended = false;
  const pump = (async () => {
    let buffer = "";
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += text;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      lines.push(...parts);
      waker.wake?.();
    }
    ended = true;
    waker.wake?.();
  })();
  /** The next log line (after the last one returned) matching `match`. */
  const nextLine = async (match: RegExp): Promise<string> => {
    for (;;) {
      for (let i = consumed; i < lines.length; i++) {
        if (match.test(lines[i]!)) {
          consumed = i + 1;
          return lines[i]!;
        }
      }
      if (ended) throw new Error(`server output ended before ${match}`);
      await new Promise<void>((resolve) => (waker.wake = resolve));
    }
  };
  let stop = false;
  try {
    const started = JSON.parse(await guard(nextLine(/"msg":"workers started"/), GUARD_MS, "start"));
    assert.equal(started.workers, 2, "two workers (SO_REUSEPORT works here)");
    const base = `http://127.0.0.1:${started.port}`;
    const ready = await fresh(`${base}/ready`);
    assert.equal(ready.ready, true);
    const failures: string[] = [];
    const ranked = new Set<string>();
    const load = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const path = i % 3 === 2
          ? `/predict/${1 + ((i * 7 + w) % 610)}/1`
          : `/recommend/${1 + ((i * 13 + w) % 610)}?k=5`;
        const res = await fetch(base + path, { headers: { "x-api-key": KEY } });
        const body = await res.json();
        if (res.status !== 200) failures.push(`${path}: ${res.status} ${JSON.stringify(body)}`);
        else if (path.startsWith("/recommend")) ranked.add(body.answeredBy.name);
        else if (body.answeredBy.name !== "biased-mf") {
          failures.push(`${path}: ${body.answeredBy.name}`);
        }
      }
    };
    const clients = Array.from({ length: 6 }, (_, w) => load(w));
    // Every worker answers on fresh connections with the pair it serves.
    const everyWorker = async (ranking: string) => {
      for (let i = 0; i < 12; i++) {
        const rec = await fresh(`${base}/recommend/${1 + i}?k=2`);
        assert.equal(rec.answeredBy.name, ranking, `connection ${i}`);
      }
    };
    await everyWorker("item-knn");

    await guard(nextLine(/"msg":"watching the model source"/), GUARD_MS, "first watch check");
    await writeChampions(dir, "biased-mf", "popular-count");
    await guard(
      nextLine(/model reloaded on every worker \(source moved\)/),
      GUARD_MS,
      "watch swap",
    );
    await everyWorker("popular-count");

    await writeChampions(dir, "biased-mf", "item-knn");
    await guard(
      nextLine(/model reloaded on every worker \(source moved\)/),
      GUARD_MS,
      "watch swap back",
    );
    await everyWorker("item-knn");

    const res = await fetch(`${base}/admin/reload`, {
      method: "POST",
      headers: { "x-api-key": KEY },
    });
    const reloaded = await res.json();
    assert.equal(res.status, 200, JSON.stringify(reloaded));
    assert.equal(reloaded.model, "biased-mf");
    assert.equal(reloaded.ranking.name, "item-knn");

    stop = true;
    await Promise.all(clients);
    assert.deepEqual(failures, []);
    assert.deepEqual([...ranked].sort(), ["item-knn", "popular-count"]);
  } finally {
    stop = true;
    child.kill("SIGTERM");
    const status = await child.status;
    await child.stderr.cancel();
    await pump;
    await Deno.remove(dir, { recursive: true });
    assert.equal(status.code, 0, "SIGTERM stops every worker and exits 0");
  }
});
