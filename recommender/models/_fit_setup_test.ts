import assert from "node:assert/strict";
import { _holdoutSplit, _releaseFitSetup, _sharedEncoding, _sharedSeen } from "./_fit_setup.ts";
import { fitStandalone, holdoutSplit, useHoldoutSplit } from "./fit_standalone.ts";
import { createModel } from "./model_registry.ts";
import type { ModelArtifact } from "../core/model.ts";
import { type Ratings, selectRows } from "../core/ratings.ts";
import { _loadMovieLensSmall } from "../core/_test_data.ts";

const TRAIN = selectRows(
  _loadMovieLensSmall(),
  Int32Array.from({ length: 30000 }, (_, j) => j),
);

/** A copy with a new identity: nothing made for `r` is shared with it. */
function copyOf(r: Ratings): Ratings {
  return {
    userId: r.userId.slice(),
    movieId: r.movieId.slice(),
    rating: r.rating.slice(),
    timestamp: r.timestamp.slice(),
  };
}

/** The model file without its timings (what the train stage writes, minus trainedAt and seconds). */
function file(a: ModelArtifact): { manifest: unknown; data: Uint8Array } {
  const { trainedAt: _t, ...manifest } = a.manifest;
  const extra = Object.fromEntries(
    Object.entries(manifest.extra).filter(([k]) => !/second/i.test(k)),
  );
  const history = (extra.history as Array<Record<string, unknown>> | undefined)?.map((h) =>
    Object.fromEntries(Object.entries(h).filter(([k]) => !/second/i.test(k)))
  );
  return { manifest: { ...manifest, extra: { ...extra, history } }, data: a.data };
}

const FAST: Record<string, Record<string, unknown>> = {
  "biased-mf": { factors: 8, epochs: 6, patience: 2 },
  als: { factors: 8, iterations: 3 },
  svd: { factors: 8 },
  ease: { lambda: 50 },
  ials: { factors: 8, iterations: 3 },
  "item-knn": { neighbors: 20 },
};

function fit(name: string, train: Ratings) {
  return fitStandalone(train, {
    create: (c) => createModel(name, c),
    config: FAST[name] ?? {},
    validationFraction: 0.1,
    refit: true,
    seed: 42,
    holdoutPass: true,
  });
}

// Pairs fitted one after the other on one table, as a train lane does, each file compared with
// the same model fitted alone on a fresh copy (nothing shared): ranking, factor and mixed pairs.
const PAIRS: Array<[string, string]> = [
  ["ease", "ials"],
  ["popular-count", "item-knn"],
  ["baseline", "biased-mf"],
  ["global-mean", "als"],
  ["popularity", "svd"],
  ["ials", "baseline"],
];

for (const [a, b] of PAIRS) {
  Deno.test(`${a} then ${b} through the shared setup: the same files as each fitted alone`, async () => {
    const shared = copyOf(TRAIN);
    const first = fit(a, shared);
    const second = fit(b, shared);
    // the holdout tables were made once and given to both models
    assert.equal(second.holdout!.train, first.holdout!.train);
    assert.equal(second.holdout!.test, first.holdout!.test);
    for (const [name, got] of [[a, first], [b, second]] as const) {
      const alone = fit(name, copyOf(TRAIN));
      assert.deepEqual(file(await got.model.save()), file(await alone.model.save()), name);
      assert.deepEqual(
        file(await got.holdout!.model.save()),
        file(await alone.holdout!.model.save()),
        `${name}, holdout pass`,
      );
      assert.deepEqual(
        got.history.map((h) => h.validationLoss),
        alone.history.map((h) => h.validationLoss),
      );
    }
  });
}

Deno.test("_holdoutSplit() is made once per (fraction, seed); another key replaces it", () => {
  const r = copyOf(TRAIN);
  const a = _holdoutSplit(r, { fraction: 0.1, seed: 1 });
  assert.equal(_holdoutSplit(r, { fraction: 0.1, seed: 1 }), a);
  assert.equal(a.train.rating.length + a.test.rating.length, r.rating.length);
  const b = _holdoutSplit(r, { fraction: 0.1, seed: 2 });
  assert.notEqual(b, a);
  assert.notDeepEqual(b.test.userId, a.test.userId);
  assert.equal(_holdoutSplit(r, { fraction: 0.1, seed: 2 }), b);
});

Deno.test("_sharedEncoding() and _sharedSeen() are made once per table, again after release", () => {
  const r = copyOf(TRAIN);
  const d = _sharedEncoding(r, "a");
  const seen = _sharedSeen(r, "b");
  assert.equal(_sharedEncoding(r, "c"), d);
  assert.equal(_sharedSeen(r, "d"), seen);
  assert.notEqual(_sharedEncoding(copyOf(r), "e"), d);
  const sub = _holdoutSplit(r, { fraction: 0.1, seed: 1 }).train;
  const dSub = _sharedEncoding(sub, "f");
  _releaseFitSetup(r);
  const again = _sharedEncoding(r, "g");
  assert.notEqual(again, d);
  assert.deepEqual(again.u, d.u);
  assert.notEqual(_sharedEncoding(sub, "h"), dSub);
});

Deno.test("_sharedEncoding() names the model fitted on an empty table, and keeps nothing", () => {
  const empty = copyOf(selectRows(TRAIN, []));
  assert.throws(() => _sharedEncoding(empty, "ease"), /Cannot fit model "ease": the training/);
  assert.throws(() => _sharedEncoding(empty, "svd"), /Cannot fit model "svd"/);
});

Deno.test("useHoldoutSplit(): fitStandalone fits on the split it is given, the same bits", async () => {
  const r = copyOf(TRAIN);
  const given = holdoutSplit(r, { validationFraction: 0.1, seed: 42 });
  const copy = { train: copyOf(given.train), test: copyOf(given.test) };
  useHoldoutSplit(r, { validationFraction: 0.1, seed: 42 }, copy);
  const got = fit("baseline", r);
  assert.equal(got.holdout!.train, copy.train);
  assert.equal(got.holdout!.test, copy.test);
  const alone = fit("baseline", copyOf(TRAIN));
  assert.deepEqual(file(await got.holdout!.model.save()), file(await alone.holdout!.model.save()));
});
