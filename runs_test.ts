import assert from "node:assert/strict";
import { main } from "./runs.ts";
import { mlflowTestEnv } from "./tracking/_mlflow_test_env.ts";
import { LocalRunStore } from "./tracking/local_store.ts";
import { MlflowClient } from "./tracking/mlflow_client.ts";
import { openRunStore } from "./tracking/open.ts";
import { recordRun, type RunInput } from "./tracking/record_run.ts";

const mlflow = mlflowTestEnv();

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), env });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function input(name: string, factors: number, rmse: number, ndcg: number): RunInput {
  return {
    runName: name,
    status: "FINISHED",
    startTime: Date.now() - 90_000,
    endTime: Date.now(),
    params: { "train.factors": String(factors), "train.lr": "0.01" },
    metrics: [
      { key: "rmse", value: rmse },
      { key: "ndcg_at_10", value: ndcg },
      { key: "train_loss", value: 1.1, step: 0 },
      { key: "train_loss", value: 0.9, step: 1 },
    ],
    tags: {},
    artifacts: [],
  };
}

async function twoRuns() {
  const root = await Deno.makeTempDir({ prefix: "runs_cli_" });
  const store = new LocalRunStore(root, { experiment: "movies" });
  const a = await recordRun(store, input("mf-50", 50, 0.9, 0.1));
  const b = await recordRun(store, input("mf-100", 100, 0.85, 0.12));
  return { root, a, b };
}

Deno.test("runs list prints an aligned table with the key metrics", async () => {
  const { root, a, b } = await twoRuns();
  try {
    const r = await run(["list", "--root", root]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split("\n");
    assert.match(
      lines[0]!,
      /^RUN\s+EXPERIMENT\s+NAME\s+STATUS\s+STARTED\s+DURATION\s+factors\s+rmse\s+ndcg_at_10$/,
    );
    assert.ok(lines.some((l) => l.startsWith(a.runId.slice(0, 8)) && l.includes("0.9000")));
    assert.ok(lines.some((l) => l.startsWith(b.runId.slice(0, 8)) && l.includes("0.8500")));
    // Right-aligned metric column: every row ends at the header's width.
    assert.equal(lines[1]!.length, lines[0]!.length);
    assert.equal(lines[2]!.length, lines[0]!.length);
    assert.match(r.out, /2 runs in /);
    const json = JSON.parse(
      (await run(["list", "--root", root, "--json", "--experiment", "movies"])).out,
    );
    assert.equal(json.length, 2);
    assert.equal(
      (await run(["list", "--root", root, "--experiment", "nope"])).out.startsWith("No runs"),
      true,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runs compare shows differing params and metric deltas with direction arrows", async () => {
  const { root, a, b } = await twoRuns();
  try {
    const r = await run(["compare", a.runId.slice(0, 6), b.runId.slice(0, 6), "--root", root]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Params that differ \(1 of 2\)\nPARAM\s+A\s+B\ntrain\.factors\s+50\s+100/);
    assert.match(r.out, /rmse\s+0\.9000\s+0\.8500\s+-0\.0500\s+↓ better/);
    assert.match(r.out, /ndcg_at_10\s+0\.1000\s+0\.1200\s+\+0\.0200\s+↑ better/);
    assert.match(r.out, /train_loss\s+0\.9000\s+0\.9000\s+0\s+=\s+\(2 vs 2 steps\)/);
    const reversed = await run(["compare", b.runId, a.runId, "--root", root]);
    assert.match(reversed.out, /rmse\s+0\.8500\s+0\.9000\s+\+0\.0500\s+↑ worse/);
    const json = JSON.parse(
      (await run(["compare", a.runId, "mf-100", "--root", root, "--json"])).out,
    );
    assert.equal(json.b, b.runId);
    assert.deepEqual(json.params, [{ key: "train.factors", a: "50", b: "100" }]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runs compare reports unknown and ambiguous run ids", async () => {
  const { root, a } = await twoRuns();
  try {
    const missing = await run(["compare", a.runId, "zzzz", "--root", root]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /No run matches "zzzz".*deno task runs list/);
    const ambiguous = await run(["compare", a.runId, "", "--root", root]);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.err, /Missing run id/);
    const usage = await run(["compare", a.runId]);
    assert.equal(usage.code, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runs: --help, unknown commands, bad options and sync without MLflow", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: deno task runs <command>/);
  assert.equal((await run(["frobnicate"])).code, 2);
  assert.equal((await run(["list", "--bogus"])).code, 2);
  assert.equal((await run(["list", "--limit", "0"])).code, 2);
  const sync = await run(["sync", "--root", "/nonexistent"]);
  assert.equal(sync.code, 1);
  assert.match(sync.err, /MLFLOW_TRACKING_URI is not set/);
  const bad = await run(["sync"], { MLFLOW_TRACKING_URI: "http://bob:hunter22@" });
  assert.equal(bad.code, 1);
  assert.match(bad.err, /Invalid MLFLOW_TRACKING_URI/);
  assert.ok(!bad.err.includes("hunter22"));
});

Deno.test({
  name:
    "runs sync pushes runs kept locally while MLflow was down; runs list --mlflow reads them back",
  ignore: mlflow.ignore,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "runs_cli_sync_" });
    const experiment = `test-cli-${crypto.randomUUID().slice(0, 8)}`;
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const deadPort = (listener.addr as Deno.NetAddr).port;
      listener.close();
      const down = openRunStore({
        root,
        env: {
          MLFLOW_TRACKING_URI: `http://127.0.0.1:${deadPort}`,
          MLFLOW_EXPERIMENT_NAME: experiment,
        },
        warn: () => {},
        client: { retries: 0 },
      });
      const local = await recordRun(down, input("offline", 20, 0.95, 0.09));
      assert.equal(local.synced, false);
      const listed = await run(["list", "--root", root]);
      assert.match(listed.out, /SYNCED/);
      assert.match(listed.out, new RegExp(`${local.runId.slice(0, 8)}.*no$`, "m"));

      const env = { MLFLOW_TRACKING_URI: mlflow.uri() };
      const sync = await run(["sync", "--root", root], env);
      assert.equal(sync.code, 0, sync.err);
      assert.match(sync.out, new RegExp(`pushed  ${local.runId.slice(0, 8)}  offline  http`));
      assert.match(sync.out, /1 pushed, 0 failed, 0 skipped/);
      assert.match(
        (await run(["list", "--root", root], env)).out,
        new RegExp(`${local.runId.slice(0, 8)}.*yes$`, "m"),
      );

      const remote = await run(["list", "--mlflow", "--experiment", experiment, "--json"], env);
      assert.equal(remote.code, 0, remote.err);
      const runs = JSON.parse(remote.out);
      assert.equal(runs.length, 1);
      assert.equal(runs[0].params["train.factors"], "20");
      const c = new MlflowClient({ uri: mlflow.uri() });
      assert.equal((await c.getMetricHistory(runs[0].runId, "train_loss")).length, 2);
      // Compare across stores by MLflow id prefix works too.
      const cmp = await run(
        ["compare", "--mlflow", runs[0].runId.slice(0, 10), runs[0].runId],
        env,
      );
      assert.equal(cmp.code, 0, cmp.err);
      assert.match(cmp.out, /Params: all 2 the same/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

async function sweepRuns() {
  const root = await Deno.makeTempDir({ prefix: "runs_cli_sweep_" });
  const store = new LocalRunStore(root, { experiment: "movies" });
  const runs = [];
  for (const [factors, rmse] of [[20, 0.87], [50, 0.862], [100, 0.858], [100, 0.866]] as const) {
    runs.push(await recordRun(store, input("biased-mf", factors, rmse, 0.1)));
  }
  return { root, runs };
}

Deno.test("runs list --filter keeps the runs matching MLflow's search syntax", async (t) => {
  const { root, runs } = await sweepRuns();
  try {
    const ids = async (filter: string) => {
      const r = await run(["list", "--root", root, "--filter", filter, "--json"]);
      assert.equal(r.code, 0, r.err);
      return (JSON.parse(r.out) as { runId: string }[]).map((x) => x.runId).sort();
    };
    const cases: [string, number[]][] = [
      ["params.factors = 100 and metrics.rmse < 0.86", [2]],
      ["params.`train.factors` = '100'", [2, 3]],
      ["params.factors >= 50 AND metrics.rmse <= 0.862", [1, 2]],
      ["metrics.rmse > 0.9", []],
      ["attributes.run_name LIKE 'biased%' and params.factors != 20", [1, 2, 3]],
    ];
    for (const [filter, expected] of cases) {
      await t.step(filter, async () => {
        assert.deepEqual(await ids(filter), expected.map((i) => runs[i]!.runId).sort());
      });
    }
    const table = await run(["list", "--root", root, "--filter", "params.factors = 100"]);
    assert.match(table.out, /2 runs in .* matching "params\.factors = 100"/);
    const bad = await run(["list", "--root", root, "--filter", "params.factors == 100 or x"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^Cannot parse --filter: .*; write clauses like/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runs list shows the params that differ as columns, or the ones asked for", async () => {
  const { root } = await sweepRuns();
  try {
    const auto = await run(["list", "--root", root]);
    assert.match(auto.out.split("\n")[0]!, /DURATION\s+factors\s+rmse/);
    assert.ok(!/\blr\b/.test(auto.out.split("\n")[0]!), "lr is the same in every run");
    const asked = await run(["list", "--root", root, "--params", "lr,factors"]);
    assert.match(asked.out.split("\n")[0]!, /DURATION\s+lr\s+factors\s+rmse/);
    assert.match(asked.out, /0\.01\s+100\s+0\.8580/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runs compare takes a run name unique within --filter, else lists the candidates", async () => {
  const { root, runs } = await sweepRuns();
  try {
    const ambiguous = await run(["compare", "biased-mf", runs[0]!.runId, "--root", root]);
    assert.equal(ambiguous.code, 1);
    assert.match(
      ambiguous.err,
      /Run name "biased-mf" matches 4 runs: give one of their ids or narrow them with --filter/,
    );
    for (const r of runs) {
      assert.ok(ambiguous.err.includes(r.runId.slice(0, 8)), "candidate missing");
    }
    const narrowed = await run([
      "compare",
      "biased-mf",
      runs[3]!.runId.slice(0, 8),
      "--root",
      root,
      "--filter",
      "metrics.rmse < 0.86",
      "--json",
    ]);
    assert.equal(narrowed.code, 0, narrowed.err);
    assert.equal(JSON.parse(narrowed.out).a, runs[2]!.runId);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
