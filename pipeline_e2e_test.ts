/**
 * End to end: the whole DAG on the real MovieLens zip, downloaded from a local
 * HTTP server on 127.0.0.1, in a fresh project folder, exactly as a user runs
 * it (`deno task pipeline`). Then: a second run is all cached; the runs are in
 * the local store and, when a real MLflow server is configured, in MLflow
 * (read back through MLflow's own REST API), each with its report page
 * `report.html`; the report opens in a real
 * browser (stages/report/browser_test.ts pointed at this run's report).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { mlflowTestEnv } from "./tracking/_mlflow_test_env.ts";
import { runPipelineCli } from "./_pipeline_cli.ts";
import { readServerOptions, startServer } from "./api/main.ts";

const ZIP = new URL("../shared/data/ml-latest-small.zip", import.meta.url).pathname;
const CONFIG = new URL("./deno.json", import.meta.url).pathname;
const mlflow = mlflowTestEnv();

async function mlflowApi(uri: string, path: string, body?: unknown) {
  const res = await fetch(
    `${uri}/api/2.0/mlflow/${path}`,
    body === undefined ? {} : {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    },
  );
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

Deno.test({
  name: "pipeline runs the whole DAG on ml-latest-small from 127.0.0.1, then is all cached",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const zip = await Deno.readFile(ZIP);
    let downloads = 0;
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
      downloads++;
      return new Response(zip);
    });
    const project = await Deno.makeTempDir({ prefix: "movierec-e2e-" });
    const experiment = `e2e-${crypto.randomUUID().slice(0, 8)}`;
    // A registered model of its own: other tests share the MLflow server and its registry.
    const registered = `movierec-${experiment}`;
    const env: Record<string, string> = { MLFLOW_EXPERIMENT_NAME: experiment };
    if (!mlflow.ignore) env.MLFLOW_TRACKING_URI = mlflow.uri();
    try {
      const url = `http://127.0.0.1:${server.addr.port}/ml-latest-small.zip`;
      const args = ["--dataset", url, "--set", `tracking.registeredModel=${registered}`];
      const first = await runPipelineCli(project, args, env);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(downloads, 1);
      // The comparison table and the stage table.
      assert.match(first.stdout, /model\s+RMSE\s+MAE\s+EV/);
      for (const stage of ["etl", "features", "split", "train", "select", "evaluate"]) {
        assert.match(first.stdout, new RegExp(`^${stage}\\s+ran\\s`, "m"));
      }
      assert.match(first.stdout, /^track\s+ran .*10 run\(s\) recorded/m);
      assert.match(first.stdout, /^report\s+ran .*10 page\(s\) attached to their runs/m);
      const summary = JSON.parse(
        await Deno.readTextFile(join(project, "data/metrics/summary.json")),
      );
      const rmse = Object.fromEntries(
        summary.models.map((
          m: { model: string; metrics: { rmse: { mean: number } } },
        ) => [m.model, m.metrics.rmse.mean]),
      );
      // Every model beats the global mean; the classic svd lands near the reference 0.936.
      for (const [model, value] of Object.entries(rmse)) {
        if (model !== "global-mean") {
          assert.ok((value as number) < rmse["global-mean"], `${model} beats global-mean`);
        }
      }
      assert.ok(rmse.svd > 0.9 && rmse.svd < 0.96, `svd RMSE ${rmse.svd}`);
      // The ranking champion, chosen on the training holdout, beats the bestseller lists on the
      // test set; the rating champion predicts better than the baseline.
      const champions = JSON.parse(
        await Deno.readTextFile(join(project, "data/selection/champions.json")),
      );
      const ndcg = Object.fromEntries(
        summary.models.map((
          m: { model: string; metrics: { ndcg_at_10: { mean: number } } },
        ) => [m.model, m.metrics.ndcg_at_10.mean]),
      );
      assert.ok(
        ndcg[champions.ranking.model] > Math.max(ndcg.popularity, ndcg["popular-count"]),
        `ranking champion ${champions.ranking.model}: NDCG@10 ${
          ndcg[champions.ranking.model]
        } vs the popular lists ${ndcg.popularity}, ${ndcg["popular-count"]}`,
      );
      assert.ok(rmse[champions.rating.model] < rmse.baseline, "the rating champion beats baseline");
      assert.ok(existsSync(join(project, "data/models/biased-mf/model.bin")));
      assert.ok(existsSync(join(project, "reports/index.html")));

      const second = await runPipelineCli(project, args, env);
      assert.equal(second.code, 0, second.stderr);
      for (const stage of ["etl", "features", "split", "train", "select", "evaluate"]) {
        assert.match(second.stdout, new RegExp(`^${stage}\\s+cached\\s`, "m"));
      }
      assert.equal(downloads, 1, "the zip in data/raw was reused");
      // The same results as the first invocation, which recorded them: no copies.
      assert.match(second.stdout, /^track\s+ran\s.*up to date: invocation [0-9a-f]{32} recorded/m);
      assert.match(second.stdout, /^report\s+ran\s.*up to date \(no run changed\)/m);
      // Another evaluate param: everything up to select is cached, evaluate runs, runs are recorded.
      const third = await runPipelineCli(project, [
        ...args,
        "--set",
        "evaluate.relevanceThreshold=3.5",
      ], env);
      assert.equal(third.code, 0, third.stderr);
      assert.match(third.stdout, /^evaluate\s+ran\s/m);
      assert.match(third.stdout, /^train\s+cached\s/m);

      // Local run store: 10 runs per recording invocation (the default models), the third's record says what was cached.
      const list = await new Deno.Command(Deno.execPath(), {
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
        env,
        stdout: "piped",
      }).output();
      const runs = JSON.parse(new TextDecoder().decode(list.stdout)) as {
        runId: string;
        experiment: string;
        tags: Record<string, string>;
        metrics: Record<string, unknown>;
        artifacts: string[];
      }[];
      assert.equal(runs.length, 20);
      // Each run carries its report page, attached by the report stage of its own invocation.
      for (const run of runs) {
        assert.ok(run.artifacts.includes("report.html"), `run ${run.runId} has report.html`);
      }
      const latest = runs.find((r) =>
        r.tags["pipeline.invocation"] === runs[0]!.tags["pipeline.invocation"]
      )!;
      assert.equal(
        await Deno.readTextFile(
          join(
            project,
            "runs",
            encodeURIComponent(latest.experiment),
            latest.runId,
            "artifacts/report.html",
          ),
        ),
        await Deno.readTextFile(join(project, "reports/runs", `${latest.runId}.html`)),
        "the snapshot is the run's page as the report wrote it",
      );
      const cachedRun = runs.find((r) =>
        r.tags["pipeline.cached_stages"] === "etl,features,split,train,select"
      );
      assert.ok(cachedRun, "a run records its cached stages");
      assert.ok(cachedRun.tags["stage.train.from_run"], "and which run produced them");

      if (!mlflow.ignore) {
        const uri = mlflow.uri();
        const { experiment: exp } = await mlflowApi(
          uri,
          `experiments/get-by-name?experiment_name=${experiment}`,
        );
        const search = await mlflowApi(uri, "runs/search", {
          experiment_ids: [exp.experiment_id],
          filter: "metrics.rmse < 1",
          max_results: 100,
        });
        // global-mean (1.04) is filtered out: 9 models x 2 recording invocations.
        assert.equal(search.runs.length, 18);
        const mf = search.runs.find((r: { data: { tags: { key: string; value: string }[] } }) =>
          r.data.tags.some((t) => t.key === "model" && t.value === "biased-mf")
        );
        const runId = mf.info.run_id;
        const history = await mlflowApi(
          uri,
          `metrics/get-history?run_id=${runId}&metric_key=validation_loss`,
        );
        assert.ok(history.metrics.length >= 5, "per-epoch validation loss");
        // Every model run has its report page among its artifacts, beside the model.
        for (const run of search.runs as { info: { run_id: string } }[]) {
          const top = await mlflowApi(uri, `artifacts/list?run_id=${run.info.run_id}`);
          assert.ok(
            top.files.some((f: { path: string }) => f.path === "report.html"),
            `MLflow run ${run.info.run_id} has report.html`,
          );
        }
        const page = await fetch(
          `${uri}/api/2.0/mlflow-artifacts/artifacts/${
            mf.info.artifact_uri.replace(/^mlflow-artifacts:\/+/, "")
          }/report.html`,
        );
        assert.equal(page.status, 200);
        assert.match(await page.text(), /^<!doctype html>/i);
        const artifacts = await mlflowApi(uri, `artifacts/list?run_id=${runId}&path=model`);
        const files = artifacts.files.map((f: { path: string }) => f.path).sort();
        assert.deepEqual(files, [
          "model/manifest.json",
          "model/model.bin",
          "model/serving",
          "model/timings.json",
          "model/validation.json",
        ]);
        const serving = await mlflowApi(uri, `artifacts/list?run_id=${runId}&path=model/serving`);
        assert.deepEqual(serving.files.map((f: { path: string }) => f.path).sort(), [
          "model/serving/bundle.json",
          "model/serving/movies.json.gz",
          "model/serving/popular.bin",
          "model/serving/seen.bin.gz",
        ]);
        const alias = await mlflowApi(
          uri,
          `registered-models/alias?name=${registered}&alias=champion`,
        );
        assert.ok(Number(alias.model_version.version) >= 1);
        // One alias per task, on the version of the model the select stage chose.
        for (const task of ["rating", "ranking"]) {
          const held = await mlflowApi(
            uri,
            `registered-models/alias?name=${registered}&alias=champion-${task}`,
          );
          const run = search.runs.find((r: { info: { run_id: string } }) =>
            r.info.run_id === held.model_version.run_id
          ) ?? (await mlflowApi(uri, `runs/get?run_id=${held.model_version.run_id}`)).run;
          const model = run.data.tags.find((t: { key: string }) =>
            t.key === "model"
          )?.value;
          assert.equal(model, champions[task].model, `champion-${task} is the selected model`);
        }
      }

      // The API serves the pipeline's champion, then the registry's champion.
      const sources = [["--data-dir", join(project, "data")]];
      if (!mlflow.ignore) {
        // From the registry alone: the version's serving bundle, no data folder.
        sources.push([
          "--model",
          `models:/${registered}@champion`,
          "--data-dir",
          await Deno.makeTempDir({ prefix: "movierec_no_data_" }),
        ]);
      }
      for (const source of sources) {
        const server = startServer(
          readServerOptions(["--port", "0", "--host", "127.0.0.1", ...source], {
            ...env,
            LOG_LEVEL: "off",
          }),
        );
        try {
          assert.equal(await server.firstLoad, true, `model loads from ${source.join(" ")}`);
          const base = `http://127.0.0.1:${server.port}`;
          const health = await (await fetch(`${base}/health`)).json();
          // The data folder's rating champion (select stage, holdout); the registry's alias.
          assert.equal(
            health.model,
            source[0] === "--data-dir" ? champions.rating.model : summary.models[0].model,
          );
          assert.equal(health.status, "ok");
          const recs = await (await fetch(`${base}/recommend/1?k=5`)).json();
          assert.equal(recs.items.length, 5);
          assert.equal(recs.fallback, false);
          const cold = await (await fetch(`${base}/recommend/999999?k=5`)).json();
          assert.equal(cold.fallback, true);
          assert.equal(cold.scorer, "popularity");
        } finally {
          await server.shutdown();
        }
      }

      // The fresh report in a real browser.
      if (existsSync("/usr/bin/chromium") || Deno.env.get("REQUIRE_BROWSER") === "1") {
        const browser = await new Deno.Command(Deno.execPath(), {
          args: [
            "test",
            "-A",
            "--config",
            CONFIG,
            new URL("./stages/report/browser_test.ts", import.meta.url).pathname,
          ],
          env: {
            REPORT_DIR: join(project, "reports"),
            NO_COLOR: "1",
            REQUIRE_BROWSER: Deno.env.get("REQUIRE_BROWSER") ?? "",
          },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(browser.stdout) +
          new TextDecoder().decode(browser.stderr);
        assert.equal(browser.code, 0, text);
      }
    } finally {
      await server.shutdown();
    }
  },
});
