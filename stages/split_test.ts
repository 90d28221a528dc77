import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  listPredefinedSplits,
  readRatingsFile,
  splitFrame,
  type SplitManifest,
  splitParams,
  splitStage,
} from "./split.ts";
import { createProgress } from "../dag/progress.ts";
import { splitFoldDirs } from "./_split_folds.ts";
import { validateParams } from "../dag/params.ts";
import type { Stage } from "../dag/stage.ts";
import { hashFile } from "../dag/hash.ts";

/** 30 users x up to 12 movies with distinct timestamps. */
function ratingsFrame(): pl.DataFrame {
  const u: number[] = [], m: number[] = [], r: number[] = [], t: number[] = [];
  let ts = 1_000_000;
  for (let a = 1; a <= 30; a++) {
    for (let b = 1; b <= 12; b++) {
      if ((a + 2 * b) % 5 === 0) continue;
      u.push(a);
      m.push(b * 10 + (a === 30 ? 1000 : 0));
      r.push(1 + ((a * b) % 5));
      t.push(ts += 37 * ((a * 7 + b * 13) % 11) + 1);
    }
  }
  return pl.DataFrame({
    userId: pl.Series("userId", u, pl.Int32),
    movieId: pl.Series("movieId", m, pl.Int32),
    rating: pl.Series("rating", r, pl.Float32),
    timestamp: pl.Series("timestamp", t, pl.Int64),
  });
}

const frame = ratingsFrame();

function keys(df: pl.DataFrame): string[] {
  return (df.toRecords() as Record<string, unknown>[]).map((x) => `${x.userId}:${x.movieId}`);
}

Deno.test("splitFrame() makes each kind with the promised sizes", async (t) => {
  await t.step("random", () => {
    const out = splitFrame(frame, splitParams.parse({ kind: "random", testFraction: 0.25 }));
    assert.equal(out.folds[0]!.test.height, Math.round(frame.height * 0.25));
    assert.equal(out.folds[0]!.train.height + out.folds[0]!.test.height, frame.height);
  });
  await t.step("temporal: no test rating precedes a training rating", () => {
    const out = splitFrame(frame, splitParams.parse({ kind: "temporal" }));
    const maxTrain = Number(out.folds[0]!.train.getColumn("timestamp").max());
    const minTest = Number(out.folds[0]!.test.getColumn("timestamp").min());
    assert.ok(minTest >= maxTrain);
  });
  await t.step("leave-last-n: n test ratings per user", () => {
    const out = splitFrame(frame, splitParams.parse({ kind: "leave-last-n", n: 2 }));
    assert.equal(out.folds[0]!.test.height, 30 * 2);
    assert.equal(out.manifest.folds[0]!.coldUsers, 0);
  });
  await t.step("kfold: the test sets partition the ratings", () => {
    const out = splitFrame(frame, splitParams.parse({ kind: "kfold", folds: 4 }));
    assert.equal(out.folds.length, 4);
    const all = out.folds.flatMap((f) => keys(f.test));
    assert.equal(all.length, frame.height);
    assert.equal(new Set(all).size, frame.height);
  });
  await t.step("predefined: the given pairs as folds, named in the manifest", () => {
    const out = splitFrame(
      frame.head(0),
      splitParams.parse({ kind: "predefined", predefined: ["a", "b"] }),
      [
        { name: "a", train: frame.head(100), test: frame.tail(20) },
        { name: "b", train: frame.tail(100), test: frame.head(20) },
      ],
    );
    assert.deepEqual(out.manifest.folds.map((f) => [f.name, f.trainRatings, f.testRatings]), [
      ["a", 100, 20],
      ["b", 100, 20],
    ]);
    assert.deepEqual(keys(out.folds[1]!.test), keys(frame.head(20)));
  });
});

Deno.test("splitFrame() reports users and movies seen only in the test set", () => {
  // user 30 rates only movies >= 1010, which nobody else rates: a temporal split puts them last
  const out = splitFrame(frame, splitParams.parse({ kind: "temporal", testFraction: 0.05 }));
  const f = out.manifest.folds[0]!;
  assert.ok(f.coldUserIds.includes(30));
  assert.equal(f.coldUsers, f.coldUserIds.length);
  assert.ok(f.coldMovieIds.every((m) => m > 1000));
  assert.ok(f.coldTestRatings >= f.coldUsers);
});

Deno.test("splitFrame() is reproducible by seed", () => {
  const a = splitFrame(frame, splitParams.parse({ kind: "random", seed: 1 }));
  const b = splitFrame(frame, splitParams.parse({ kind: "random", seed: 1 }));
  const c = splitFrame(frame, splitParams.parse({ kind: "random", seed: 2 }));
  assert.deepEqual(keys(a.folds[0]!.test), keys(b.folds[0]!.test));
  assert.notDeepEqual(keys(a.folds[0]!.test), keys(c.folds[0]!.test));
});

Deno.test("split params: bad values name the key and the allowed values", () => {
  const stage = splitStage as unknown as Stage;
  assert.throws(
    () => validateParams([stage], { split: { kind: "bogus" } }),
    /split\.kind: .*\(allowed: "random", "temporal", "leave-last-n", "kfold", "predefined", "cold-movies"\)/,
  );
  assert.throws(
    () => validateParams([stage], { split: { testFraction: 1.2 } }),
    /split\.testFraction: .*1/,
  );
  assert.throws(
    () => validateParams([stage], { split: { testFraction: 0 } }),
    /split\.testFraction/,
  );
  assert.throws(
    () => validateParams([stage], { split: { kind: "predefined" } }),
    /split\.predefined: kind "predefined" needs/,
  );
  assert.throws(() => validateParams([stage], { split: { folds: 1 } }), /split\.folds/);
});

Deno.test("readRatingsFile() reads the MovieLens text formats", async () => {
  const dir = await Deno.makeTempDir({ prefix: "split_files_" });
  try {
    const cases: Array<[string, string]> = [
      ["u1.base", "1\t10\t4\t881250949\n2\t20\t3.5\t891717742\n"],
      ["ratings.csv", "userId,movieId,rating,timestamp\n1,10,4.0,881250949\n2,20,3.5,891717742\n"],
      ["ratings.dat", "1::10::4::881250949\n2::20::3.5::891717742\n"],
    ];
    for (const [name, text] of cases) {
      await Deno.writeTextFile(join(dir, name), text);
      const df = await readRatingsFile(join(dir, name));
      assert.deepEqual(keys(df), ["1:10", "2:20"], name);
      assert.deepEqual(df.getColumn("rating").toArray(), [4, 3.5], name);
      assert.equal(Number(df.getColumn("timestamp").get(1)), 891717742, name);
    }
    await Deno.writeTextFile(join(dir, "bad.csv"), "userId,movieId,rating\n1,10,4\n2,x,3\n");
    await assert.rejects(
      () => readRatingsFile(join(dir, "bad.csv")),
      /ratings file .*bad\.csv: line 3, column "movieId" is "x", expected an integer/,
    );
    await Deno.writeTextFile(join(dir, "spaces.txt"), "1  10 4 7\n2 20  3.5 8\n");
    assert.deepEqual(keys(await readRatingsFile(join(dir, "spaces.txt"))), ["1:10", "2:20"]);
    await Deno.writeTextFile(join(dir, "bare.csv"), "1,10,4\n2,20,3.5\n");
    const bare = await readRatingsFile(join(dir, "bare.csv"));
    assert.deepEqual(bare.getColumn("timestamp").toArray().map(Number), [0, 0], "no timestamp: 0");
    assert.deepEqual(bare.columns, ["userId", "movieId", "rating", "timestamp"]);
    await assert.rejects(
      () => readRatingsFile(join(dir, "nope.csv")),
      /does not exist; fix split\.predefined/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function runSplit(root: string, params: unknown) {
  const lines: string[] = [];
  const out = join(root, "data/interim/.split.tmp");
  const result = await splitStage.run({
    params: splitParams.parse(params),
    allParams: {},
    inputs: { "data/processed": join(root, "data/processed") },
    outputs: { "data/interim/split": out },
    root,
    progress: createProgress("split", { write: (l) => lines.push(l) }),
    signal: new AbortController().signal,
    history: [],
    runId: "test",
    startTime: 0,
  });
  return { out, result, lines };
}

Deno.test("splitStage.run() writes folds and manifest from Parquet files", async () => {
  const root = await Deno.makeTempDir({ prefix: "split_stage_" });
  try {
    const processed = join(root, "data/processed");
    await Deno.mkdir(join(processed, "splits"), { recursive: true });
    frame.writeParquet(join(processed, "ratings.parquet"));
    frame.head(200).writeParquet(join(processed, "splits/u1.base.parquet"));
    frame.tail(50).writeParquet(join(processed, "splits/u1.test.parquet"));
    frame.head(100).writeParquet(join(processed, "splits/u2.base.parquet"));
    frame.tail(30).writeParquet(join(processed, "splits/u2.test.parquet"));
    assert.deepEqual(await listPredefinedSplits(join(processed, "splits")), ["u1", "u2"]);

    const k = await runSplit(root, { kind: "kfold", folds: 3, seed: 5 });
    const manifest = JSON.parse(
      await Deno.readTextFile(join(k.out, "manifest.json")),
    ) as SplitManifest;
    assert.equal(manifest.kind, "kfold");
    assert.equal(manifest.folds.length, 3);
    const fold1 = pl.readParquet(join(k.out, "folds/1/test.parquet"));
    assert.deepEqual(keys(pl.readParquet(join(k.out, "test.parquet"))), keys(fold1));
    assert.equal(
      fold1.dtypes.map(String).join(),
      "DataType(Int32),DataType(Int32),DataType(Float32),DataType(Int64)",
    );
    assert.equal(k.result?.metrics?.folds, 3);
    assert.ok(k.lines.some((l) => l.startsWith("[split] fold 3: ")));
    const foldDirs = [1, 2, 3].map((i) => join(k.out, "folds", String(i)));
    assert.deepEqual(await splitFoldDirs(k.out), foldDirs, "what train and evaluate read");
    await Deno.remove(join(k.out, "folds/3/test.parquet"));
    assert.deepEqual(await splitFoldDirs(k.out), foldDirs.slice(0, 2), "a fold without test set");
    await Deno.remove(k.out, { recursive: true });

    const r = await runSplit(root, { kind: "random" });
    assert.ok(
      !(await Deno.stat(join(r.out, "folds")).catch(() => null)),
      "one fold: no folds/ folder",
    );
    assert.deepEqual(await splitFoldDirs(r.out), [r.out]);
    await Deno.remove(r.out, { recursive: true });

    const p = await runSplit(root, { kind: "predefined", predefined: "u2" });
    assert.equal(pl.readParquet(join(p.out, "train.parquet")).height, 100);
    await Deno.remove(p.out, { recursive: true });

    await assert.rejects(
      () => runSplit(root, { kind: "predefined", predefined: "u9" }),
      /predefined split "u9": available splits are u1, u2/,
    );
    await Deno.writeTextFile(join(root, "my.base"), "1\t10\t4\t1\n2\t10\t3\t2\n");
    await Deno.writeTextFile(join(root, "my.test"), "1\t20\t5\t3\n");
    const f = await runSplit(root, {
      kind: "predefined",
      predefined: { train: "my.base", test: "my.test" },
    });
    const m2 = JSON.parse(await Deno.readTextFile(join(f.out, "manifest.json"))) as SplitManifest;
    assert.deepEqual(m2.folds[0]!.coldMovieIds, [20]);
    const key = await splitStage.extraKey!(
      splitParams.parse({ kind: "predefined", predefined: { train: "my.base", test: "my.test" } }),
      root,
      { hashFile },
    );
    assert.match(key, /^[0-9a-f]{64}$/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("splitFrame() cold-movies: every test movie is absent from training", () => {
  const ratings = pl.DataFrame({
    userId: Array.from({ length: 60 }, (_, e) => 1 + (e % 7)),
    movieId: Array.from({ length: 60 }, (_, e) => 10 + (e % 10)),
    rating: Array.from({ length: 60 }, (_, e) => 1 + (e % 5)),
    timestamp: Array.from({ length: 60 }, (_, e) => e),
  });
  const out = splitFrame(ratings, splitParams.parse({ kind: "cold-movies", testFraction: 0.3 }));
  const fold = out.folds[0]!;
  const trainMovies = new Set(fold.train.getColumn("movieId").toArray());
  const testMovies = new Set(fold.test.getColumn("movieId").toArray());
  assert.equal(testMovies.size, 3);
  for (const m of testMovies) assert.ok(!trainMovies.has(m));
  assert.equal(out.manifest.folds[0]!.coldMovies, 3);
});
