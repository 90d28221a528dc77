/**
 * Size and cost of a model's serving bundle (`recommender/scoring/serving_bundle.ts`)
 * by data size: ml-latest-small's training ratings (80%) and synthetic sets
 * shaped like MovieLens (`--sizes 1M,5M,25M`, default `1M,5M`). Each size runs
 * in this process, one after the other; writes `reports/bench/serving_bundle.md`.
 *
 * `deno run -A bench/serving_bundle.ts [--sizes 1M,5M,25M]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import pl from "nodejs-polars";
import { generateSynthetic } from "../stages/etl/synthetic.ts";
import { readMovieLensZip } from "../stages/etl/movielens.ts";
import { ratingsFromFrame } from "../stages/ratings_frame.ts";
import { hashRatings, type Ratings, selectRows } from "../recommender/core/ratings.ts";
import { PopularList } from "../recommender/scoring/popular_list.ts";
import type { ModelManifest } from "../recommender/core/model.ts";
import { decodeServingBundle, encodeServingBundle } from "../recommender/scoring/serving_bundle.ts";
import { syntheticSize } from "./_synthetic_size.ts";

const ZIP = fileURLToPath(new URL("../../shared/data/ml-latest-small.zip", import.meta.url));
const OUT = fileURLToPath(new URL("../reports/bench/serving_bundle.md", import.meta.url));

/** Ratings per user of the synthetic sets (ml-25m: 25,000,095 ratings / 162,541 users, as `bench/bench.ts`). */

function row(label: string, train: Ratings, movies: pl.DataFrame): string {
  const fitHash = hashRatings(train);
  const model = {
    model: "bench",
    dataSha256: "0".repeat(64),
    trainDataHash: fitHash,
    ratingScale: [0.5, 5],
  } as unknown as ModelManifest;
  const popular = PopularList.fromRatings(train);
  const n = movies.height;
  const t0 = performance.now();
  const bundle = encodeServingBundle({
    model,
    seen: train,
    fit: { on: "train", hash: fitHash },
    catalog: {
      movieId: movies.getColumn("movieId").cast(pl.Int32).toTypedArray(),
      title: movies.getColumn("title").toArray() as (string | null)[],
      year: new Array(n).fill(null),
      genres: movies.getColumn("genres").toArray() as unknown as (string[] | null)[],
    },
    popular,
  });
  const encodeS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  decodeServingBundle(bundle.manifest, bundle.files, model, label);
  const decodeS = (performance.now() - t1) / 1000;
  const f = bundle.manifest.files;
  const mb = (b: number) => (b / 1e6).toFixed(2);
  const total = f["seen.bin.gz"].bytes + f["popular.bin"].bytes + f["movies.json.gz"].bytes;
  return `| ${label} | ${train.rating.length.toLocaleString("en-US")} | ${
    bundle.manifest.seen.users.toLocaleString("en-US")
  } | ${n.toLocaleString("en-US")} | ${mb(f["seen.bin.gz"].bytes)} | ${
    (f["seen.bin.gz"].bytes / train.rating.length).toFixed(2)
  } | ${mb(f["popular.bin"].bytes)} | ${mb(f["movies.json.gz"].bytes)} | ${mb(total)} | ${
    encodeS.toFixed(1)
  } | ${decodeS.toFixed(1)} | ${(Deno.memoryUsage().rss / 2 ** 20).toFixed(0)} |`;
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { sizes: { type: "string" } } });
  const rows: string[] = [];
  const frames = readMovieLensZip(await Deno.readFile(ZIP), { label: ZIP, ratingScale: [0.5, 5] });
  const all = ratingsFromFrame(frames.ratings);
  const keep = Array.from({ length: all.rating.length }, (_, e) => e).filter((e) =>
    ((e * 2654435761) >>> 0) % 5 !== 0
  );
  rows.push(row("ml-latest-small (80%)", selectRows(all, keep), frames.movies));
  console.log(rows.at(-1));
  for (const size of (values.sizes ?? "1M,5M").split(",")) {
    if (!/^\d+M$/.test(size)) throw new Error(`Invalid size "${size}": expected e.g. 1M, 25M`);
    const n = Number(size.slice(0, -1)) * 1e6;
    const s = generateSynthetic(syntheticSize(n));
    rows.push(row(`synthetic ${size}`, ratingsFromFrame(s.ratings), s.movies));
    console.log(rows.at(-1));
  }
  const md = [
    "# Serving bundle size and cost",
    "",
    "`deno run -A bench/serving_bundle.ts --sizes " + (values.sizes ?? "1M,5M") +
    "`: the bundle the track step logs with each model (`model/serving/`), by data size. " +
    "Encode: CSR build, gzip and hashes (once per pipeline run in the track step; each model only binds it); decode: a replica's " +
    "check and unpacking at load. Peak RSS is the process's after that size (sizes run in order).",
    "",
    "| data | training ratings | users | movies | seen.bin.gz MB | bytes/rating | popular.bin MB | movies.json.gz MB | total MB | encode s | decode s | RSS MiB |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on a shared 2-core machine (load ${
      Deno.loadavg().map((x) => x.toFixed(1)).join(" ")
    }).`,
    "",
  ].join("\n");
  await Deno.writeTextFile(OUT, md);
  console.log(`wrote ${OUT}`);
}
