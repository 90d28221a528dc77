/**
 * `deno task bench:api`: load test of the real API server with `wrk`
 * (Debian's `wrk`, `apt-get install -y wrk`), on the same machine.
 *
 * Data: `--data-dir PATH` (a pipeline folder; default `./data` when it has
 * `selection/champions.json` or `metrics/champion.json`), else a folder built
 * here from the shared MovieLens zip (deterministic 80/20 holdout) with
 * `biased-mf` (defaults) as rating champion and `ials` (defaults) as ranking
 * champion, named in `selection/champions.json` as the select stage does.
 *
 * Two servers, one after the other, each `api/main.ts` with `--unstable-net`
 * and `WORKERS` (`--workers`, default `auto`: one per core) and `LOG_LEVEL`
 * (`--log-level`, default `error`, as issue 18 measured):
 * 1. the pipeline folder: two champions; measured: `GET /recommend/{userId}`
 *    (ranking champion), `POST /recommend` (fold-in of 10 ratings, ranking
 *    champion), `GET /similar/{movieId}` (ranking champion), `GET /predict`
 *    (rating champion);
 * 2. the rating champion alone (`--model-dir`): `GET /recommend/{userId}` and
 *    `GET /similar/{movieId}` of the rating model.
 * Users 1..610 and movies (the 100 most popular) vary per request (a wrk Lua
 * script), k = 10. Each endpoint at 1 and 64 connections (`--connections`),
 * `--repeats` runs of `--duration` seconds (best run kept: the machine is
 * shared), `wrk -t2` (`--threads`). The load average is recorded before and
 * after each run.
 *
 * `--original` also runs the original design (FastAPI + uvicorn, pandas,
 * scikit-learn TruncatedSVD with 100 factors, one BLAS thread: the Python
 * server of `ORIGINAL_DESIGN.md`, embedded below and written to a temp file)
 * from `.venv` (`--python PATH`, default `.venv/bin/python`; it needs
 * fastapi, uvicorn, pandas and scikit-learn) on the same ratings, for
 * `/recommend`, `/similar` and `/predict`.
 *
 * `--list-cache N` sets the server's `LIST_CACHE` (0: every request ranks
 * afresh, no per-user list cache), `--workers`, `--fast-lane 0` the others.
 *
 * `--main PATH` serves another checkout's `api/main.ts` (e.g. the code before
 * a change: `git archive COMMIT | tar -x -C /tmp/old`), `--label TEXT` names it,
 * `--out NAME` (default `api`) names the report: `reports/bench/NAME.md` and `.json`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { buildDataDir, writeModelDir, ZIP_PATH } from "../api/_test_fixture.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import { writeTextAtomic } from "../lib/atomic.ts";
import { championsFile, inDataDir, modelsFolder, selectionFolder } from "../data_catalog/mod.ts";

interface WrkResult {
  requests: number;
  durationUs: number;
  non2xx: number;
  socketErrors: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
  rps: number;
  load: [number, number];
}

type Kind = "recommend" | "foldin" | "similar" | "predict";

interface Row {
  server: string;
  endpoint: string;
  kind: Kind;
  connections: number;
  best: WrkResult;
  runs: WrkResult[];
}

const MAIN = fileURLToPath(new URL("../api/main.ts", import.meta.url));

function _freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function _lua(kind: Kind, users: number[], movies: number[]): string {
  const req = {
    recommend: `return wrk.format("GET", "/recommend/" .. u .. "?k=10")`,
    predict: `return wrk.format("GET", "/predict/" .. u .. "/" .. m)`,
    similar: `return wrk.format("GET", "/similar/" .. m .. "?k=10")`,
    // 10 distinct movies (13 j mod 100 differ for j = 1..10) with varied ratings.
    foldin: `local parts = {}
  for j = 1, 10 do
    local mv = movies[((n * 7 + j * 13) % #movies) + 1]
    parts[j] = '{"movieId":' .. mv .. ',"rating":' .. ratings[((n + j) % #ratings) + 1] .. '}'
  end
  return wrk.format("POST", "/recommend", { ["Content-Type"] = "application/json" },
    '{"ratings":[' .. table.concat(parts, ",") .. '],"k":10}')`,
  }[kind];
  return `
local users = {${users.join(",")}}
local movies = {${movies.join(",")}}
local ratings = {5, 4, 4.5, 3, 5, 2.5, 4, 3.5, 5, 1}
local n = 0
local seed = 0
setup = function(thread) seed = seed + 1; thread:set("tid", seed) end
init = function(args) n = (tid or 1) * 7919 end
request = function()
  n = n + 1
  local u = users[(n * 31) % #users + 1]
  local m = movies[(n * 17) % #movies + 1]
  ${req}
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;
}

async function _wrk(
  url: string,
  script: string,
  options: { connections: number; seconds: number; threads: number },
): Promise<WrkResult> {
  const before = loadavg()[0]!;
  const threads = Math.min(options.threads, options.connections);
  const out = await new Deno.Command("wrk", {
    args: [
      `-t${threads}`,
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--timeout",
      "5s",
      "-s",
      script,
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const line = text.split("\n").find((l) => l.startsWith("WRKJSON "));
  if (!out.success || !line) {
    throw new Error(`Cannot run wrk: ${new TextDecoder().decode(out.stderr)}\n${text}`);
  }
  const r = JSON.parse(line.slice(8)) as Omit<WrkResult, "rps" | "load">;
  return { ...r, rps: r.requests / (r.durationUs / 1e6), load: [before, loadavg()[0]!] };
}

async function _waitReady(base: string, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => (exited = true));
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${base}/ready`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Cannot bench ${base}: the server ${exited ? "exited" : "was not ready"}`);
}

/** The original design's server (ORIGINAL_DESIGN.md): FastAPI, TruncatedSVD, scoring every movie. */
const _ORIGINAL_PY = String.raw`
import io, os, sys, zipfile
import numpy as np, pandas as pd
from sklearn.decomposition import TruncatedSVD
from scipy.sparse import csr_matrix
from fastapi import FastAPI, HTTPException
import uvicorn

zip_path, port = sys.argv[1], int(sys.argv[2])
with zipfile.ZipFile(zip_path) as z:
    name = [n for n in z.namelist() if n.endswith("ratings.csv")][0]
    ratings = pd.read_csv(io.BytesIO(z.read(name)))
    movies = pd.read_csv(io.BytesIO(z.read(name.replace("ratings.csv", "movies.csv"))))
# The same deterministic 80/20 holdout as the TypeScript bench's fixture.
e = np.arange(len(ratings), dtype=np.uint64)
train = ratings[((e * np.uint64(2654435761)) % np.uint64(2**32)) % np.uint64(5) != 0]
users = np.sort(train.userId.unique()); items = np.sort(train.movieId.unique())
u_idx = {u: i for i, u in enumerate(users)}; i_idx = {m: i for i, m in enumerate(items)}
rows = train.userId.map(u_idx).values; cols = train.movieId.map(i_idx).values
R = csr_matrix((train.rating.values.astype(np.float32), (rows, cols)), shape=(len(users), len(items)))
counts = np.diff(R.indptr); sums = np.asarray(R.sum(axis=1)).ravel()
user_mean = (sums / np.maximum(counts, 1)).astype(np.float32)
C = R.copy(); C.data -= np.repeat(user_mean, counts)
svd = TruncatedSVD(n_components=100, random_state=42)
U = svd.fit_transform(C).astype(np.float32); V = svd.components_.T.astype(np.float32)
V_norm = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-9)
titles = dict(zip(movies.movieId, movies.title)); genres = dict(zip(movies.movieId, movies.genres))
app = FastAPI()

@app.get("/health")
def health():
    return {"status": "ok"}

@app.get("/recommend/{user_id}")
def recommend(user_id: int, k: int = 10):
    if user_id not in u_idx:
        raise HTTPException(404, "unknown user")
    u = u_idx[user_id]
    scores = user_mean[u] + V @ U[u]
    scores[R.indices[R.indptr[u]:R.indptr[u + 1]]] = -np.inf
    top = np.argsort(-scores)[:k]
    return {"user_id": user_id, "recommendations": [
        {"movie_id": int(items[i]), "title": titles.get(int(items[i])), "genres": genres.get(int(items[i])),
         "predicted_rating": float(np.clip(scores[i], 0.5, 5))} for i in top]}

@app.get("/similar/{movie_id}")
def similar(movie_id: int, k: int = 10):
    if movie_id not in i_idx:
        raise HTTPException(404, "unknown movie")
    i = i_idx[movie_id]
    sims = V_norm @ V_norm[i]; sims[i] = -np.inf
    top = np.argsort(-sims)[:k]
    return {"movie_id": movie_id, "similar": [
        {"movie_id": int(items[j]), "title": titles.get(int(items[j])), "similarity": float(sims[j])} for j in top]}

@app.get("/predict/{user_id}/{movie_id}")
def predict(user_id: int, movie_id: int):
    if user_id not in u_idx or movie_id not in i_idx:
        raise HTTPException(404, "unknown user or movie")
    r = user_mean[u_idx[user_id]] + float(U[u_idx[user_id]] @ V[i_idx[movie_id]])
    return {"user_id": user_id, "movie_id": movie_id, "predicted_rating": float(np.clip(r, 0.5, 5))}

uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)
`;

async function _champions(dataDir: string): Promise<{ rating: string; ranking: string | null }> {
  try {
    const c = JSON.parse(await Deno.readTextFile(inDataDir(championsFile, dataDir)));
    if (typeof c.rating?.model === "string") {
      const ranking = typeof c.ranking?.model === "string" && c.ranking.model !== c.rating.model
        ? c.ranking.model as string
        : null;
      return { rating: c.rating.model, ranking };
    }
  } catch { /* an older folder */ }
  const c = JSON.parse(await Deno.readTextFile(join(dataDir, "metrics", "champion.json")));
  return { rating: c.model, ranking: null };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "data-dir": { type: "string" },
      duration: { type: "string", default: "10" },
      repeats: { type: "string", default: "2" },
      connections: { type: "string", default: "1,64" },
      threads: { type: "string", default: "2" },
      workers: { type: "string", default: "auto" },
      "log-level": { type: "string", default: "error" },
      "fast-lane": { type: "string", default: "1" },
      "list-cache": { type: "string" },
      main: { type: "string" },
      label: { type: "string" },
      out: { type: "string", default: "api" },
      original: { type: "boolean", default: false },
      python: { type: "string", default: ".venv/bin/python" },
      only: { type: "string" },
    },
  });
  const seconds = Number(values.duration);
  const repeats = Number(values.repeats);
  const threads = Number(values.threads);
  const connectionsList = values.connections!.split(",").map(Number);
  if (!(seconds >= 1) || !(repeats >= 1) || !(threads >= 1)) {
    throw new Error("Invalid flags: --duration, --repeats and --threads must be >= 1");
  }
  const only = values.only ? new Set(values.only.split(",")) : null;
  const wrkCheck = await new Deno.Command("wrk", { args: ["--version"], stdout: "piped" })
    .output().catch(() => null);
  if (!wrkCheck) throw new Error("Cannot run wrk: install it with `apt-get install -y wrk`");
  const wrkVersion = new TextDecoder().decode(wrkCheck.stdout).split("\n")[0]!.trim();
  const main = values.main ? resolve(values.main) : MAIN;
  const label = values.label ?? (values.main ? values.main : "this checkout");

  let dataDir = values["data-dir"] ? resolve(values["data-dir"]) : resolve("data");
  let built: string | null = null;
  let dataNote = `pipeline output (${dataDir})`;
  let champions: { rating: string; ranking: string | null };
  try {
    champions = await _champions(dataDir);
  } catch {
    if (values["data-dir"]) {
      throw new Error(
        `Cannot bench ${dataDir}: it has neither selection/champions.json nor metrics/champion.json; run the pipeline on it`,
      );
    }
    console.error("No pipeline output in ./data: training biased-mf and ials for the bench...");
    const f = await buildDataDir({ model: "biased-mf", config: {} });
    const ials = createModel("ials", {});
    ials.fit(f.train);
    await writeModelDir(join(inDataDir(modelsFolder, f.dataDir), "ials"), await ials.save());
    await Deno.mkdir(inDataDir(selectionFolder, f.dataDir), { recursive: true });
    await Deno.writeTextFile(
      inDataDir(championsFile, f.dataDir),
      JSON.stringify({
        rating: { model: "biased-mf", minRatings: 50 },
        ranking: { model: "ials", minRatings: 0 },
      }),
    );
    dataDir = built = f.dataDir;
    champions = { rating: "biased-mf", ranking: "ials" };
    dataNote =
      "built by the bench: ml-latest-small, deterministic 80/20 holdout, biased-mf (rating) and ials (ranking) defaults";
  }

  const users = Array.from({ length: 610 }, (_, i) => i + 1);
  const rows: Row[] = [];
  const servers: Record<string, unknown>[] = [];
  const tmpDir = await Deno.makeTempDir({ prefix: "api_bench_" });
  const measure = async (
    server: string,
    base: string,
    endpoints: { kind: Kind; endpoint: string }[],
    movies: number[],
  ) => {
    for (const e of endpoints) {
      if (only && !only.has(e.kind)) continue;
      const script = join(tmpDir, `${e.kind}.lua`);
      await Deno.writeTextFile(script, _lua(e.kind, users, movies));
      await _wrk(base, script, { connections: 8, seconds: 2, threads }); // warm-up (JIT, lists)
      for (const connections of connectionsList) {
        const runs: WrkResult[] = [];
        for (let r = 0; r < repeats; r++) {
          const x = await _wrk(base, script, { connections, seconds, threads });
          runs.push(x);
          console.error(
            `${server} ${e.endpoint} c=${connections} run ${r + 1}: ${
              x.rps.toFixed(0)
            } req/s, p50 ${(x.p50Us / 1000).toFixed(2)} ms, p99 ${
              (x.p99Us / 1000).toFixed(2)
            } ms, non-2xx ${x.non2xx}, socket errors ${x.socketErrors}, load ${
              x.load.map((l) => l.toFixed(2)).join(" -> ")
            }`,
          );
        }
        const best: WrkResult = {
          ...runs.reduce((a, b) => (b.rps > a.rps ? b : a)),
          p50Us: Math.min(...runs.map((x) => x.p50Us)),
          p90Us: Math.min(...runs.map((x) => x.p90Us)),
          p99Us: Math.min(...runs.map((x) => x.p99Us)),
          maxUs: Math.min(...runs.map((x) => x.maxUs)),
          non2xx: Math.max(...runs.map((x) => x.non2xx)),
          socketErrors: Math.max(...runs.map((x) => x.socketErrors)),
        };
        rows.push({ server, endpoint: e.endpoint, kind: e.kind, connections, best, runs });
      }
    }
  };
  /** Starts a server, names its endpoints by the models its /health reports, measures them. */
  const serve = async (
    extraArgs: string[],
    endpoints: (served: { rating: string; ranking: string }) => {
      server: string;
      list: { kind: Kind; endpoint: string }[];
    },
  ) => {
    const port = _freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--unstable-net",
        main,
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--data-dir",
        dataDir,
        ...extraArgs,
      ],
      env: {
        LOG_LEVEL: values["log-level"]!,
        RATE_LIMIT: "off",
        API_KEYS: "",
        WORKERS: values.workers!,
        FAST_LANE: values["fast-lane"]!,
        ...(values["list-cache"] !== undefined ? { LIST_CACHE: values["list-cache"] } : {}),
      },
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    try {
      await _waitReady(base, child);
      const health = await (await fetch(`${base}/health`)).json();
      // What the server says it serves (an older server names one model for everything).
      const rating = health.champions?.rating?.name ?? health.model;
      const ranking = health.champions?.ranking?.name ?? rating;
      const { server, list } = endpoints({ rating, ranking });
      servers.push({ server, health });
      const popular = await (await fetch(`${base}/popular?k=100`)).json() as {
        items: { movieId: number }[];
      };
      await measure(server, base, list, popular.items.map((m) => m.movieId));
    } finally {
      child.kill("SIGTERM");
      await child.status;
    }
  };
  const cores = cpus().length;
  try {
    await serve([], ({ rating, ranking }) => ({
      server: ranking !== rating
        ? `two champions (${rating} rating, ${ranking} ranking)`
        : `one champion (${rating})`,
      list: [
        { kind: "recommend", endpoint: `GET /recommend (${ranking})` },
        { kind: "foldin", endpoint: `POST /recommend, 10 ratings (${ranking})` },
        { kind: "similar", endpoint: `GET /similar (${ranking})` },
        { kind: "predict", endpoint: `GET /predict (${rating})` },
      ],
    }));
    if (champions.ranking) {
      await serve(["--model-dir", join(dataDir, "models", champions.rating)], ({ rating }) => ({
        server: `rating champion alone (${rating})`,
        list: [
          { kind: "recommend", endpoint: `GET /recommend (${rating})` },
          { kind: "similar", endpoint: `GET /similar (${rating})` },
        ],
      }));
    }
    if (values.original) {
      const port = _freePort();
      const script = join(tmpDir, "original_design.py");
      await Deno.writeTextFile(script, _ORIGINAL_PY);
      const child = new Deno.Command(resolve(values.python!), {
        args: [script, ZIP_PATH, String(port)],
        env: { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
        stdout: "null",
        stderr: "inherit",
      }).spawn();
      const base = `http://127.0.0.1:${port}`;
      try {
        let exited = false;
        child.status.then(() => (exited = true));
        for (let i = 0; i < 1800 && !exited; i++) {
          try {
            const res = await fetch(`${base}/health`);
            await res.body?.cancel();
            if (res.ok) break;
          } catch { /* starting */ }
          await new Promise((r) => setTimeout(r, 100));
        }
        servers.push({ server: "original design", health: { model: "TruncatedSVD(100)" } });
        const popular = [
          356,
          318,
          296,
          593,
          2571,
          260,
          480,
          110,
          589,
          527,
          2959,
          1,
          1196,
          50,
          2858,
          47,
          780,
          150,
          1198,
          4993,
          1210,
          858,
          457,
          592,
          5952,
          2028,
          7153,
          588,
          608,
          2762,
          380,
          32,
          364,
          1270,
          377,
          3578,
          4306,
          318,
          590,
          648,
        ].filter((m, i, a) => a.indexOf(m) === i);
        await measure("original design (FastAPI + uvicorn, TruncatedSVD)", base, [
          { kind: "recommend", endpoint: "GET /recommend (TruncatedSVD)" },
          { kind: "similar", endpoint: "GET /similar (TruncatedSVD)" },
          { kind: "predict", endpoint: "GET /predict (TruncatedSVD)" },
        ], popular);
      } finally {
        child.kill("SIGTERM");
        await child.status;
      }
    }
  } finally {
    await Deno.remove(tmpDir, { recursive: true });
    if (built) await Deno.remove(built, { recursive: true });
  }

  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    deno: Deno.version.deno,
    os: `${Deno.build.os}-${Deno.build.arch}`,
    loadGenerator: `${wrkVersion}, -t${threads}, on the same machine (it shares the cores)`,
  };
  const find = (kind: Kind, c: number, server?: (s: string) => boolean) =>
    rows.find((r) =>
      r.kind === kind && r.connections === c && !r.server.startsWith("original") &&
      (server ? server(r.server) : true)
    )?.best;
  const alone = (s: string) =>
    s.startsWith("rating champion alone") || s.startsWith("one champion");
  const both = (s: string) => s.startsWith("two champions") || s.startsWith("one champion");
  const ms = (us: number) => (us / 1000).toFixed(2);
  const target = (
    name: string,
    r: WrkResult | undefined,
    ok: (r: WrkResult) => boolean,
    v: (r: WrkResult) => string,
  ) => ({
    target: name,
    met: r ? ok(r) : null,
    value: r ? v(r) : "not measured",
  });
  const rps = (r: WrkResult) => `${r.rps.toFixed(0)} req/s`;
  const targets = [
    target(
      "/recommend (rating champion) c=64 >= 10,000 req/s",
      find("recommend", 64, alone),
      (r) => r.rps >= 10_000,
      rps,
    ),
    target(
      "/recommend (rating champion) c=64 p99 <= 10 ms",
      find("recommend", 64, alone),
      (r) => r.p99Us <= 10_000,
      (r) => `${ms(r.p99Us)} ms`,
    ),
    target(
      "/recommend (ranking champion) c=64 >= 10,000 req/s",
      find("recommend", 64, both),
      (r) => r.rps >= 10_000,
      rps,
    ),
    target(
      "/recommend (ranking champion) c=64 >= 2,000 req/s (issue 12)",
      find("recommend", 64, both),
      (r) => r.rps >= 2_000,
      rps,
    ),
    target(
      "/recommend (ranking champion) c=64 p99 <= 10 ms",
      find("recommend", 64, both),
      (r) => r.p99Us <= 10_000,
      (r) => `${ms(r.p99Us)} ms`,
    ),
    target(
      "/recommend c=1 p50 <= 0.2 ms",
      find("recommend", 1, alone),
      (r) => r.p50Us <= 200,
      (r) => `${ms(r.p50Us)} ms`,
    ),
    target(
      "POST /recommend (fold-in of 10 ratings) c=64 >= 3,000 req/s",
      find("foldin", 64),
      (r) => r.rps >= 3_000,
      rps,
    ),
    target("/similar c=64 >= 10,000 req/s", find("similar", 64, both), (r) => r.rps >= 10_000, rps),
    {
      target: "zero errors (non-2xx, socket errors) on this checkout",
      met: rows.filter((r) => !r.server.startsWith("original")).every((r) =>
        r.runs.every((x) => x.non2xx === 0 && x.socketErrors === 0)
      ),
      value: "",
    },
  ];
  const report = {
    generatedAt: new Date().toISOString(),
    label,
    machine,
    servers,
    data: dataNote,
    settings: {
      durationSeconds: seconds,
      repeats,
      connections: connectionsList,
      workers: values.workers,
      fastLane: values["fast-lane"],
      logLevel: values["log-level"],
      best:
        "per metric: highest req/s, lowest latency percentiles, highest error counts across the repeats",
    },
    results: rows,
    targets,
  };
  const outDir = resolve("reports", "bench");
  await Deno.mkdir(outDir, { recursive: true });
  await writeTextAtomic(join(outDir, `${values.out}.json`), JSON.stringify(report, null, 2) + "\n");
  const md = [
    "# API benchmark",
    "",
    `Generated ${report.generatedAt} by \`deno task bench:api\` (${label}).`,
    "",
    `- machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Deno ${machine.deno}`,
    `- load generator: ${machine.loadGenerator}; the machine is shared with other work: the load average (1 min) before -> after each run is in the list below`,
    `- server: WORKERS=${values.workers}, FAST_LANE=${values["fast-lane"]}, LOG_LEVEL=${
      values["log-level"]
    }`,
    `- data: ${dataNote}`,
    `- each cell: best per metric of ${repeats} runs of ${seconds} s (highest req/s, lowest percentiles; errors: the worst run); users 1..610 and the 100 most popular movies vary per request; k = 10`,
    "",
    "| server | endpoint | connections | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | socket errors |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) =>
      `| ${r.server} | ${r.endpoint} | ${r.connections} | ${r.best.rps.toFixed(0)} | ${
        ms(r.best.p50Us)
      } | ${ms(r.best.p90Us)} | ${ms(r.best.p99Us)} | ${
        ms(r.best.maxUs)
      } | ${r.best.non2xx} | ${r.best.socketErrors} |`
    ),
    "",
    "All runs (req/s, p50 ms, p99 ms, load before -> after):",
    "",
    ...rows.map((r) =>
      `- ${r.server}, ${r.endpoint}, c=${r.connections}: ${
        r.runs.map((x) =>
          `${x.rps.toFixed(0)} / ${ms(x.p50Us)} / ${ms(x.p99Us)} (load ${x.load[0].toFixed(2)} -> ${
            x.load[1].toFixed(2)
          })`
        ).join("; ")
      }`
    ),
    "",
    "## Targets (issues 12 and 18)",
    "",
    "| target | met | measured |",
    "|---|---|---|",
    ...targets.map((t) =>
      `| ${t.target} | ${t.met === null ? "not measured" : t.met ? "yes" : "**no**"} | ${t.value} |`
    ),
    "",
    "## How to compare",
    "",
    "- The original design (FastAPI + uvicorn, TruncatedSVD scoring every movie per request): `deno task bench:api --original` (needs `.venv` with fastapi, uvicorn, pandas, scikit-learn).",
    "- Older code of this project: `git archive COMMIT | tar -x -C /tmp/old` then `deno task bench:api --main /tmp/old/api/main.ts --label COMMIT --out api_before` (an older server ignores WORKERS and FAST_LANE).",
    "- One worker, or without the fast lane: `--workers 1`, `--fast-lane 0`.",
    "",
  ].join("\n");
  await writeTextAtomic(join(outDir, `${values.out}.md`), md);
  console.log(md);
}
