/**
 * Stateless serving, end to end: two real API processes, each started in an
 * empty folder with nothing but `MLFLOW_TRACKING_URI` and the alias, behind a
 * round-robin proxy written here, under load while the registry alias moves
 * (to a new version, then to a version whose serving bundle belongs to
 * another model). Needs the real MLflow server (`tracking/_mlflow_test_env.ts`).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { fixture } from "./_test_fixture.ts";
import { mlflowTestEnv } from "../tracking/_mlflow_test_env.ts";
import { MlflowClient } from "../tracking/mlflow_client.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import type { ModelArtifact } from "../recommender/core/model.ts";
import {
  BUNDLE_DATA_FILES,
  BUNDLE_FILE,
  type ServingBundle,
} from "../recommender/scoring/serving_bundle.ts";
import { buildServingBundle } from "../stages/serving_bundle.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));
const mlflow = mlflowTestEnv();

/** A replica's stdout as lines, read continuously (so the pipe never fills), with waits on a line. */
class Lines {
  readonly all: string[] = [];
  #waiters: { match: RegExp; from: number; resolve: (l: string) => void }[] = [];
  #ended = false;
  readonly done: Promise<void>;
  constructor(stream: ReadableStream<Uint8Array>, readonly label: string) {
    this.done = (async () => {
      let buffer = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        const parts = buffer.split("\n");
        buffer = parts.pop()!;
        for (const line of parts) {
          this.all.push(line);
          this.#waiters = this.#waiters.filter((w) =>
            !(w.match.test(line) && (w.resolve(line), true))
          );
        }
      }
      this.#ended = true;
    })();
  }
  /** The first line from index `from` on matching `match` (rejects if the output ends first). */
  wait(match: RegExp, from = 0, signal?: AbortSignal): Promise<string> {
    const found = this.all.slice(from).find((l) => match.test(l));
    if (found) return Promise.resolve(found);
    if (this.#ended) return Promise.reject(new Error(`${this.label} ended before ${match}`));
    return new Promise((resolve, reject) => {
      this.#waiters.push({ match, from, resolve });
      this.done.then(() =>
        reject(new Error(`${this.label} ended before ${match}: ${this.all.slice(-5).join("\n")}`))
      );
      signal?.addEventListener(
        "abort",
        () => reject(new Error(`${this.label}: gave up waiting for ${match}`)),
      );
    });
  }
}

/** Logs a model (files and serving bundle) as a run's `model` folder and registers it as a version. */
async function logVersion(
  client: MlflowClient,
  experimentId: string,
  name: string,
  artifact: ModelArtifact,
  bundle: ServingBundle,
): Promise<string> {
  const run = await client.createRun({
    experimentId,
    runName: `stateless ${name}`,
    startTime: Date.now(),
  });
  const uri = run.info.artifact_uri;
  await client.uploadArtifact(
    uri,
    "model/manifest.json",
    new TextEncoder().encode(JSON.stringify(artifact.manifest)),
  );
  await client.uploadArtifact(uri, "model/model.bin", artifact.data);
  for (const file of BUNDLE_DATA_FILES) {
    await client.uploadArtifact(uri, `model/serving/${file}`, bundle.files[file]);
  }
  await client.uploadArtifact(
    uri,
    `model/serving/${BUNDLE_FILE}`,
    new TextEncoder().encode(JSON.stringify(bundle.manifest)),
  );
  await client.updateRun(run.info.run_id, "FINISHED", Date.now());
  await client.createRegisteredModel(name);
  const mv = await client.createModelVersion({
    name,
    source: `${uri.replace(/\/+$/, "")}/model`,
    runId: run.info.run_id,
  });
  return mv.version;
}

Deno.test({
  name:
    "two replicas from empty folders behind a round-robin proxy: the alias moves under load, no request fails",
  ignore: mlflow.ignore,
  async fn() {
    const uri = mlflow.uri();
    const f = await fixture();
    const procedure = { refit: true, validationFraction: 0.1, seed: 42 };
    const second = createModel("biased-mf", { factors: 8, epochs: 5, seed: 3 });
    second.fit(f.train);
    const b = await second.save();
    const bundleA = await buildServingBundle(f.dataDir, f.artifact.manifest, procedure);
    const bundleB = await buildServingBundle(f.dataDir, b.manifest, procedure);
    const client = MlflowClient.fromEnv({ MLFLOW_TRACKING_URI: uri });
    const exp = await client.getOrCreateExperiment("stateless-serving-test");
    const name = `stateless-${crypto.randomUUID().slice(0, 8)}`;
    const vA = await logVersion(client, exp.experiment_id, name, f.artifact, bundleA);
    const vB = await logVersion(client, exp.experiment_id, name, b, bundleB);
    // Model B's files with model A's serving bundle: a replica must refuse it.
    const vBad = await logVersion(client, exp.experiment_id, name, b, bundleA);
    await client.setAlias(name, "champion", vA);

    const guard = AbortSignal.timeout(180_000); // a bound on every wait below, never a pause
    const replicas = await Promise.all([0, 1].map(async (i) => {
      const cwd = await Deno.makeTempDir({ prefix: `movierec_replica${i}_` });
      const env: Record<string, string> = {
        MLFLOW_TRACKING_URI: uri,
        WATCH_INTERVAL_MS: "100",
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? cwd,
      };
      const denoDir = Deno.env.get("DENO_DIR");
      if (denoDir) env.DENO_DIR = denoDir;
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          CONFIG,
          MAIN,
          "--port",
          "0",
          "--watch",
          "--model",
          `models:/${name}@champion`,
        ],
        cwd,
        clearEnv: true,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out = new Lines(child.stdout, `replica ${i}`);
      const err = new Lines(child.stderr, `replica ${i} stderr`);
      return { i, cwd, child, out, err };
    }));
    const proxy = { server: null as Deno.HttpServer<Deno.NetAddr> | null };
    try {
      const bases = await Promise.all(replicas.map(async (r) => {
        const listening = JSON.parse(await r.out.wait(/"msg":"listening"/, 0, guard));
        const loaded = JSON.parse(await r.out.wait(/"msg":"model loaded"/, 0, guard));
        assert.equal(loaded.version, vA, `replica ${r.i} serves the alias's version`);
        return listening.url as string;
      }));
      for (const r of replicas) {
        assert.deepEqual(
          [...Deno.readDirSync(r.cwd)],
          [],
          "the replica wrote nothing to its folder",
        );
      }

      // The tiny round-robin load balancer.
      let turn = 0;
      proxy.server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
        const backend = turn++ % bases.length;
        const url = new URL(req.url);
        try {
          const res = await fetch(`${bases[backend]}${url.pathname}${url.search}`);
          const headers = new Headers(res.headers);
          headers.set("x-backend", String(backend));
          return new Response(await res.arrayBuffer(), { status: res.status, headers });
        } catch (e) {
          return new Response(`backend ${backend}: ${(e as Error).message}`, { status: 502 });
        }
      });
      const front = `http://127.0.0.1:${proxy.server.addr.port}`;

      // Load: clients asking for lists and for readiness until told to stop.
      type Answer = { backend: number; version: string };
      const answers: Answer[][] = [[], []];
      const failures: string[] = [];
      let stop = false;
      let onAnswer = () => {};
      const ask = async (c: number) => {
        for (let n = 0; !stop; n++) {
          const path = c === 0 ? "/ready" : `/recommend/${1 + ((n * 37 + c * 101) % 610)}?k=5`;
          try {
            const res = await fetch(`${front}${path}`);
            const body = await res.json();
            const backend = Number(res.headers.get("x-backend"));
            if (res.status !== 200) failures.push(`${path}: ${res.status} ${JSON.stringify(body)}`);
            else if (c === 0) {
              if (body.ready !== true) failures.push(`${path}: ${JSON.stringify(body)}`);
            } else {
              answers[backend]!.push({ backend, version: String(body.answeredBy.version) });
            }
          } catch (e) {
            failures.push(`${path}: ${(e as Error).message}`);
          }
          onAnswer();
        }
      };
      /** Resolves once every replica gave at least `n` list answers of `version`. */
      const served = (version: string, n: number) =>
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (answers.every((a) => a.filter((x) => x.version === version).length >= n)) resolve();
          };
          onAnswer = check;
          guard.addEventListener("abort", () => reject(new Error(`not served: ${version}`)));
          check();
        });
      const load = [0, 1, 2, 3].map(ask);

      await served(vA, 20);
      const marks = replicas.map((r) => r.out.all.length);
      await client.setAlias(name, "champion", vB);
      for (const r of replicas) {
        const line = JSON.parse(await r.out.wait(/"msg":"model reloaded/, marks[r.i], guard));
        assert.equal(line.version, vB);
      }
      await served(vB, 20);

      // An alias moved to a version whose pieces do not match: refused, B keeps serving.
      const marks2 = replicas.map((r) => r.out.all.length);
      await client.setAlias(name, "champion", vBad);
      for (const r of replicas) {
        const line = JSON.parse(await r.out.wait(/"msg":"reload rejected/, marks2[r.i], guard));
        assert.match(line.error, /serving bundle belongs to another model file/);
      }
      await served(vB, 40);
      stop = true;
      await Promise.all(load);

      assert.deepEqual(failures, [], "no request failed");
      for (const [backend, list] of answers.entries()) {
        const versions = list.map((a) => a.version);
        const firstB = versions.indexOf(vB);
        assert.ok(firstB > 0, `replica ${backend} answered with ${vA} first`);
        assert.deepEqual(
          [...new Set(versions.slice(firstB))],
          [vB],
          `replica ${backend}: once on ${vB}, never back`,
        );
        const ready = await (await fetch(`${bases[backend]}/ready`)).json();
        assert.deepEqual(ready, { ready: true, model: "biased-mf", version: vB, reloading: false });
      }
      for (const r of replicas) {
        r.child.kill("SIGTERM");
        assert.equal((await r.child.status).code, 0);
      }
    } finally {
      await proxy.server?.shutdown();
      for (const r of replicas) {
        try {
          r.child.kill("SIGKILL");
        } catch { /* already ended */ }
        await r.child.status;
        await Promise.all([r.out.done, r.err.done]);
        await Deno.remove(r.cwd, { recursive: true });
      }
    }
  },
});
