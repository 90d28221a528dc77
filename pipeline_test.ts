import assert from "node:assert/strict";
import { join } from "node:path";
import { expandSweeps } from "./pipeline.ts";

const PIPELINE = new URL("./pipeline.ts", import.meta.url).pathname;
const CONFIG = new URL("./deno.json", import.meta.url).pathname;

/** Runs `deno task pipeline` as a user would, in `cwd`. */
async function pipeline(cwd: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, PIPELINE, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("pipeline --help lists the flags", async () => {
  const { code, stdout } = await pipeline(await Deno.makeTempDir(), "--help");
  assert.equal(code, 0);
  for (
    const flag of [
      "--only",
      "--from",
      "--force",
      "--dry-run",
      "--graph",
      "--params",
      "--set",
      "--jobs",
      "--dataset",
      "--sweep",
    ]
  ) {
    assert.ok(stdout.includes(flag), `help mentions ${flag}`);
  }
});

Deno.test("pipeline --graph prints the DAG as text and Mermaid", async () => {
  const { code, stdout } = await pipeline(await Deno.makeTempDir(), "--graph");
  assert.equal(code, 0);
  assert.match(stdout, /^etl/m);
  assert.match(stdout, /```mermaid\nflowchart TD/);
  // Every step is a stage: track and report with their edges, and the features -> train edge.
  assert.match(stdout, /^track <- .*evaluate.* \(always runs\)$/m);
  assert.match(stdout, /^report <- track \(always runs\)$/m);
  for (const edge of ["features --> train", "evaluate --> track", "track --> report"]) {
    assert.ok(stdout.includes(edge), `mermaid has ${edge}`);
  }
});

Deno.test("track and report are stages: listed by --dry-run and recorded in pipeline.lock", async () => {
  const cwd = await Deno.makeTempDir();
  const args = [
    "--dataset",
    "synthetic",
    "--set",
    "etl.synthetic.users=60",
    "--set",
    "etl.synthetic.movies=80",
    "--set",
    "train.models=[baseline]",
  ];
  const dry = await pipeline(cwd, ...args, "--dry-run");
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^track\s+would run\s+always runs$/m);
  assert.match(dry.stdout, /^report\s+would run\s+always runs$/m);
  const run = await pipeline(cwd, ...args);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^track\s+ran\s.*1 run\(s\) recorded in runs\//m);
  assert.match(run.stdout, /^report\s+ran\s.*reports\/index\.html/m);
  const lockPath = join(cwd, "pipeline.lock");
  const lock = JSON.parse(await Deno.readTextFile(lockPath));
  for (const name of ["track", "report"]) {
    const entry = lock.stages[name];
    assert.equal(entry?.always, true, `${name} has a lock entry`);
    assert.match(entry.key, /^[0-9a-f]{64}$/);
    assert.deepEqual(entry.params, {
      experiment: "movie-recommender",
      registeredModel: "movie-recommender",
      enabled: true,
    });
  }
  // The table's key column shows their keys, and an unchanged re-run leaves the lock as it was.
  assert.match(
    run.stdout,
    new RegExp(`^track\\s+ran\\s+\\S+\\s+${lock.stages.track.key.slice(0, 12)}`, "m"),
  );
  const before = await Deno.readTextFile(lockPath);
  const again = await pipeline(cwd, ...args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^evaluate\s+cached/m);
  assert.match(again.stdout, /^track\s+ran/m);
  assert.equal(await Deno.readTextFile(lockPath), before);
});

Deno.test("a failing stage is still recorded by track and shown by report, and fails the run", async () => {
  const cwd = await Deno.makeTempDir();
  const { code, stdout, stderr } = await pipeline(
    cwd,
    "--dataset",
    join(cwd, "no-such.zip"),
  );
  assert.equal(code, 1, stderr);
  assert.match(stdout, /^etl\s+failed/m);
  assert.match(stdout, /^train\s+skipped/m);
  assert.match(stdout, /^track\s+ran\s.*1 run\(s\) recorded/m);
  assert.match(stdout, /^report\s+ran/m);
});

Deno.test("pipeline refuses bad params before any stage runs", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["--set", "etl.ratingScale=[5,1]"],
      /etl\.ratingScale: the first value must be below the second/,
    ],
    [["--set", "etl.downloadAttempts=0"], /etl\.downloadAttempts: Too small/],
    [["--set", "nosuch.key=1"], /Unknown params section "nosuch": expected one of etl/],
    [["--set", "novalue"], /expected key=value/],
    [["--params", "missing.yaml"], /Cannot read params file .*missing\.yaml: it does not exist/],
    [["--only", "nosuchstage"], /Unknown stage "nosuchstage" for --only: expected one of etl/],
    [["--jobs", "0"], /Invalid --jobs "0"/],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), async () => {
      const cwd = await Deno.makeTempDir();
      const { code, stderr } = await pipeline(cwd, ...args);
      assert.equal(code, 2, stderr);
      assert.match(stderr, pattern);
      await assert.rejects(Deno.stat(join(cwd, "data")), "nothing written");
    });
  }
});

Deno.test("pipeline refuses to run while another pipeline holds the project", async () => {
  const cwd = await Deno.makeTempDir();
  // A live process (this test) holds the lock.
  await Deno.writeTextFile(
    join(cwd, ".pipeline.running"),
    JSON.stringify({ pid: Deno.pid, startedAt: "now" }),
  );
  const { code, stderr } = await pipeline(cwd, "--dataset", "synthetic");
  assert.equal(code, 2);
  assert.match(
    stderr,
    new RegExp(
      `Another pipeline run \\(pid ${Deno.pid}, started now\\) is using this project: wait for it`,
    ),
  );
  await assert.rejects(Deno.stat(join(cwd, "data")));
});

Deno.test("expandSweeps() makes the grid of all combinations", () => {
  assert.deepEqual(expandSweeps(["a.x=1,2", "b.y=p,q"]), [["a.x=1", "b.y=p"], ["a.x=1", "b.y=q"], [
    "a.x=2",
    "b.y=p",
  ], ["a.x=2", "b.y=q"]]);
  assert.deepEqual(expandSweeps([]), [[]]);
  assert.throws(() => expandSweeps(["a.x="]), /no values after "="/);
});

Deno.test("pipeline --sweep runs one pipeline per combination, sharing cached stages", async () => {
  const cwd = await Deno.makeTempDir();
  const { code, stdout, stderr } = await pipeline(
    cwd,
    "--dataset",
    "synthetic",
    "--set",
    "etl.synthetic.users=80",
    "--set",
    "etl.synthetic.movies=120",
    "--set",
    "train.models=[baseline,svd]",
    "--sweep",
    "train.factors=2,4",
  );
  assert.equal(code, 0, stderr);
  assert.match(stderr, /=== sweep 2\/2: train\.factors=4 ===/);
  // The second combination reuses etl, features and split; train and evaluate re-run.
  const tables = stdout.split("pipeline finished");
  assert.match(tables[1]!, /^etl\s+cached/m);
  assert.match(tables[1]!, /^train\s+ran/m);
  const sweep = stdout.slice(stdout.indexOf("Sweep: 2 runs"));
  assert.match(sweep, /train\.factors=2\s+svd\s+\d\.\d{4}/);
  assert.match(sweep, /train\.factors=4\s+svd\s+\d\.\d{4}/);
  // Running the same sweep again restores train and evaluate from the run cache for both values.
  const again = await pipeline(
    cwd,
    "--dataset",
    "synthetic",
    "--set",
    "etl.synthetic.users=80",
    "--set",
    "etl.synthetic.movies=120",
    "--set",
    "train.models=[baseline,svd]",
    "--sweep",
    "train.factors=2,4",
  );
  assert.equal(again.code, 0, again.stderr);
  const [firstCombo, secondCombo] = again.stdout.split("pipeline finished");
  assert.match(firstCombo!, /^train\s+restored/m);
  assert.match(secondCombo!, /^train\s+restored/m);
  assert.match(secondCombo!, /^evaluate\s+restored/m);
  // Each combination is tracked once: 2 models x 2 combinations. The second sweep restored the
  // same results (same stage keys), which the first one recorded: it records no copies (the
  // `--from track` below adds 2).
  assert.match(
    again.stdout,
    /^track\s+ran.*up to date: invocation [0-9a-f]{32} recorded these results \(2 run\(s\)\)/m,
  );
  // No run changed: the report is not rendered again.
  assert.match(again.stdout, /^report\s+ran.*up to date \(no run changed\)/m);
  // `--from track` runs no upstream stage, so it cannot tell these results are recorded: it records.
  const fromTrack = await pipeline(
    cwd,
    "--dataset",
    "synthetic",
    "--set",
    "etl.synthetic.users=80",
    "--set",
    "etl.synthetic.movies=120",
    "--set",
    "train.models=[baseline,svd]",
    "--set",
    "train.factors=4",
    "--from",
    "track",
  );
  assert.equal(fromTrack.code, 0, fromTrack.stderr);
  assert.match(fromTrack.stdout, /^track\s+ran\s.*2 run\(s\) recorded in runs\//m);
  const runs: string[] = [];
  for await (const e of Deno.readDir(join(cwd, "runs/movie-recommender"))) runs.push(e.name);
  assert.equal(runs.filter((r) => /^[0-9a-f]{32}$/.test(r)).length, 6);
});

Deno.test({
  name: "a secret in the dataset URL never reaches the output, the lock file, runs or reports",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { zipSync } = await import("fflate");
    const enc = new TextEncoder();
    const ratings = ["userId,movieId,rating,timestamp"];
    for (let u = 1; u <= 30; u++) {
      for (let m = 1; m <= 12; m++) {
        if ((u * m) % 3 !== 0) ratings.push(`${u},${m},${1 + ((u + m) % 9) / 2},${1000 + u * m}`);
      }
    }
    const movies = [
      "movieId,title,genres",
      ...Array.from({ length: 12 }, (_, i) => `${i + 1},Film ${i + 1} (2001),Drama`),
    ];
    const zip = zipSync({
      "ml-x/ratings.csv": enc.encode(ratings.join("\n") + "\n"),
      "ml-x/movies.csv": enc.encode(movies.join("\n") + "\n"),
    });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) =>
        new URL(req.url).searchParams.get("token") === "s3cretvalue42"
          ? new Response(zip)
          : new Response("forbidden", { status: 403 }),
    );
    try {
      const cwd = await Deno.makeTempDir();
      const url = `http://127.0.0.1:${server.addr.port}/ml-x.zip?token=s3cretvalue42`;
      const run = await pipeline(cwd, "--dataset", url, "--set", "train.models=[baseline]");
      assert.equal(run.code, 0, run.stderr);
      assert.ok(!(run.stdout + run.stderr).includes("s3cretvalue42"), "not in the console output");
      const dry = await pipeline(
        cwd,
        "--dataset",
        url,
        "--set",
        "train.models=[global-mean]",
        "--dry-run",
      );
      assert.ok(!(dry.stdout + dry.stderr).includes("s3cretvalue42"), "not in --dry-run reasons");
      const leaks: string[] = [];
      const walk = async (dir: string) => {
        for await (const e of Deno.readDir(dir)) {
          const path = join(dir, e.name);
          if (e.isDirectory) await walk(path);
          else if (!path.endsWith(".zip") && !path.endsWith(".parquet") && !path.endsWith(".bin")) {
            if ((await Deno.readTextFile(path)).includes("s3cretvalue42")) leaks.push(path);
          }
        }
      };
      await walk(cwd);
      assert.deepEqual(leaks, []);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test("a failed download does not leak the dataset URL's secret either", async () => {
  const cwd = await Deno.makeTempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  const url = `http://user:pa55word99@127.0.0.1:${port}/ml.zip?token=s3cretvalue42`;
  const run = await pipeline(cwd, "--dataset", url, "--set", "etl.downloadAttempts=2");
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /Cannot download http:\/\/user:\*\*\*@127\.0\.0\.1:\d+\/ml\.zip\?token=\*\*\*/,
  );
  const text = run.stdout + run.stderr;
  assert.ok(!text.includes("s3cretvalue42") && !text.includes("pa55word99"), text);
  const runs = join(cwd, "runs");
  for await (const exp of Deno.readDir(runs)) {
    for await (const r of Deno.readDir(join(runs, exp.name))) {
      if (!r.isDirectory) continue;
      const record = await Deno.readTextFile(join(runs, exp.name, r.name, "run.json"));
      assert.ok(record.includes('"FAILED"'), "the failed run is recorded");
      assert.ok(!record.includes("s3cretvalue42") && !record.includes("pa55word99"), record);
    }
  }
});

Deno.test("train.refit=false: evaluate accepts the models fit on the fold minus its holdout", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const run = await pipeline(
      cwd,
      "--dataset",
      "synthetic",
      "--set",
      "etl.synthetic.users=60",
      "--set",
      "etl.synthetic.movies=80",
      "--set",
      "train.models=[baseline,ials]",
      "--set",
      "train.refit=false",
      "--set",
      "tracking.enabled=false",
    );
    // Before the fix evaluate refused them: "trained on other data than fold 1's training set".
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^evaluate\s+ran\s.*2 model\(s\)/m);
    const summary = JSON.parse(
      await Deno.readTextFile(join(cwd, "data/metrics/summary.json")),
    ) as { models: { model: string }[] };
    assert.deepEqual(summary.models.map((m) => m.model).sort(), ["baseline", "ials"]);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
