import assert from "node:assert/strict";
import { createModel, loadModel, modelNames } from "./model_registry.ts";
import { ratingsFromColumns } from "../core/ratings.ts";
import { _loadMovieLensSmall, _randomSplit, _score } from "../core/_test_data.ts";
import type { ModelArtifact } from "../core/model.ts";
import { _sha256 } from "../core/_artifact.ts";

/** Small, fast configs so every model fits in well under a second. */
const FAST: Record<string, Record<string, unknown>> = {
  svd: { factors: 20 },
  "biased-mf": { factors: 20, epochs: 10 },
  als: { factors: 10, iterations: 5 },
  blend: {
    members: [{ model: "baseline" }, { model: "biased-mf", config: { factors: 8, epochs: 10 } }],
  },
};

Deno.test("every model beats the global mean on the real ratings (seeded 80/20 split)", () => {
  const { train, test } = _randomSplit(_loadMovieLensSmall(), 0.2, 42);
  const floor = createModel("global-mean");
  floor.fit(train);
  const base = _score(floor, test);
  assert.ok(base.rmse > 1 && base.rmse < 1.1, `global mean RMSE ${base.rmse}`);
  for (const name of modelNames) {
    if (name === "global-mean") continue;
    const m = createModel(name, FAST[name] ?? {});
    m.fit(train);
    const s = _score(m, test);
    assert.ok(s.rmse < base.rmse - 0.05, `${name}: RMSE ${s.rmse} vs global mean ${base.rmse}`);
  }
});

const tiny = ratingsFromColumns({
  userId: [1, 1, 1, 2, 2, 3, 3, 3, 4],
  movieId: [10, 20, 30, 10, 40, 20, 30, 40, 10],
  rating: [4, 3, 5, 2, 4.5, 3.5, 4, 1, 5],
});

for (const name of modelNames) {
  Deno.test(`${name}: save/load round-trips bit-exact`, async () => {
    const m = createModel(name, FAST[name] ?? {});
    m.fit(tiny);
    const artifact = await m.save();
    const copy = loadModel(structuredClone(artifact));
    assert.equal(copy.name, name);
    assert.deepEqual(copy.config, m.config);
    for (const u of [1, 2, 3, 4, 99]) {
      for (const i of [10, 20, 30, 40, 77]) assert.deepEqual(copy.predict(u, i), m.predict(u, i));
      assert.deepEqual(copy.recommend(u, 3), m.recommend(u, 3));
    }
    assert.deepEqual(copy.similar(10, 2), m.similar(10, 2));
    const again = await copy.save();
    assert.deepEqual(again.data, artifact.data);
  });
}

Deno.test("load rejects a truncated blob, a wrong sha256, another format and bad indices", async () => {
  const m = createModel("biased-mf", { factors: 4, epochs: 2 });
  m.fit(tiny);
  const a = await m.save();
  assert.throws(
    () => loadModel({ manifest: a.manifest, data: a.data.subarray(0, a.data.length - 4) }),
    /truncated/,
  );
  const flipped = a.data.slice();
  flipped[5]! ^= 1;
  assert.throws(() => loadModel({ manifest: a.manifest, data: flipped }), /sha256/);
  assert.throws(
    () =>
      loadModel({
        manifest: { ...a.manifest, format: "pickle" } as unknown as ModelArtifact["manifest"],
        data: a.data,
      }),
    /not a movierec model file: format/,
  );
  assert.throws(
    () =>
      loadModel({
        manifest: { ...a.manifest, formatVersion: 2 } as unknown as ModelArtifact["manifest"],
        data: a.data,
      }),
    /formatVersion/,
  );
  assert.throws(
    () => loadModel({ manifest: { ...a.manifest, model: "nope" }, data: a.data }),
    /Unknown model "nope"/,
  );
  // a seen index past the catalogue, with a consistent sha256: caught by the bounds check
  const spec = a.manifest.arrays.find((s) => s.name === "seenIndices")!;
  const bad = a.data.slice();
  new DataView(bad.buffer).setInt32(spec.offset, 1_000_000, true);
  assert.throws(
    () => loadModel({ manifest: { ...a.manifest, dataSha256: _sha256(bad) }, data: bad }),
    /seenIndices" holds index 1000000/,
  );
  // a factor array of the wrong size
  const arrays = a.manifest.arrays.map((s) =>
    s.name === "itemBias" ? { ...s, length: 1, shape: [1] } : s
  );
  assert.throws(
    () => loadModel({ manifest: { ...a.manifest, arrays }, data: a.data }),
    /itemBias" has 1 values/,
  );
});

Deno.test("config errors name the key and unknown models list the allowed names", () => {
  assert.throws(
    () => createModel("svd", { factors: 0 }),
    /Invalid config for model "svd": factors: /,
  );
  assert.throws(() => createModel("biased-mf", { learningRate: -1 }), /learningRate: /);
  assert.throws(() => createModel("als", { factorz: 3 }), /factorz/);
  assert.throws(() => createModel("biased-mf", { kernel: "gpu" }), /kernel: /);
  assert.throws(
    () => createModel("xgboost"),
    /Unknown model "xgboost": model: expected one of "global-mean", "baseline"/,
  );
});

Deno.test("unknown users and movies are answered by the right scorer", () => {
  for (const name of ["biased-mf", "als", "baseline"]) {
    const m = createModel(name, FAST[name] ?? {});
    m.fit(tiny);
    assert.equal(m.predict(1, 10).scorer, "model");
    assert.equal(m.predict(1, 77).scorer, "baseline");
    assert.equal(m.predict(99, 10).scorer, "baseline");
    assert.equal(m.predict(99, 77).scorer, "global-mean");
    assert.deepEqual(m.recommend(99, 2), { ok: false, reason: "unknown-user" });
  }
  const svd = createModel("svd", { factors: 2 });
  svd.fit(tiny);
  assert.equal(svd.predict(1, 77).scorer, "user-mean");
  assert.equal(svd.predict(99, 10).scorer, "global-mean");
  const pop = createModel("popularity");
  pop.fit(tiny);
  assert.equal(pop.predict(99, 10).scorer, "popularity");
  assert.equal(pop.predict(99, 77).scorer, "global-mean");
});

Deno.test("recommend leaves out seen movies unless asked and honours the filter", () => {
  const m = createModel("biased-mf", { factors: 4, epochs: 5 });
  m.fit(tiny);
  const r = m.recommend(1, 10);
  assert.ok(r.ok);
  assert.deepEqual(r.items.map((x) => x.movieId), [40]);
  const all = m.recommend(1, 10, { excludeSeen: false });
  assert.ok(all.ok && all.items.length === 4);
  const scores = all.items.map((x) => x.score);
  assert.deepEqual(scores, scores.toSorted((a, b) => b - a));
  const filtered = m.recommend(1, 10, { excludeSeen: false, filter: (id) => id !== 20 });
  assert.ok(
    filtered.ok && filtered.items.every((x) => x.movieId !== 20) && filtered.items.length === 3,
  );
});
