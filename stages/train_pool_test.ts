import assert from "node:assert/strict";
import { join } from "node:path";
import { _loadMovieLensSmall } from "../recommender/core/_test_data.ts";
import { selectRows } from "../recommender/core/ratings.ts";
import type { ModelName } from "../recommender/models/model_registry.ts";
import { trainInLanes } from "./_train_pool.ts";
import { trainLanes, trainModel, trainParams, writeModel } from "./train.ts";

/** The bytes of every file under `dir`, by relative path. */
async function filesOf(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const walk = async (sub: string) => {
    for await (const e of Deno.readDir(join(dir, sub))) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory) await walk(rel);
      else out.set(rel, await Deno.readFile(join(dir, rel)));
    }
  };
  await walk("");
  return out;
}

// Real ratings: the first 20k of ml-latest-small (about 130 users), enough for a holdout.
const train = (() => {
  const all = _loadMovieLensSmall();
  return selectRows(all, Array.from({ length: 20_000 }, (_, i) => i));
})();
const params = trainParams.parse({
  models: ["baseline", "svd", "biased-mf", "popular-count"],
  svd: { factors: 8 },
  "biased-mf": { factors: 8, epochs: 6 },
});

Deno.test("models fitted on two worker threads are the same bytes as fitted one after another", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train-pool-" });
  try {
    const names = params.models as ModelName[];
    for (const name of names) {
      await writeModel(join(dir, "serial", name), await trainModel(name, train, params));
    }
    const finished: string[] = [];
    const epochs = new Set<string>();
    await trainInLanes({
      lanes: 2,
      train,
      params,
      trainPath: "unused.parquet",
      jobs: names.map((name) => ({ name, dir: join(dir, "lanes", name) })),
      onProgress: (name, p) => {
        if (p.epoch !== undefined) epochs.add(name);
      },
      onDone: (name, summary) => {
        assert(summary.fitSeconds > 0);
        finished.push(name);
      },
    });
    assert.deepEqual(finished.toSorted(), names.toSorted());
    assert(epochs.has("biased-mf"), "epoch progress reaches the stage");
    const serial = await filesOf(join(dir, "serial"));
    const lanes = await filesOf(join(dir, "lanes"));
    assert.deepEqual([...lanes.keys()].sort(), [...serial.keys()].sort());
    for (const [path, bytes] of serial) {
      if (path.endsWith("timings.json")) continue; // clock readings
      assert.deepEqual(lanes.get(path), bytes, path);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model that fails in a lane fails the fit with its own message", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train-pool-" });
  try {
    const bad = trainParams.parse({
      models: ["baseline", "ease"],
      ease: { maxDenseMB: 0.001, overBudget: "error" },
    });
    await assert.rejects(
      () =>
        trainInLanes({
          lanes: 2,
          train,
          params: bad,
          trainPath: "unused.parquet",
          jobs: bad.models.map((name) => ({ name, dir: join(dir, name) })),
          onProgress: () => {},
          onDone: () => {},
        }),
      /ease/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("small folds train in this thread; bigger ones on up to one thread per model", () => {
  assert.deepEqual(trainLanes(10, 1_000), 1);
  assert(trainLanes(10, 1_000_000) >= 1);
  assert.deepEqual(trainLanes(1, 1_000_000), 1);
});
