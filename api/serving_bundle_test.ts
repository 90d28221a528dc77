import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { loadFromSource } from "./model_source.ts";
import { fixture, writeModelDir } from "./_test_fixture.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import { hashRatings, selectRows } from "../recommender/core/ratings.ts";
import { encodeServingBundle } from "../recommender/scoring/serving_bundle.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { buildServingBundle, fittedRatings, writeServingBundle } from "../stages/serving_bundle.ts";

const REFIT = { refit: true, validationFraction: 0.1, seed: 42 };

/** A model folder holding the fixture's model and its serving bundle, and an empty data folder. */
async function bundledModelDir(): Promise<{ modelDir: string; emptyData: string }> {
  const f = await fixture();
  const root = await Deno.makeTempDir({ prefix: "movierec_bundle_" });
  const modelDir = join(root, "model");
  await writeModelDir(modelDir, f.artifact);
  await writeServingBundle(
    join(modelDir, "serving"),
    await buildServingBundle(f.dataDir, f.artifact.manifest, REFIT),
  );
  const emptyData = join(root, "no-data");
  await Deno.mkdir(emptyData);
  return { modelDir, emptyData };
}

Deno.test("a model with its serving bundle serves without a data folder, as it does with one", async () => {
  const f = await fixture();
  const { modelDir, emptyData } = await bundledModelDir();
  const alone = await loadFromSource({ kind: "dir", modelDir, dataDir: emptyData });
  const withData = await loadFromSource({
    kind: "dir",
    modelDir: join(f.dataDir, "models", "biased-mf"),
    dataDir: f.dataDir,
  });
  assert.equal(alone.catalog.size, withData.catalog.size);
  assert.deepEqual(alone.catalog.get(2571), withData.catalog.get(2571));
  assert.deepEqual(alone.popular(20, null), withData.popular(20, null));
  assert.deepEqual(alone.popular(10, "Comedy"), withData.popular(10, "Comedy"));
  for (const user of [1, 42, 610]) {
    const options = { excludeSeen: true, genre: null, minRatings: 10 };
    const a = alone.recommend(user, 10, options), b = withData.recommend(user, 10, options);
    assert.equal(a.fallback, false);
    assert.deepEqual(a, b, `user ${user}: the same list, the same seen movies left out`);
    assert.deepEqual(alone.explain(user, 1, 5), withData.explain(user, 1, 5));
  }
});

Deno.test("a serving bundle of another model is refused, naming both model files", async () => {
  const f = await fixture();
  const { modelDir, emptyData } = await bundledModelDir();
  const other = createModel("baseline", {});
  other.fit(f.train);
  const otherManifest = (await other.save()).manifest;
  await writeServingBundle(
    join(modelDir, "serving"),
    await buildServingBundle(f.dataDir, otherManifest, REFIT),
  );
  await assert.rejects(
    loadFromSource({ kind: "dir", modelDir, dataDir: emptyData }),
    (e: Error) => {
      assert.match(e.message, /serving bundle belongs to another model file/);
      assert.ok(e.message.includes(f.artifact.manifest.dataSha256.slice(0, 12)));
      assert.ok(e.message.includes(otherManifest.dataSha256.slice(0, 12)));
      assert.match(e.message, /re-run the pipeline's track step/);
      return true;
    },
  );
});

Deno.test("a damaged or swapped bundle piece is refused", async (t) => {
  for (const file of ["popular.bin", "seen.bin.gz", "movies.json.gz"]) {
    await t.step(file, async () => {
      const { modelDir, emptyData } = await bundledModelDir();
      const path = join(modelDir, "serving", file);
      const bytes = await Deno.readFile(path);
      bytes[bytes.length >> 1]! ^= 0xff;
      await Deno.writeFile(path, bytes);
      await assert.rejects(
        loadFromSource({ kind: "dir", modelDir, dataDir: emptyData }),
        new RegExp(
          `serving/${
            file.replaceAll(".", "\\.")
          } \\(sha256 [0-9a-f]{12}\\.\\.\\.\\) does not match its bundle`,
        ),
      );
    });
  }
});

Deno.test("without a bundle, a data folder whose training ratings are not the model's is refused", async () => {
  const f = await fixture();
  const dir = await Deno.makeTempDir({ prefix: "movierec_otherdata_" });
  await Deno.symlink(join(f.dataDir, "processed"), join(dir, "processed"));
  await Deno.mkdir(join(dir, "interim", "split"), { recursive: true });
  const fewer = selectRows(f.train, Array.from({ length: f.train.rating.length - 1 }, (_, i) => i));
  pl.DataFrame({
    userId: Array.from(fewer.userId),
    movieId: Array.from(fewer.movieId),
    rating: Array.from(fewer.rating),
    timestamp: Array.from(fewer.timestamp),
  }).writeParquet(join(dir, "interim", "split", "train.parquet"));
  await assert.rejects(
    loadFromSource({ kind: "dir", modelDir: join(f.dataDir, "models", "biased-mf"), dataDir: dir }),
    (e: Error) => {
      assert.match(e.message, /it was trained on other ratings \(data hash [0-9a-f]{12}\.\.\.\)/);
      assert.ok(e.message.includes(hashRatings(fewer).slice(0, 12)));
      assert.match(e.message, /"already seen" movies would be wrong/);
      return true;
    },
  );
});

Deno.test("encodeServingBundle() refuses ratings the model was not fit on; fittedRatings() follows refit", async () => {
  const f = await fixture();
  const noRefit = fittedRatings(f.train, { refit: false, validationFraction: 0.1, seed: 42 });
  assert.equal(noRefit.on, "train-minus-holdout");
  assert.notEqual(noRefit.hash, hashRatings(f.train));
  assert.equal(fittedRatings(f.train, REFIT).hash, hashRatings(f.train));
  assert.throws(
    () =>
      encodeServingBundle({
        model: f.artifact.manifest,
        seen: f.train,
        fit: noRefit,
        catalog: { movieId: [], title: [], year: [], genres: [] },
        popular: {
          movieIds: new Int32Array(0),
          scores: new Float32Array(0),
          votes: new Int32Array(0),
          means: new Float32Array(0),
          m: 0,
          globalMean: 0,
        },
      }),
    /Cannot build the serving bundle of biased-mf: it was fit on other ratings .* minus the validation holdout/,
  );
});

Deno.test("without a bundle, a model fitted without its holdout (refit: false) is served with the data folder it was carved from", async () => {
  const f = await fixture();
  const fold = randomSplit(f.train, { testFraction: 0.1, seed: 42 }).folds[0]!;
  const model = createModel("baseline", {});
  model.fit(selectRows(f.train, fold.train));
  const dir = await Deno.makeTempDir({ prefix: "movierec_norefit_" });
  await writeModelDir(dir, await model.save());
  const load = () => loadFromSource({ kind: "dir", modelDir: dir, dataDir: f.dataDir });
  await assert.rejects(load(), /it was trained on other ratings/, "no holdout record: refused");
  await Deno.writeTextFile(
    join(dir, "validation.json"),
    JSON.stringify({
      trainRatings: fold.train.length,
      holdoutRatings: fold.test.length,
      minRatings: 0,
    }),
  );
  assert.equal((await load()).info.name, "baseline");
  const bundle = await buildServingBundle(f.dataDir, (await model.save()).manifest, {
    refit: false,
    validationFraction: 0.1,
    seed: 42,
  });
  assert.equal(bundle.manifest.data.fitOn, "train-minus-holdout");
  assert.equal(bundle.manifest.data.seenRatingsHash, hashRatings(f.train));
});
