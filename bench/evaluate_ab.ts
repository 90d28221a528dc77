/**
 * `deno run -A bench/evaluate_ab.ts --other DIR`: the evaluation's per-user
 * ranking (`_UserRanker.rankRange` over every test user known in train, k =
 * 10, a floor of 50 and no floor) of this tree against the one of another
 * checkout (`git archive REV | tar -x -C DIR`), in one process on one fitted
 * model, the two alternating round by round so that load from other work
 * hits them alike (the machine is shared). One thread, no metrics (no
 * relevant movies): the ranking alone. The lists of the two are checked
 * equal before a number is kept. Prints one JSON line per size.
 *
 * Run: `deno run -A bench/evaluate_ab.ts --other DIR [--sizes 5M] [--rounds 5] [--model biased-mf]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import os from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { selectRows } from "../recommender/core/ratings.ts";
import { syntheticRatings } from "./_synthetic_size.ts";
import { randomSplit } from "../recommender/splits/random_split.ts";
import { createModel } from "../recommender/models/model_registry.ts";
import { _UserRanker } from "../recommender/evaluation/_evaluation_ranker.ts";
import { _rankOutput } from "../recommender/evaluation/_evaluation_pool.ts";
import { DEFAULT_MIN_RATINGS } from "../recommender/evaluation/min_ratings.ts";

const SIZES: Record<string, number> = { "1M": 1e6, "5M": 5e6, "10M": 1e7, "25M": 2.5e7 };

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      other: { type: "string" },
      sizes: { type: "string", default: "5M" },
      rounds: { type: "string", default: "5" },
      model: { type: "string", default: "biased-mf" },
    },
  });
  if (!values.other) {
    throw new Error("Cannot compare: pass --other DIR, a checkout to compare with");
  }
  const url = (p: string) => pathToFileURL(resolve(values.other!, p)).href;
  const other = (await import(url("recommender/evaluation/_evaluation_ranker.ts"))) as {
    _UserRanker: typeof _UserRanker;
  };
  for (const size of values.sizes.split(",")) {
    const n = SIZES[size];
    if (!n) throw new Error(`Cannot bench size "${size}": expected one of ${Object.keys(SIZES)}`);
    const { ratings, movies } = syntheticRatings(n);
    const split = randomSplit(ratings, { testFraction: 0.2, seed: 42 }).folds[0]!;
    const train = selectRows(ratings, split.train), test = selectRows(ratings, split.test);
    const model = createModel(values.model, {});
    model.fit(train);
    const known = new Set(train.userId);
    const ids = Int32Array.from(new Set([...test.userId].filter((u) => known.has(u)))).sort();
    const users = {
      userIds: ids,
      relIndptr: new Int32Array(ids.length + 1),
      relMovies: new Int32Array(0),
    };
    const floors = [DEFAULT_MIN_RATINGS, 0];
    const variants = [["other", other._UserRanker], ["this", _UserRanker]] as const;
    const seconds: Record<string, number[]> = { other: [], this: [] };
    const loads: number[] = [];
    let reference: Int32Array | null = null;
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const [name, Ranker] of variants) {
        loads.push(os.loadavg()[0]!);
        const out = _rankOutput(ids.length, floors.length, 10, false);
        const t0 = performance.now();
        const ranker = new Ranker(model, 10, floors);
        ranker.rankRange(0, ids.length, users, out);
        seconds[name]!.push((performance.now() - t0) / 1000);
        reference ??= out.lists;
        if (out.lists.some((x, j) => x !== reference![j])) {
          throw new Error(`Cannot compare: "${name}" ranked other lists`);
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    console.log(JSON.stringify({
      size,
      model: values.model,
      users: ids.length,
      movies,
      other: values.other,
      seconds,
      median: { other: median(seconds.other!), this: median(seconds.this!) },
      loadAverage1m: [Math.min(...loads), Math.max(...loads)],
    }));
  }
}

if (import.meta.main) await main();
