/**
 * `deno run -A bench/api_sweep.ts`: the bad-input sweep of issue 15 against
 * the real API server, bounded in count and time, on 127.0.0.1 only.
 *
 * Starts `api/main.ts` (or `--main PATH`, e.g. an older checkout, to compare)
 * with `API_KEYS` set, on a data folder built from the shared MovieLens zip
 * (or `--data-dir`), records the server's RSS (`/proc/PID/status`) and the
 * size and scrape time of `/metrics`, then sends, over raw sockets:
 * 10,000 requests with made-up methods, 100 KB and 1 MB query strings,
 * invalid request targets, 100 KB headers, 1,000 headers, half-sent heads,
 * stalled bodies, `Content-Length: 100000000` uploads and abandoned uploads;
 * and records every answer's status, the connections the server reset
 * without an answer, how long slow clients were held, RSS and `/metrics`
 * again. Writes `reports/bench/api_hardening.md` and `.json`.
 *
 * Flags: `--data-dir PATH`, `--main PATH`, `--label TEXT` (a name for the
 * server in the report), `--out NAME` (default `api_hardening`), `--hold-limit SECONDS`
 * (default 30: how long to wait for the server to close slow clients), `--rounds N` (default 2:
 * the whole sweep again on the same server, to tell growth from a leak).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataDir } from "../api/_test_fixture.ts";
import { guard, RawClient } from "../api/_raw_client.ts";

const MAIN = fileURLToPath(new URL("../api/main.ts", import.meta.url));

interface PhaseResult {
  name: string;
  requests: number;
  statuses: Record<string, number>;
  /** Requests that got no answer (reset or closed before one). */
  noAnswer: number;
  /** Server errors: 5xx other than 501 and 505 (the protocol's "not supported" answers). */
  fiveXX: number;
  seconds: number;
}

interface HoldResult {
  name: string;
  connections: number;
  closedByServer: number;
  stillOpen: number;
  maxHeldSeconds: number;
  answers: Record<string, number>;
}

function _freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function _rssKiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? "NaN");
}

interface _Scrape {
  bytes: number;
  ms: number;
  series: number;
  /** POST /recommend answers counted as 499 (client closed) and as 503. */
  uploads499: number;
  uploads503: number;
}

function _count(text: string, status: number): number {
  const m = new RegExp(`method="POST",route="/recommend",status="${status}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

async function _metrics(base: string): Promise<_Scrape> {
  const t0 = performance.now();
  const text = await (await fetch(`${base}/metrics`)).text();
  const ms = performance.now() - t0;
  return {
    bytes: new TextEncoder().encode(text).length,
    ms,
    series: text.split("\n").filter((l) => l && !l.startsWith("#")).length,
    uploads499: _count(text, 499),
    uploads503: _count(text, 503),
  };
}

async function _waitReady(base: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/ready`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Cannot start the sweep: the server at ${base} was not ready within 120 s`);
}

/** A tiny deterministic generator (the sweep is the same every run). */
function _prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sends each request on its own connection (4 at a time) and records the answers. */
async function _phase(
  name: string,
  port: number,
  requests: (string | Uint8Array)[],
): Promise<PhaseResult> {
  const t0 = performance.now();
  const statuses: Record<string, number> = {};
  let noAnswer = 0, fiveXX = 0, at = 0;
  const worker = async () => {
    while (at < requests.length) {
      const req = requests[at++]!;
      const c = await RawClient.open(port);
      const answer = c.response();
      await c.write(req);
      const r = await guard(answer, 60_000, name).catch(() => null);
      c.close();
      if (!r) noAnswer++;
      else {
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status >= 500 && r.status !== 501 && r.status !== 505) fiveXX++;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return {
    name,
    requests: requests.length,
    statuses,
    noAnswer,
    fiveXX,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Made-up methods over 8 keep-alive connections (a closed one is reopened). */
async function _methods(port: number, count: number): Promise<PhaseResult> {
  const t0 = performance.now();
  const rnd = _prng(15);
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const paths = ["/recommend/1", "/health", "/movies/1", "/nope", "/metrics", "/recommend"];
  const statuses: Record<string, number> = {};
  let noAnswer = 0, fiveXX = 0, sent = 0;
  const worker = async () => {
    let c = await RawClient.open(port);
    while (sent < count) {
      sent++;
      let m = "";
      const n = 3 + Math.floor(rnd() * 10);
      for (let i = 0; i < n; i++) m += letters[Math.floor(rnd() * 26)];
      const path = paths[Math.floor(rnd() * paths.length)]!;
      await c.write(`${m} ${path} HTTP/1.1\r\nHost: sweep\r\n\r\n`);
      const r = await guard(c.response(), 60_000, "method").catch(() => null);
      if (!r) {
        noAnswer++;
        c.close();
        c = await RawClient.open(port);
        continue;
      }
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status >= 500 && r.status !== 501 && r.status !== 505) fiveXX++;
      if (r.headers.get("connection") === "close") {
        c.close();
        c = await RawClient.open(port);
      }
    }
    c.close();
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return {
    name: `${count} requests with made-up methods (8 keep-alive connections)`,
    requests: count,
    statuses,
    noAnswer,
    fiveXX,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Opens `n` connections that each send `start`, then waits (bounded) for the server to close them. */
async function _hold(
  name: string,
  port: number,
  n: number,
  start: string,
  limitSeconds: number,
): Promise<HoldResult> {
  const t0 = performance.now();
  const answers: Record<string, number> = {};
  let closed = 0, maxHeld = 0;
  const clients = await Promise.all(Array.from({ length: n }, () => RawClient.open(port)));
  await Promise.all(clients.map((c) => c.write(start)));
  await Promise.all(clients.map(async (c) => {
    const ended = (async () => {
      const r = await c.response();
      if (r) answers[r.status] = (answers[r.status] ?? 0) + 1;
      await c.closedByServer();
    })();
    try {
      await guard(ended, limitSeconds * 1000, name);
      closed++;
      maxHeld = Math.max(maxHeld, (performance.now() - t0) / 1000);
    } catch { /* still open at the limit */ }
    c.close();
  }));
  return {
    name,
    connections: n,
    closedByServer: closed,
    stillOpen: n - closed,
    maxHeldSeconds: closed > 0 ? maxHeld : limitSeconds,
    answers,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "data-dir": { type: "string" },
      main: { type: "string" },
      label: { type: "string", default: "this checkout" },
      out: { type: "string", default: "api_hardening" },
      "hold-limit": { type: "string", default: "30" },
      rounds: { type: "string", default: "2" },
    },
  });
  const holdLimit = Number(values["hold-limit"]);
  const rounds = Number(values.rounds);
  if (!(rounds >= 1 && rounds <= 5)) {
    throw new Error("Cannot run the sweep: --rounds must be 1 to 5");
  }
  let dataDir = values["data-dir"] ? resolve(values["data-dir"]) : null;
  let built: string | null = null;
  if (!dataDir) {
    console.error("Building a data folder (biased-mf, 32 factors) for the sweep...");
    const f = await buildDataDir({
      model: "biased-mf",
      config: { factors: 32, epochs: 25, seed: 7 },
    });
    dataDir = built = f.dataDir;
  }
  const port = _freePort();
  const base = `http://127.0.0.1:${port}`;
  const main = values.main ? resolve(values.main) : MAIN;
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "--port", String(port), "--host", "127.0.0.1", "--data-dir", dataDir],
    env: { LOG_LEVEL: "off", RATE_LIMIT: "off", API_KEYS: "sweep-key" },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const phases: PhaseResult[] = [];
  const holds: HoldResult[] = [];
  const rounds_: { round: number; rssKiB: number; metrics: { bytes: number; series: number } }[] =
    [];
  let before = {
    rssKiB: 0,
    metrics: { bytes: 0, ms: 0, series: 0, uploads499: 0, uploads503: 0 } as _Scrape,
  };
  let after = before;
  let healthyAfter = false;
  try {
    await _waitReady(base);
    // A little normal traffic first, so "before" has the usual series.
    for (let u = 1; u <= 50; u++) {
      await (await fetch(`${base}/recommend/${u}?k=5`, { headers: { "x-api-key": "sweep-key" } }))
        .body?.cancel();
    }
    before = { rssKiB: await _rssKiB(server.pid), metrics: await _metrics(base) };
    console.error("before:", before);

    for (let round = 1; round <= rounds; round++) {
      phases.push(await _methods(port, 10_000));
      console.error(phases.at(-1));
      const key = "X-API-Key: sweep-key\r\n";
      phases.push(
        await _phase("100 KB and 1 MB query strings (25 each)", port, [
          ...Array.from(
            { length: 25 },
            () => `GET /movies?search=${"q".repeat(100_000)} HTTP/1.1\r\nHost: s\r\n${key}\r\n`,
          ),
          ...Array.from(
            { length: 25 },
            () => `GET /movies?search=${"q".repeat(1_000_000)} HTTP/1.1\r\nHost: s\r\n${key}\r\n`,
          ),
        ]),
      );
      console.error(phases.at(-1));
      const rnd = _prng(7);
      const invalid: (string | Uint8Array)[] = [
        "GET  /health HTTP/1.1\r\nHost: s\r\n\r\n",
        "GET /health\r\nHost: s\r\n\r\n",
        "GET health HTTP/1.1\r\nHost: s\r\n\r\n",
        "GET /health HTTP/2.0\r\nHost: s\r\n\r\n",
        "GET /health HTTP/9\r\nHost: s\r\n\r\n",
        "GET /health HTTP/1.1\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: s\r\nBad Header: x\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: s\r\n folded\r\n\r\n",
        "GET /%zz%00 HTTP/1.1\r\nHost: s\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: s\r\n\r\n",
        "GET http://evil.example/health HTTP/1.1\r\nHost: s\r\n\r\n",
        "POST /recommend HTTP/1.1\r\nHost: s\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /recommend HTTP/1.1\r\nHost: s\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST /recommend HTTP/1.1\r\nHost: s\r\nContent-Length: -1\r\n\r\n",
        `POST /recommend HTTP/1.1\r\nHost: s\r\n${key}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
        "CONNECT /health HTTP/1.1\r\nHost: s\r\n\r\n",
        "TRACE /health HTTP/1.1\r\nHost: s\r\n\r\n",
      ];
      for (let i = 0; i < 200; i++) {
        const bytes = new Uint8Array(20 + Math.floor(rnd() * 60));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256);
        const head = new TextEncoder().encode("GET /");
        const tail = new TextEncoder().encode(" HTTP/1.1\r\nHost: s\r\n\r\n");
        const out = new Uint8Array(head.length + bytes.length + tail.length);
        out.set(head);
        out.set(bytes.map((b) => (b === 10 || b === 13 ? 65 : b)), head.length);
        out.set(tail, head.length + bytes.length);
        invalid.push(out);
      }
      phases.push(
        await _phase(`${invalid.length} invalid request lines, targets and headers`, port, invalid),
      );
      console.error(phases.at(-1));
      const many = Array.from({ length: 1000 }, (_, i) => `X-H${i}: v\r\n`).join("");
      phases.push(
        await _phase("100 KB headers and 1,000 headers (50 each)", port, [
          ...Array.from(
            { length: 50 },
            () => `GET /health HTTP/1.1\r\nHost: s\r\nX-Big: ${"h".repeat(100_000)}\r\n\r\n`,
          ),
          ...Array.from({ length: 50 }, () => `GET /health HTTP/1.1\r\nHost: s\r\n${many}\r\n`),
        ]),
      );
      console.error(phases.at(-1));

      holds.push(
        await _hold(
          "300 half-sent heads",
          port,
          300,
          `GET /recommend/1 HTTP/1.1\r\nHost: s\r\n${key}X-Half: `,
          holdLimit,
        ),
      );
      console.error(holds.at(-1));
      holds.push(
        await _hold(
          "200 stalled bodies (Content-Length 1000, 13 bytes sent)",
          port,
          200,
          `POST /recommend HTTP/1.1\r\nHost: s\r\n${key}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ratings": [`,
          holdLimit,
        ),
      );
      console.error(holds.at(-1));
      holds.push(
        await _hold(
          "50 uploads with Content-Length: 100000000 and Connection: close",
          port,
          50,
          `POST /recommend HTTP/1.1\r\nHost: s\r\n${key}Content-Type: application/json\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n`,
          holdLimit,
        ),
      );
      console.error(holds.at(-1));
      // Abandoned uploads: send part of the body, then go away.
      await Promise.all(Array.from({ length: 100 }, async () => {
        const c = await RawClient.open(port);
        await c.write(
          `POST /recommend HTTP/1.1\r\nHost: s\r\n${key}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ratings": [`,
        );
        c.close();
      }));
      rounds_.push({ round, rssKiB: await _rssKiB(server.pid), metrics: await _metrics(base) });
      console.error(rounds_.at(-1));
    }
    healthyAfter = (await fetch(`${base}/health`).then((r) =>
      r.json()
    ).catch(() => null))?.status ===
      "ok";
    after = { rssKiB: await _rssKiB(server.pid), metrics: await _metrics(base) };
    console.error("after:", after);
  } finally {
    server.kill("SIGTERM");
    await server.status;
    if (built) await Deno.remove(built, { recursive: true });
  }
  const report = {
    generatedAt: new Date().toISOString(),
    server: values.label,
    before,
    after,
    healthyAfter,
    rounds: rounds_,
    phases,
    holds,
  };
  const outDir = resolve("reports", "bench");
  await Deno.mkdir(outDir, { recursive: true });
  const name = values.out!;
  await Deno.writeTextFile(join(outDir, `${name}.json`), JSON.stringify(report, null, 2) + "\n");
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const st = (s: Record<string, number>) =>
    Object.entries(s).sort().map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
  const md = [
    `# API hardening sweep (${values.label})`,
    "",
    `Generated ${report.generatedAt} by \`deno run -A bench/api_sweep.ts\`: the real server (\`api/main.ts\`, \`API_KEYS\` set, logs off) on 127.0.0.1, raw sockets, bounded counts; slow clients waited for at most ${holdLimit} s.`,
    "",
    "| | before the sweep | after the sweep |",
    "|---|---:|---:|",
    `| server RSS | ${(before.rssKiB / 1024).toFixed(1)} MiB | ${
      (after.rssKiB / 1024).toFixed(1)
    } MiB |`,
    `| /metrics size | ${kb(before.metrics.bytes)} | ${kb(after.metrics.bytes)} |`,
    `| /metrics series | ${before.metrics.series} | ${after.metrics.series} |`,
    `| /metrics scrape | ${before.metrics.ms.toFixed(1)} ms | ${after.metrics.ms.toFixed(1)} ms |`,
    "",
    `The sweep ran ${rounds} times on the same server; after each round:`,
    "",
    "| round | RSS | /metrics size | series |",
    "|---:|---:|---:|---:|",
    ...rounds_.map((r) =>
      `| ${r.round} | ${(r.rssKiB / 1024).toFixed(1)} MiB | ${
        kb(r.metrics.bytes)
      } | ${r.metrics.series} |`
    ),
    "",
    `Server healthy after the sweep: ${
      healthyAfter ? "yes" : "**no**"
    }. The tables below add up all rounds.`,
    "",
    "| phase | requests | answers by status | no answer (reset) | 5xx (not 501/505) | seconds |",
    "|---|---:|---|---:|---:|---:|",
    ...phases.map((p) =>
      `| ${p.name} | ${p.requests} | ${st(p.statuses)} | ${p.noAnswer} | ${p.fiveXX} | ${
        p.seconds.toFixed(1)
      } |`
    ),
    "",
    "| slow clients | connections | closed by the server | still open at the limit | longest held | answers |",
    "|---|---:|---:|---:|---:|---|",
    ...holds.map((h) =>
      `| ${h.name} | ${h.connections} | ${h.closedByServer} | ${h.stillOpen} | ${
        h.maxHeldSeconds.toFixed(1)
      } s | ${st(h.answers)} |`
    ),
    "",
    `Each round ends with 100 uploads abandoned mid-body; at the last scrape /metrics counted POST /recommend ${after.metrics.uploads499} times as 499 (client closed) and ${after.metrics.uploads503} times as 503.`,
    "",
  ].join("\n");
  await Deno.writeTextFile(join(outDir, `${name}.md`), md);
  console.log(md);
}
