/**
 * `deno run -A bench/pipeline_vs_original.ts [zip] [--reps N]`: the cold
 * pipeline with only `svd` against the original Python design
 * (`ORIGINAL_DESIGN.md`: pandas reads the zip's CSVs and writes Parquet,
 * features with pandas, scikit-learn's TruncatedSVD with 100 factors on the
 * user-mean-centred sparse matrix, RMSE / MAE / explained variance on an
 * 80/20 split, the model pickled), side by side on the same zip, alternating,
 * each in a fresh folder, process wall time including interpreter start-up
 * and imports.
 *
 * This project's run does more: features with genre and tag columns, the
 * holdout pass and refit, the select stage, ranking metrics, and the cached
 * DAG's bookkeeping; tracking is off on both sides (the original logs to an
 * MLflow server, which this bench does not start). The Python side needs
 * `.venv` with pandas, pyarrow and scikit-learn (MLflow's dependencies), and
 * uses the BLAS threads it finds. Writes `reports/bench/pipeline_vs_original.md`
 * and `.json`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { writeTextAtomic } from "../lib/atomic.ts";

const ORIGINAL = String.raw`
import io, pickle, sys, zipfile
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from sklearn.decomposition import TruncatedSVD
from sklearn.model_selection import train_test_split

zip_path, out = sys.argv[1], sys.argv[2]
# ETL: zip -> CSV -> pandas -> Parquet
with zipfile.ZipFile(zip_path) as z:
    def csv(name):
        member = next(n for n in z.namelist() if n.endswith("/" + name))
        return pd.read_csv(io.BytesIO(z.read(member)))
    ratings, movies = csv("ratings.csv"), csv("movies.csv")
ratings.to_parquet(f"{out}/ratings.parquet")
movies.to_parquet(f"{out}/movies.parquet")
# Features: per-movie stats, the weighted rating, genre multi-hot
stats = ratings.groupby("movieId")["rating"].agg(["count", "mean"])
C, m = ratings["rating"].mean(), stats["count"].quantile(0.9)
stats["weighted_rating"] = (stats["count"] * stats["mean"] + m * C) / (stats["count"] + m)
stats.to_parquet(f"{out}/movie_stats.parquet")
movies["genres"].str.get_dummies("|").to_parquet(f"{out}/movie_genres.parquet")
# Split 80/20, train TruncatedSVD on the user-mean-centred matrix
train, test = train_test_split(ratings, test_size=0.2, random_state=42)
users = {u: i for i, u in enumerate(train["userId"].unique())}
items = {m_: i for i, m_ in enumerate(train["movieId"].unique())}
rows = train["userId"].map(users).to_numpy()
cols = train["movieId"].map(items).to_numpy()
means = train.groupby("userId")["rating"].mean()
centred = train["rating"].to_numpy() - train["userId"].map(means).to_numpy()
matrix = csr_matrix((centred, (rows, cols)), shape=(len(users), len(items)))
svd = TruncatedSVD(n_components=100, random_state=42)
user_factors = svd.fit_transform(matrix)
item_factors = svd.components_.T
# Evaluate: r = mu_u + p_u . q_i (the global mean for unknown users, mu_u for unknown movies)
gm = train["rating"].mean()
pred = []
for u, i in zip(test["userId"].to_numpy(), test["movieId"].to_numpy()):
    if u not in users:
        pred.append(gm)
    elif i not in items:
        pred.append(means[u])
    else:
        pred.append(means[u] + user_factors[users[u]] @ item_factors[items[i]])
pred = np.clip(np.array(pred), 0.5, 5.0)
err = pred - test["rating"].to_numpy()
rmse = float(np.sqrt(np.mean(err ** 2)))
mae = float(np.mean(np.abs(err)))
ev = float(1 - np.var(err) / np.var(test["rating"].to_numpy()))
with open(f"{out}/model.pkl", "wb") as f:
    pickle.dump({"users": users, "items": items, "means": means, "U": user_factors, "V": item_factors}, f)
print(f"rmse {rmse:.4f} mae {mae:.4f} ev {ev:.4f}")
`;

const PIPELINE = fileURLToPath(new URL("../pipeline.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));
const OUT_DIR = fileURLToPath(new URL("../reports/bench/", import.meta.url));

async function timed(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ s: number; out: string }> {
  const t0 = performance.now();
  const r = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", MLFLOW_TRACKING_URI: "" },
  }).output();
  const s = (performance.now() - t0) / 1000;
  const dec = new TextDecoder();
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${dec.decode(r.stderr)}`);
  }
  return { s, out: dec.decode(r.stdout) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { reps: { type: "string", default: "5" }, python: { type: "string" } },
    allowPositionals: true,
  });
  const zip = positionals[0] ??
    fileURLToPath(new URL("../../shared/data/ml-latest-small.zip", import.meta.url));
  const python = values.python ?? fileURLToPath(new URL("../.venv/bin/python", import.meta.url));
  const reps = Number(values.reps);
  const script = await Deno.makeTempFile({ suffix: ".py" });
  await Deno.writeTextFile(script, ORIGINAL);
  const ours: number[] = [], theirs: number[] = [];
  let ourLine = "", theirLine = "";
  const load = [loadavg()[0]!];
  try {
    for (let r = 0; r < reps; r++) {
      for (const side of r % 2 === 0 ? ["ours", "theirs"] : ["theirs", "ours"]) {
        const cwd = await Deno.makeTempDir({ prefix: `movierec_vs_${side}_` });
        try {
          if (side === "ours") {
            const { s, out } = await timed(Deno.execPath(), [
              "run",
              "-A",
              "--config",
              CONFIG,
              PIPELINE,
              "--dataset",
              zip,
              "--set",
              "train.models=[svd]",
              "--set",
              "tracking.enabled=false",
            ], cwd);
            ours.push(s);
            ourLine = out.split("\n").find((l) => l.startsWith("svd ")) ?? "";
          } else {
            const { s, out } = await timed(python, [script, zip, cwd], cwd);
            theirs.push(s);
            theirLine = out.trim();
          }
          console.error(
            `${side} run ${r + 1}: ${(side === "ours" ? ours : theirs).at(-1)!.toFixed(2)} s`,
          );
        } finally {
          await Deno.remove(cwd, { recursive: true });
        }
      }
    }
  } finally {
    await Deno.remove(script);
  }
  load.push(loadavg()[0]!);
  const o = median(ours), t = median(theirs);
  const result = {
    measuredAt: new Date().toISOString(),
    machine: `${cpus()[0]?.model ?? "?"}, ${cpus().length} cores; Deno ${Deno.version.deno}`,
    load,
    zip,
    reps,
    ours,
    original: theirs,
    medianOurs: o,
    medianOriginal: t,
    ratio: o / t,
  };
  const f = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
  const md = [
    "# Cold pipeline, svd only, against the original Python design",
    "",
    `\`deno run -A bench/pipeline_vs_original.ts\`: ${result.machine}; load ${
      load[0]!.toFixed(2)
    } -> ${
      load[1]!.toFixed(2)
    }; measured ${result.measuredAt}. ${reps} runs each, alternating, each in a fresh folder; process wall time.`,
    "",
    "| pipeline | runs (s) | median (s) | test metrics |",
    "|---|---|---|---|",
    `| this project (\`--set train.models=[svd] --set tracking.enabled=false\`) | ${f(ours)} | ${
      o.toFixed(2)
    } | \`${ourLine.replace(/\s+/g, " ").trim()}\` (RMSE MAE EV P@10 NDCG@10 fit s) |`,
    `| original design (pandas, scikit-learn TruncatedSVD) | ${f(theirs)} | ${
      t.toFixed(2)
    } | ${theirLine} |`,
    "",
    `This project / original: **${(o / t).toFixed(2)}x** the wall time (below 1: faster).`,
    "This project also writes genre/tag features, fits svd twice (holdout pass, refit), runs the",
    "select stage and ranking metrics; neither side logs to MLflow here.",
    "",
  ].join("\n");
  await writeTextAtomic(
    join(OUT_DIR, "pipeline_vs_original.json"),
    JSON.stringify(result, null, 2) + "\n",
  );
  await writeTextAtomic(join(OUT_DIR, "pipeline_vs_original.md"), md);
  console.error(md);
}
