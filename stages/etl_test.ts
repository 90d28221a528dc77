import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { zipSync } from "fflate";
import { readLock } from "../dag/lock_file.ts";
import { runPipeline } from "../dag/runner.ts";
import type { Stage } from "../dag/stage.ts";
import { etlParams, etlStage, summarize } from "./etl.ts";
import { resolveSource } from "./etl/source.ts";

const REAL_ZIP = new URL("../../shared/data/ml-latest-small.zip", import.meta.url).pathname;
const stages = [etlStage as unknown as Stage];

/** Runs the ETL stage in a fresh project root; returns the root and the result. */
async function runEtl(dataset: string, extra: Record<string, unknown> = {}, root?: string) {
  root ??= await Deno.makeTempDir();
  const params = { etl: etlParams.parse({ dataset, downloadAttempts: 2, ...extra }) };
  const lines: string[] = [];
  const result = await runPipeline(stages, {
    root,
    params,
    runId: "test",
    log: (l) => lines.push(l),
  });
  return { root, result, lines, error: result.outcomes[0]?.error ?? "" };
}

/** Serves files from memory on 127.0.0.1; counts requests; can fail the first N. */
function serve(files: Record<string, Uint8Array>, options: { failFirst?: number } = {}) {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    requests++;
    if (requests <= (options.failFirst ?? 0)) return new Response("busy", { status: 503 });
    const body = files[new URL(req.url).pathname];
    return body
      ? new Response(body as Uint8Array<ArrayBuffer>)
      : new Response("not found", { status: 404 });
  });
  return {
    url: (path: string) => `http://127.0.0.1:${server.addr.port}${path}`,
    get requests() {
      return requests;
    },
    close: () => server.shutdown(),
  };
}

async function writeZip(entries: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "fixture.zip");
  const enc = new TextEncoder();
  await Deno.writeFile(
    path,
    zipSync(
      Object.fromEntries(
        Object.entries(entries).map(([k, v]) => [k, typeof v === "string" ? enc.encode(v) : v]),
      ),
    ),
  );
  return path;
}

const MOVIES_CSV =
  'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,"Movie, With Comma (2001)",Drama\n3,No Year,(no genres listed)\n';
const TAGS_CSV = "userId,movieId,tag,timestamp\n1,1,pixar,1000\n";
const LINKS_CSV = "movieId,imdbId,tmdbId\n1,0114709,862\n2,0000002,\n3,0000003,3\n";
const csvZip = (ratings: string) =>
  writeZip({
    "ml-fixture/ratings.csv": ratings,
    "ml-fixture/movies.csv": MOVIES_CSV,
    "ml-fixture/tags.csv": TAGS_CSV,
    "ml-fixture/links.csv": LINKS_CSV,
  });

async function assertNothingWritten(root: string) {
  await assert.rejects(Deno.stat(join(root, "data/processed")), "data/processed must not exist");
  const lock = await readLock(join(root, "pipeline.lock"));
  assert.equal(lock.stages.etl, undefined);
}

Deno.test({
  name: "etl downloads ml-latest-small over HTTP and writes typed Parquet",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const zip = await Deno.readFile(REAL_ZIP);
    const server = serve({ "/ml-latest-small.zip": zip });
    try {
      const { root, result, error } = await runEtl(server.url("/ml-latest-small.zip"));
      assert.equal(result.ok, true, error);
      const out = join(root, "data/processed");
      const ratings = pl.readParquet(join(out, "ratings.parquet"));
      assert.equal(ratings.height, 100_836);
      assert.equal(ratings.getColumn("userId").nUnique(), 610);
      assert.deepEqual(
        Object.fromEntries(Object.entries(ratings.schema).map(([k, v]) => [k, String(v)])),
        {
          userId: "DataType(Int32)",
          movieId: "DataType(Int32)",
          rating: "DataType(Float32)",
          timestamp: "DataType(Int64)",
        },
      );
      const movies = pl.readParquet(join(out, "movies.parquet"));
      assert.equal(movies.height, 9_742);
      assert.equal(String(movies.schema.genres), "DataType(List(DataType(String)))");
      const toy = movies.filter(pl.col("movieId").eq(1)).toRecords()[0]!;
      assert.deepEqual([toy.title, toy.year, toy.genres], ["Toy Story (1995)", 1995, [
        "Adventure",
        "Animation",
        "Children",
        "Comedy",
        "Fantasy",
      ]]);
      assert.equal(pl.readParquet(join(out, "tags.parquet")).height, 3_683);
      assert.equal(pl.readParquet(join(out, "links.parquet")).height, 9_742);
      const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
      assert.deepEqual(summary.counts, {
        ratings: 100_836,
        users: 610,
        movies: 9_742,
        ratedMovies: 9_724,
        tags: 3_683,
        links: 9_742,
      });
      assert.equal(
        summary.sha256,
        "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
      );
      assert.deepEqual([summary.ratingScale.min, summary.ratingScale.max], [0.5, 5]);
      // The zip is kept in data/raw and not downloaded again, even with the processed data gone.
      assert.equal(server.requests, 1);
      await Deno.remove(out, { recursive: true });
      const again = await runEtl(server.url("/ml-latest-small.zip"), {}, root);
      assert.equal(again.result.ok, true, again.error);
      assert.equal(server.requests, 1, "second run used data/raw/ml-latest-small.zip");
      assert.ok(again.lines.some((l) => l.includes("already downloaded")));
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "etl retries a failing server and rejects a sha256 mismatch without keeping the file",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const zip = await Deno.readFile(await csvZip("userId,movieId,rating,timestamp\n1,1,4.0,10\n"));
    const server = serve({ "/x.zip": zip }, { failFirst: 1 });
    try {
      const ok = await runEtl(server.url("/x.zip"));
      assert.equal(ok.result.ok, true, ok.error);
      assert.equal(server.requests, 2, "one 503, then success");
      const bad = await runEtl(server.url("/x.zip"), { sha256: "0".repeat(64) });
      assert.match(
        bad.error,
        /Checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/x\.zip: sha256 is [0-9a-f]{64}, expected 0{64}; the file was not used/,
      );
      await assertNothingWritten(bad.root);
      await assert.rejects(Deno.stat(join(bad.root, "data/raw/x.zip")));
    } finally {
      await server.close();
    }
  },
});

Deno.test("etl reports bad input with file, line and column, and writes nothing", async (t) => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    [
      "non-numeric rating",
      () => csvZip("userId,movieId,rating,timestamp\n1,1,4.0,10\n1,2,abc,11\n"),
      /ratings\.csv: line 3, column "rating" is "abc", expected a number from 0\.5 to 5/,
    ],
    [
      "out-of-range rating",
      () => csvZip("userId,movieId,rating,timestamp\n1,1,4.0,10\n2,2,7.5,11\n"),
      /ratings\.csv: line 3, column "rating" is "7\.5", expected a number from 0\.5 to 5/,
    ],
    [
      "empty rating",
      () => csvZip("userId,movieId,rating,timestamp\n1,1,,10\n"),
      /ratings\.csv: line 2, column "rating" is empty/,
    ],
    [
      "missing column",
      () => csvZip("userId,movieId,score,timestamp\n1,1,4,10\n"),
      /ratings\.csv: missing column "rating" \(found: userId, movieId, score, timestamp\)/,
    ],
    [
      "unknown delimiter",
      () => csvZip("userId;movieId;rating;timestamp\n1;1;4;10\n"),
      /ratings\.csv: the header .* has one column when split on ",": unknown delimiter/,
    ],
    [
      "empty ratings",
      () => csvZip("userId,movieId,rating,timestamp\n"),
      /ratings\.csv: it has no ratings/,
    ],
    [
      "no ratings file",
      () => writeZip({ "x/movies.csv": MOVIES_CSV }),
      /no ratings file found \(expected ratings\.csv, ratings\.dat or u\.data/,
    ],
    [
      "missing movies file",
      () => writeZip({ "x/ratings.csv": "userId,movieId,rating,timestamp\n1,1,4,10\n" }),
      /movies\.csv is missing from the zip/,
    ],
    ["not a zip", async () => {
      const p = join(await Deno.makeTempDir(), "not.zip");
      await Deno.writeTextFile(p, "<html>this is a web page</html>");
      return p;
    }, /not a zip archive \(it does not start with "PK"\)/],
    ["truncated zip", async () => {
      const full = await Deno.readFile(REAL_ZIP);
      const p = join(await Deno.makeTempDir(), "cut.zip");
      await Deno.writeFile(p, full.slice(0, 300_000));
      return p;
    }, /the zip archive is truncated or corrupt/],
    [
      "missing file",
      () => Promise.resolve("/nonexistent/place/ml.zip"),
      /Cannot read dataset \/nonexistent\/place\/ml\.zip: the file does not exist/,
    ],
    [
      "bad ml-1m line",
      () =>
        writeZip({
          "ml-1m/ratings.dat": "1::1193::5::978300760\n1::661::x::978302109\n",
          "ml-1m/movies.dat": "1193::One Flew (1975)::Drama\n",
        }),
      /ratings\.dat: line 2, column "rating" is "x"/,
    ],
    [
      "ml-1m with wrong delimiter",
      () =>
        writeZip({
          "ml-1m/ratings.dat": "1,1193,5,978300760\n",
          "ml-1m/movies.dat": "1193::One Flew (1975)::Drama\n",
        }),
      /ratings\.dat: line 1 has 1 field when split on "::", expected 4/,
    ],
  ];
  for (const [name, make, pattern] of cases) {
    await t.step(name, async () => {
      const { root, result, error } = await runEtl(await make());
      assert.equal(result.ok, false);
      assert.match(error, pattern);
      await assertNothingWritten(root);
    });
  }
});

Deno.test("etl keeps the previous good output when a later input is bad", async () => {
  const good = await csvZip("userId,movieId,rating,timestamp\n1,1,4.0,10\n");
  const { root } = await runEtl(good);
  const before = await Deno.readFile(join(root, "data/processed/ratings.parquet"));
  const bad = await runEtl(await csvZip("userId,movieId,rating,timestamp\n1,1,99,10\n"), {}, root);
  assert.equal(bad.result.ok, false);
  assert.deepEqual(await Deno.readFile(join(root, "data/processed/ratings.parquet")), before);
});

Deno.test("etl reads an ml-100k-format zip: tabs, latin-1 titles, genre flags, predefined splits", async () => {
  const latin1 = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
  const genres = "unknown|0\nAction|1\nComedy|2\n";
  const item =
    "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n2|Café Society (1995)|01-Jan-1995||http://y|0|1|1\n3|Unknown Film|01-Jan-1997||http://z|1|0|0\n";
  const data = "196\t1\t3\t881250949\n186\t2\t5\t891717742\n22\t1\t1\t878887116\n";
  const path = await writeZip({
    "ml-100k/u.data": data,
    "ml-100k/u.item": latin1(item),
    "ml-100k/u.genre": genres,
    "ml-100k/u1.base": "196\t1\t3\t881250949\n186\t2\t5\t891717742\n",
    "ml-100k/u1.test": "22\t1\t1\t878887116\n",
  });
  const { root, result, error } = await runEtl(path);
  assert.equal(result.ok, true, error);
  const movies = pl.readParquet(join(root, "data/processed/movies.parquet")).sort("movieId")
    .toRecords();
  assert.deepEqual(movies.map((m) => [m.title, m.year, m.genres]), [
    ["Toy Story (1995)", 1995, ["Comedy"]],
    ["Café Society (1995)", 1995, ["Action", "Comedy"]],
    ["Unknown Film", 1997, []],
  ]);
  assert.equal(pl.readParquet(join(root, "data/processed/ratings.parquet")).height, 3);
  assert.equal(pl.readParquet(join(root, "data/processed/splits/u1.test.parquet")).height, 1);
  const summary = JSON.parse(await Deno.readTextFile(join(root, "data/processed/summary.json")));
  assert.equal(summary.variant, "100k");
  assert.deepEqual(summary.predefinedSplits, ["u1"]);
});

Deno.test("etl reads an ml-1m-format zip: '::' separated, latin-1 titles with quotes", async () => {
  const latin1 = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
  const path = await writeZip({
    "ml-1m/ratings.dat": "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n",
    "ml-1m/movies.dat": latin1(
      "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::\"Great\" Pokémon Adventure (1996)::Animation|Children's\n",
    ),
    "ml-1m/users.dat": "1::F::1::10::48067\n",
  });
  const { root, result, error } = await runEtl(path);
  assert.equal(result.ok, true, error);
  const movies = pl.readParquet(join(root, "data/processed/movies.parquet")).sort("movieId")
    .toRecords();
  assert.deepEqual(movies.map((m) => [m.movieId, m.title, m.year, m.genres]), [
    [661, '"Great" Pokémon Adventure (1996)', 1996, ["Animation", "Children's"]],
    [1193, "One Flew Over the Cuckoo's Nest (1975)", 1975, ["Drama"]],
  ]);
  const summary = JSON.parse(await Deno.readTextFile(join(root, "data/processed/summary.json")));
  assert.equal(summary.variant, "dat");
  assert.equal(summary.counts.ratings, 3);
});

Deno.test("etl generates a seeded synthetic data set", async () => {
  const a = await runEtl("synthetic", {
    synthetic: { users: 50, movies: 80, ratingsPerUser: 10, seed: 7 },
  });
  const b = await runEtl("synthetic", {
    synthetic: { users: 50, movies: 80, ratingsPerUser: 10, seed: 7 },
  });
  assert.equal(a.result.ok, true, a.error);
  const ra = pl.readParquet(join(a.root, "data/processed/ratings.parquet"));
  const rb = pl.readParquet(join(b.root, "data/processed/ratings.parquet"));
  assert.equal(ra.height, 500);
  assert.ok(ra.frameEqual(rb), "same seed, same data");
  const ratings = ra.getColumn("rating");
  assert.ok(Number(ratings.min()) >= 0.5 && Number(ratings.max()) <= 5);
});

Deno.test("resolveSource() maps names, URLs, paths and rejects the rest", () => {
  assert.deepEqual(resolveSource("ml-1m", "/w"), {
    kind: "url",
    url: "https://files.grouplens.org/datasets/movielens/ml-1m.zip",
    name: "ml-1m",
  });
  assert.deepEqual(resolveSource("file:///d/ml-100k.zip", "/w"), {
    kind: "file",
    path: "/d/ml-100k.zip",
    name: "ml-100k",
  });
  assert.deepEqual(resolveSource("data/x.zip", "/w"), {
    kind: "file",
    path: "/w/data/x.zip",
    name: "x",
  });
  assert.throws(
    () => resolveSource("ml-7m", "/w"),
    /Unknown dataset "ml-7m": expected a MovieLens name \(ml-latest-small, /,
  );
});

Deno.test("the data summary counts users, movies and repeated (user, movie) pairs", () => {
  const ratings = pl.DataFrame({
    userId: [1, 1, 2, 2, 2, 70000],
    movieId: [10, 10, 10, 20, 10, 20],
    rating: [4, 3, 5, 2, 1, 3],
    timestamp: [1e9, 1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4, 1e9 + 5],
  });
  const movies = pl.DataFrame({ movieId: [10, 20], title: ["A (1999)", "B (2001)"] });
  const s = summarize({ variant: "csv", ratings, movies, splits: {} }, {
    dataset: "t",
    sha256: null,
  });
  assert.equal(s.counts.users, 3);
  assert.equal(s.counts.ratedMovies, 2);
  assert.deepEqual(s.warnings, ["2 (user, movie) pairs are rated more than once"]);
});
