/**
 * One model, every way the pipeline can evaluate it, the same numbers bit for
 * bit: the later step of a sweep in one process, a fresh project with
 * `--jobs 2` (stages in worker threads) and MLflow on, and a model restored
 * from the run cache and evaluated again. The metrics files hold no clock
 * reading, so they are compared as bytes; the lock files of two fresh
 * projects with the same params are byte-identical too (no run id, no time),
 * and so are the model files.
 *
 * The real MovieLens zip is served from 127.0.0.1 so the real download runs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { mlflowTestEnv } from "./tracking/_mlflow_test_env.ts";
import { runPipelineCli } from "./_pipeline_cli.ts";

const ZIP = new URL("../shared/data/ml-latest-small.zip", import.meta.url).pathname;
const CONFIG = new URL("./deno.json", import.meta.url).pathname;
const MODELS = ["biased-mf", "svd", "popularity"] as const;
const mlflow = mlflowTestEnv();

async function pipeline(cwd: string, args: string[], env: Record<string, string> = {}) {
  const result = await runPipelineCli(cwd, args, env);
  assert.equal(result.code, 0, `pipeline ${args.join(" ")} failed:\n${result.stderr}`);
  return result;
}

/** Each model's metrics.json, as text, from a project's data/metrics. */
async function metricsFiles(project: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of MODELS) {
    out[m] = await Deno.readTextFile(join(project, "data/metrics", m, "metrics.json"));
  }
  return out;
}

async function git(cwd: string, ...args: string[]) {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

/** `git.dirty` of every run in a project's local run store, by invocation. */
async function dirtyTags(project: string): Promise<Map<string, Set<string>>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      CONFIG,
      new URL("./runs.ts", import.meta.url).pathname,
      "list",
      "--json",
    ],
    cwd: project,
    stdout: "piped",
  }).output();
  const runs = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    tags: Record<string, string>;
  }[];
  const byInvocation = new Map<string, Set<string>>();
  for (const r of runs) {
    const id = r.tags["pipeline.invocation"] ?? "?";
    if (!byInvocation.has(id)) byInvocation.set(id, new Set());
    byInvocation.get(id)!.add(r.tags["git.dirty"] ?? "missing");
  }
  return byInvocation;
}

/** The headline values tracking logs for a model (metrics.json means). */
function means(metricsJson: string): Record<string, number> {
  const file = JSON.parse(metricsJson) as { metrics: Record<string, { mean: number | null }> };
  const out: Record<string, number> = {};
  for (const [key, s] of Object.entries(file.metrics)) if (s.mean !== null) out[key] = s.mean;
  return out;
}

Deno.test({
  name:
    "the same model gives bit-identical metrics in a sweep, with --jobs 2 and MLflow, and restored",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const zip = await Deno.readFile(ZIP);
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response(zip),
    );
    const sweepProject = await Deno.makeTempDir({ prefix: "movierec-det-sweep-" });
    const jobsProject = await Deno.makeTempDir({ prefix: "movierec-det-jobs-" });
    try {
      const url = `http://127.0.0.1:${server.addr.port}/ml-latest-small.zip`;
      const base = [
        "--dataset",
        url,
        "--set",
        `train.models=[${MODELS.join(",")}]`,
        "--set",
        "train.epochs=12",
      ];

      // The sweep's project is a clean git checkout with a committed lock file.
      await Deno.writeTextFile(join(sweepProject, "notes.txt"), "tracked\n");
      await Deno.writeTextFile(join(sweepProject, "pipeline.lock"), '{"version":1,"stages":{}}\n');
      await git(sweepProject, "init", "-q");
      await git(sweepProject, "add", "notes.txt", "pipeline.lock");
      await git(sweepProject, "commit", "-q", "-m", "a clean checkout");

      // 1. A sweep in one process: factors=16 is evaluated after factors=8 in the same process.
      await pipeline(sweepProject, [...base, "--sweep", "train.factors=8,16"]);
      const clean = await dirtyTags(sweepProject);
      assert.equal(clean.size, 2, "one invocation per sweep step");
      assert.deepEqual(
        [...new Set([...clean.values()].flatMap((v) => [...v]))],
        ["false"],
        "a clean checkout's runs are not dirty, though the pipeline rewrote pipeline.lock",
      );
      const inSweep = await metricsFiles(sweepProject);
      const sweepLock = await Deno.readTextFile(join(sweepProject, "pipeline.lock"));

      // 2. A fresh project, one run, stages in worker threads, MLflow on when there is one.
      const experiment = `determinism-${crypto.randomUUID().slice(0, 8)}`;
      const env: Record<string, string> = {};
      if (!mlflow.ignore) {
        env.MLFLOW_TRACKING_URI = mlflow.uri();
        env.MLFLOW_EXPERIMENT_NAME = experiment;
      }
      await pipeline(jobsProject, [
        ...base,
        "--set",
        "train.factors=16",
        "--jobs",
        "2",
        "--set",
        `tracking.registeredModel=movierec-${experiment}`,
      ], env);
      const withJobs = await metricsFiles(jobsProject);
      for (const m of MODELS) {
        assert.equal(withJobs[m], inSweep[m], `${m}: --jobs 2 gives the sweep's metrics.json`);
        assert.deepEqual(
          await Deno.readFile(join(jobsProject, "data/models", m, "model.bin")),
          await Deno.readFile(join(sweepProject, "data/models", m, "model.bin")),
          `${m}: the same model file`,
        );
      }
      // Their tracking params differ (registeredModel), so do the entries of track and report,
      // the stages that read them.
      const cachedStages = (text: string) => {
        const lock = JSON.parse(text);
        for (const [name, entry] of Object.entries(lock.stages)) {
          if ((entry as { always?: boolean }).always) delete lock.stages[name];
        }
        return lock;
      };
      assert.deepEqual(
        cachedStages(await Deno.readTextFile(join(jobsProject, "pipeline.lock"))),
        cachedStages(sweepLock),
        "two fresh projects with the same params write the same lock file",
      );

      if (!mlflow.ignore) {
        // What MLflow recorded is what the evaluate stage measured.
        const api = async (path: string, body?: unknown) => {
          const res = await fetch(`${mlflow.uri()}/api/2.0/mlflow/${path}`, {
            method: body === undefined ? "GET" : "POST",
            headers: { "content-type": "application/json" },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          assert.equal(res.status, 200, await res.clone().text());
          return await res.json();
        };
        const { experiment: exp } = await api(
          `experiments/get-by-name?experiment_name=${experiment}`,
        );
        const { runs } = await api("runs/search", { experiment_ids: [exp.experiment_id] });
        for (const m of MODELS) {
          const run = runs.find((r: { data: { tags: { key: string; value: string }[] } }) =>
            r.data.tags.some((t) => t.key === "model" && t.value === m)
          );
          assert.ok(run, `an MLflow run for ${m}`);
          const logged = Object.fromEntries(
            (run.data.metrics as { key: string; value: number }[]).map((x) => [x.key, x.value]),
          );
          for (const [key, value] of Object.entries(means(inSweep[m]!))) {
            assert.equal(logged[key], value, `${m} ${key} in MLflow`);
          }
        }
      }

      // 3. Back to factors=8 and again 16 in the sweep's project: both restored from the run
      // cache; then the restored model is evaluated again from scratch.
      await Deno.writeTextFile(join(sweepProject, "notes.txt"), "edited\n");
      await pipeline(sweepProject, [...base, "--set", "train.factors=8"]);
      const edited = await dirtyTags(sweepProject);
      assert.deepEqual(
        [...edited.values()].map((v) => [...v].join()).sort(),
        ["false", "false", "true"],
        "an edited tracked file makes the next invocation's runs dirty",
      );
      const again = await pipeline(sweepProject, [...base, "--set", "train.factors=16"]);
      assert.match(again.stdout, /^train\s+restored\s/m);
      const restored = await metricsFiles(sweepProject);
      await pipeline(sweepProject, [
        ...base,
        "--set",
        "train.factors=16",
        "--only",
        "evaluate",
        "--force",
      ]);
      const reevaluated = await metricsFiles(sweepProject);
      for (const m of MODELS) {
        assert.equal(restored[m], inSweep[m], `${m}: restored from the run cache`);
        assert.equal(reevaluated[m], inSweep[m], `${m}: the restored model evaluated again`);
      }
      assert.equal(
        await Deno.readTextFile(join(sweepProject, "pipeline.lock")),
        sweepLock,
        "re-running unchanged stages leaves the lock file as it was",
      );
    } finally {
      await server.shutdown();
      await Deno.remove(sweepProject, { recursive: true }).catch(() => {});
      await Deno.remove(jobsProject, { recursive: true }).catch(() => {});
    }
  },
});
