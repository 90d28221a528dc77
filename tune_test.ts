import assert from "node:assert/strict";
import { join } from "node:path";
import { runTune, writeBestParams } from "./tune.ts";
import { ratingsFromColumns } from "./recommender/core/ratings.ts";
import { Prng } from "./recommender/core/prng.ts";
import { ratingsToFrame } from "./stages/ratings_frame.ts";
import { LocalRunStore } from "./tracking/mod.ts";

/** Ratings from a rank-2 truth plus noise. */
function synthetic(seed: number, shift = 0) {
  const rng = new Prng(seed);
  const pu = Array.from({ length: 50 }, () => [rng.gaussian(), rng.gaussian()]);
  const qi = Array.from({ length: 40 }, () => [rng.gaussian(), rng.gaussian()]);
  const u: number[] = [], m: number[] = [], r: number[] = [];
  for (let a = 0; a < 50; a++) {
    for (let b = 0; b < 40; b++) {
      if (rng.next() > 0.5) continue;
      const x = 3 + shift + 0.7 * (pu[a]![0]! * qi[b]![0]! + pu[a]![1]! * qi[b]![1]!) +
        0.3 * rng.gaussian();
      u.push(a + 1);
      m.push(b + 1);
      r.push(Math.min(5, Math.max(0.5, Math.round(x * 2) / 2)));
    }
  }
  return ratingsFromColumns({ userId: u, movieId: m, rating: r, timestamp: u.map(() => 0) });
}

async function setup(): Promise<string> {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(join(root, "split"), { recursive: true });
  ratingsToFrame(synthetic(1)).writeParquet(join(root, "split", "train.parquet"));
  ratingsToFrame(synthetic(2)).writeParquet(join(root, "split", "test.parquet"));
  await Deno.writeTextFile(
    join(root, "params.yaml"),
    "# my params\ntrain:\n  models: [svdpp] # a comment that must stay\n  svdpp: { epochs: 30 }\n",
  );
  return root;
}

Deno.test("tune: the choice reads only the training ratings (a poisoned test split changes nothing)", async () => {
  const root = await setup();
  const run = (runs: string) =>
    runTune({
      model: "svdpp",
      trials: 5,
      paramsPath: join(root, "params.yaml"),
      splitDir: join(root, "split"),
      featuresDir: join(root, "no-features"),
      store: new LocalRunStore(join(root, runs)),
      log: () => {},
    });
  const before = await run("runs-a");
  // poison the test split: other ratings, far off the scale of the training ones
  const poisoned = synthetic(3, 2);
  ratingsToFrame(poisoned).writeParquet(join(root, "split", "test.parquet"));
  const after = await run("runs-b");
  assert.equal(after.best.trial, before.best.trial);
  assert.deepEqual(after.best.params, before.best.params);
  assert.equal(after.best.score, before.best.score);
  assert.equal(before.metric, "rmse");
  // every trial is a tracked run
  const runs = await new LocalRunStore(join(root, "runs-a")).listRuns();
  assert.equal(runs.length, 5);
  assert.ok(runs.every((r) => r.tags.kind === "tune" && r.metrics.validation_rmse !== undefined));
  await Deno.remove(root, { recursive: true });
});

Deno.test("tune: trial 1 is the current config and the best beats or equals it", async () => {
  const root = await setup();
  const r = await runTune({
    model: "svdpp",
    trials: 4,
    paramsPath: join(root, "params.yaml"),
    splitDir: join(root, "split"),
    featuresDir: join(root, "no-features"),
    store: new LocalRunStore(join(root, "runs")),
    log: () => {},
  });
  assert.deepEqual(r.trials[0]!.params, {});
  assert.equal(r.trials[0]!.config.epochs, 30);
  assert.ok(r.best.score <= r.trials[0]!.score);
  await Deno.remove(root, { recursive: true });
});

Deno.test("tune: --write sets train.<model> keys and keeps the file's comments", async () => {
  const root = await setup();
  const path = join(root, "params.yaml");
  await writeBestParams(path, "svdpp", { factors: 12, learningRate: 0.01 });
  const text = await Deno.readTextFile(path);
  assert.match(text, /# my params/);
  assert.match(text, /a comment that must stay/);
  assert.match(text, /factors: 12/);
  assert.match(text, /epochs: 30/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("tune: a model without declared ranges and a missing split are clear errors", async () => {
  const root = await setup();
  await assert.rejects(
    () => runTune({ model: "global-mean", trials: 2, log: () => {} }),
    /declares no ranges/,
  );
  await assert.rejects(
    () =>
      runTune({
        model: "svdpp",
        trials: 2,
        paramsPath: join(root, "params.yaml"),
        splitDir: join(root, "nowhere"),
        log: () => {},
      }),
    /does not exist; run `deno task pipeline`/,
  );
  await Deno.remove(root, { recursive: true });
});
