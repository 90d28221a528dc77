/**
 * `deno task bench:api-scale`: what the API costs at MovieLens-25M's shape
 * (issue 18's memory target: 162k users, 59k movies; the server must start in
 * under 10 s and hold under 2 GiB).
 *
 * Builds a pipeline-shaped data folder in a temp dir from the synthetic
 * generator (`--ratings N`, default 25M, shaped by `bench/_synthetic_size.ts`
 * like the other benches), trains cheap but full-sized champions
 * (`biased-mf` with 100 factors and 2 epochs as rating champion, `ials` with
 * 64 factors and 1 iteration as ranking champion: serving cost depends on the
 * shapes, not on how well they fit), then starts the real server
 * (`api/main.ts --data-dir`) with `--workers 1` and `--workers 2` and records:
 * seconds from spawn to the first `200` of `GET /ready`, and the process's
 * resident memory (VmRSS and its peak VmHWM from `/proc`) after one request
 * to each endpoint. Writes `reports/bench/api_scale.md` and `.json`.
 * `--keep` keeps the data folder; `--data-dir PATH` serves a kept one again.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { generateSynthetic } from "../stages/etl/synthetic.ts";
import { buildFeatures, featuresParams } from "../stages/features.ts";
import { ratingsFromFrame } from "../stages/ratings_frame.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import { writeChampions, writeModelDir } from "../api/_test_fixture.ts";
import { writeTextAtomic } from "../lib/atomic.ts";
import { syntheticSize } from "./_synthetic_size.ts";

const MAIN = fileURLToPath(new URL("../api/main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));
const OUT_DIR = fileURLToPath(new URL("../reports/bench/", import.meta.url));

interface ServerRun {
  workers: number;
  readySeconds: number;
  rssMiB: number;
  peakRssMiB: number;
}

function log(message: string): void {
  console.error(`[api-scale] ${message}`);
}

async function buildData(n: number): Promise<{ dir: string; users: number; movies: number }> {
  const size = syntheticSize(n);
  const { users, movies } = size;
  log(`generating ${n.toLocaleString("en-US")} ratings (${users} users, ${movies} movies)`);
  const { ratings, movies: catalog } = generateSynthetic(size);
  const dir = await Deno.makeTempDir({ prefix: "movierec_api_scale_" });
  for (const sub of ["processed", "features", "interim/split"]) {
    await Deno.mkdir(join(dir, sub), { recursive: true });
  }
  catalog.writeParquet(join(dir, "processed", "movies.parquet"));
  ratings.writeParquet(join(dir, "interim", "split", "train.parquet"));
  const features = buildFeatures({ ratings, movies: catalog }, featuresParams.parse({}));
  features.movieStats.writeParquet(join(dir, "features", "movie_stats.parquet"));
  const train = ratingsFromFrame(ratings);
  for (
    const [name, config] of [
      ["biased-mf", { factors: 100, epochs: 2, seed: 42 }],
      ["ials", { factors: 64, iterations: 1, seed: 42 }],
    ] as const
  ) {
    log(`fitting ${name} ${JSON.stringify(config)}`);
    const t0 = performance.now();
    const model = createModel(name, config);
    model.fit(train);
    await writeModelDir(join(dir, "models", name), await model.save());
    log(`${name} fitted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await writeChampions(dir, "biased-mf", "ials");
  await Deno.writeTextFile(join(dir, "shape.json"), JSON.stringify({ users, movies, ratings: n }));
  return { dir, users, movies };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function procMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

async function serve(dir: string, workers: number): Promise<ServerRun> {
  const port = freePort();
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-net",
      "--config",
      CONFIG,
      MAIN,
      "--data-dir",
      dir,
      "--port",
      String(port),
      "--workers",
      String(workers),
    ],
    env: { LOG_LEVEL: "error" },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    const base = `http://127.0.0.1:${port}`;
    for (;;) {
      const status = await fetch(`${base}/ready`).then(async (r) => {
        await r.body?.cancel();
        return r.status;
      }, () => 0);
      if (status === 200) break;
      if (performance.now() - t0 > 300_000) throw new Error("the server was not ready in 300 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    const readySeconds = (performance.now() - t0) / 1000;
    // One request of each kind (on each worker, roughly: a few of each).
    for (let i = 1; i <= 4 * workers; i++) {
      for (
        const [method, path, body] of [
          ["GET", `/recommend/${i}?k=10`],
          ["GET", `/similar/${i}?k=10`],
          ["GET", `/predict/${i}/${i + 1}`],
          ["POST", "/recommend", JSON.stringify({ ratings: [{ movieId: i, rating: 5 }], k: 10 })],
        ] as const
      ) {
        const r = await fetch(`${base}${path}`, {
          method,
          ...(body ? { body, headers: { "content-type": "application/json" } } : {}),
        });
        if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
        await r.body?.cancel();
      }
    }
    const mem = await procMiB(child.pid);
    return { workers, readySeconds, rssMiB: mem.rss, peakRssMiB: mem.peak };
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      ratings: { type: "string", default: "25000000" },
      keep: { type: "boolean" },
      "data-dir": { type: "string" },
    },
  });
  const n = Number(values.ratings);
  if (!Number.isInteger(n) || n < 1000) {
    throw new Error(`--ratings must be an integer >= 1000, got "${values.ratings}"`);
  }
  // --data-dir: a folder kept by an earlier --keep run (same --ratings), not rebuilt.
  const reuse = values["data-dir"];
  const { dir, users, movies } = reuse
    ? { dir: reuse, ...JSON.parse(await Deno.readTextFile(join(reuse, "shape.json"))) }
    : await buildData(n);
  try {
    const runs: ServerRun[] = [];
    for (const workers of [1, 2]) {
      const run = await serve(dir, workers);
      log(
        `workers ${workers}: ready in ${run.readySeconds.toFixed(2)} s, RSS ${
          run.rssMiB.toFixed(0)
        } MiB (peak ${run.peakRssMiB.toFixed(0)} MiB)`,
      );
      runs.push(run);
    }
    const machine = `${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, ${
      Math.round(totalmem() / 2 ** 30)
    } GiB; Deno ${Deno.version.deno}`;
    const result = {
      measuredAt: new Date().toISOString(),
      machine,
      ratings: n,
      users,
      movies,
      runs,
    };
    const md = [
      "# API at scale (`deno task bench:api-scale`)",
      "",
      `${n.toLocaleString("en-US")} synthetic ratings, ${users.toLocaleString("en-US")} users, ${
        movies.toLocaleString("en-US")
      } movies; champions biased-mf (100 factors) and ials (64 factors); ${machine}; measured ${result.measuredAt}.`,
      "Target (issue 18): ready in under 10 s, under 2 GiB.",
      "",
      "| workers | ready (s) | RSS (MiB) | peak RSS (MiB) | ready < 10 s | peak < 2 GiB |",
      "|---|---|---|---|---|---|",
      ...runs.map((r) =>
        `| ${r.workers} | ${r.readySeconds.toFixed(2)} | ${r.rssMiB.toFixed(0)} | ${
          r.peakRssMiB.toFixed(0)
        } | ${r.readySeconds < 10 ? "yes" : "**no**"} | ${r.peakRssMiB < 2048 ? "yes" : "**no**"} |`
      ),
      "",
    ].join("\n");
    await Deno.mkdir(OUT_DIR, { recursive: true });
    const name = n === 25_000_000 ? "api_scale" : `api_scale_${n}`;
    await writeTextAtomic(join(OUT_DIR, `${name}.json`), JSON.stringify(result, null, 2) + "\n");
    await writeTextAtomic(join(OUT_DIR, `${name}.md`), md);
    log(`wrote reports/bench/${name}.md`);
  } finally {
    if (!values.keep && !reuse) await Deno.remove(dir, { recursive: true });
    else log(`data folder kept: ${dir}`);
  }
}
