"""Spark MLlib ALS for the `spark-als` model (recommender/spark_als.ts).

Started by spark/run_spark_als.ts as `python -u spark/als_train.py --fit IN OUT ...`; the
spark-submit options (master, --conf, memory) come in PYSPARK_SUBMIT_ARGS, so pyspark launches
the JVM as this process's child. Each `--fit IN OUT` reads a ratings Parquet file (userId,
movieId, rating) and writes to OUT:

  users/*.parquet  id, bias, f0..f{k-1}   (one row per user of IN)
  items/*.parquet  id, bias, f0..f{k-1}   (one row per movie of IN)
  summary.json     globalMean, ratingScale, counts, train RMSE, seconds

Explicit mode (the default) handles the biases as the `als` model does: the prediction is
mu + b_u + b_i + p_u . q_i with each bias regularized per rating (weighted lambda, like
MLlib's regParam). MLlib's ALS has no bias terms, so the biases are fitted first by
alternating regularized means on Spark SQL, and ALS then factors the residuals
r - mu - b_u - b_i. With --implicit, MLlib's implicitPrefs ALS (confidence 1 + alpha * r) is
fitted on the ratings themselves, with no biases and mu = 0: a ranking model.

Progress goes to stdout as JSON lines ({"event": ...}); Spark's log goes to stderr. The
process exits when its stdin closes (the Deno side died), and the JVM exits with it.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback


STARTED = time.time()


def emit(event, **fields):
    """One progress line for the Deno side (`t`: seconds since the script started)."""
    print(json.dumps({"event": event, "t": round(time.time() - STARTED, 2), **fields}), flush=True)


# Folders this process made and removes however it ends.
OWN_FOLDERS = []


def leave(code):
    """Exit now (no interpreter shutdown), removing our own folders; the JVM sees stdin close."""
    for folder in OWN_FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)
    sys.stdout.flush()
    os._exit(code)


def watch_parent():
    """Exit when the parent closes our stdin (a killed pipeline) or sends SIGTERM (an abort)."""

    def run():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        leave(130)

    threading.Thread(target=run, name="parent-watch", daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: leave(143))


def watch_tasks(spark, label, stop):
    """Every two seconds, the finished and total tasks of the running Spark stages."""
    tracker = spark.sparkContext.statusTracker()

    def run():
        last = None
        while not stop.wait(2.0):
            done = total = 0
            for stage_id in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage_id)
                if info is not None:
                    done += info.numCompletedTasks
                    total += info.numTasks
            if total > 0 and (done, total) != last:
                last = (done, total)
                emit("tasks", fit=label, done=done, total=total)

    thread = threading.Thread(target=run, name="task-watch", daemon=True)
    thread.start()
    return thread


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fit", nargs=3, action="append", metavar=("LABEL", "IN", "OUT"),
                   required=True, help="a fit: its label, the ratings Parquet, the output folder")
    p.add_argument("--factors", type=int, required=True)
    p.add_argument("--iterations", type=int, required=True)
    p.add_argument("--regularization", type=float, required=True)
    p.add_argument("--bias-regularization", type=float, default=0.4)
    p.add_argument("--bias-rounds", type=int, default=3)
    p.add_argument("--implicit", action="store_true")
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--blocks", type=int, default=0,
                   help="ALS user and item blocks (0: one per core in local mode, else MLlib's 10)")
    p.add_argument("--checkpoint-dir", default=None,
                   help="checkpoint folder (default: a temp folder in local mode, none otherwise)")
    return p.parse_args(argv)


def fit_biases(df, mu, lam, rounds):
    """b_i and b_u by alternating regularized means: b = sum(residual) / (n (1 + lam))."""
    from pyspark.sql import functions as F

    users = df.select("userId").distinct().withColumn("bu", F.lit(0.0))
    items = None
    for _ in range(max(1, rounds)):
        items = (df.join(users, "userId").groupBy("movieId")
                 .agg((F.sum(F.col("rating") - mu - F.col("bu")) / (F.count("*") * (1 + lam)))
                      .alias("bi")))
        users = (df.join(items, "movieId").groupBy("userId")
                 .agg((F.sum(F.col("rating") - mu - F.col("bi")) / (F.count("*") * (1 + lam)))
                      .alias("bu")))
        users, items = users.localCheckpoint(), items.localCheckpoint()
    return users, items


def factor_table(factors, biases, id_col, bias_col, k):
    """id, bias, f0..f{k-1}: flat float columns, cheap to read into typed arrays."""
    from pyspark.sql import functions as F

    t = factors.withColumnRenamed("id", id_col)
    if biases is not None:
        t = t.join(biases, id_col, "left")
    else:
        t = t.withColumn(bias_col, F.lit(0.0))
    return t.select(
        F.col(id_col).cast("int").alias("id"),
        F.coalesce(F.col(bias_col), F.lit(0.0)).cast("float").alias("bias"),
        *[F.col("features")[j].cast("float").alias(f"f{j}") for j in range(k)],
    )


def fit_one(spark, args, label, source, out):
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import functions as F

    started = time.time()
    emit("phase", fit=label, message=f"reading {source}")
    df = spark.read.parquet(source).select(
        F.col("userId").cast("int"), F.col("movieId").cast("int"),
        F.col("rating").cast("double"),
    ).cache()
    stats = df.agg(F.count("*").alias("n"), F.avg("rating").alias("mu"),
                   F.min("rating").alias("lo"), F.max("rating").alias("hi")).first()
    if stats["n"] == 0:
        raise SystemExit(f"Cannot fit spark-als: {source} has no ratings; check the split stage")
    lo, hi = float(stats["lo"]), float(stats["hi"])
    if hi == lo:
        hi = lo + 1
    ubias = ibias = None
    if args.implicit:
        mu = 0.0
        target = df.withColumnRenamed("rating", "target")
    else:
        mu = float(stats["mu"])
        emit("phase", fit=label, message="fitting the user and movie biases")
        ubias, ibias = fit_biases(df, mu, args.bias_regularization, args.bias_rounds)
        target = (df.join(ubias, "userId").join(ibias, "movieId")
                  .withColumn("target", F.col("rating") - mu - F.col("bu") - F.col("bi")))
    emit("phase", fit=label,
         message=f"ALS rank {args.factors}, {args.iterations} iterations on {stats['n']:,} ratings")
    als = ALS(rank=args.factors, maxIter=args.iterations, regParam=args.regularization,
              implicitPrefs=args.implicit, alpha=args.alpha, seed=args.seed,
              userCol="userId", itemCol="movieId", ratingCol="target",
              coldStartStrategy="drop", nonnegative=False)
    blocks = args.blocks
    if blocks == 0 and spark.sparkContext.master.startswith("local"):
        # MLlib's 10 blocks suit a cluster; on one box, one block per core schedules fewer tasks.
        blocks = spark.sparkContext.defaultParallelism
    if blocks > 0:
        als = als.setNumUserBlocks(blocks).setNumItemBlocks(blocks)
    model = als.fit(target)
    users = factor_table(model.userFactors, ubias, "userId", "bu", args.factors)
    items = factor_table(model.itemFactors, ibias, "movieId", "bi", args.factors)
    emit("phase", fit=label, message="writing the factor tables")
    users.write.mode("overwrite").parquet(os.path.join(out, "users"))
    items.write.mode("overwrite").parquet(os.path.join(out, "items"))
    train_rmse = None
    if not args.implicit:
        pred = model.transform(target).select(
            F.sqrt(F.avg((F.least(F.greatest(F.col("prediction") + F.col("rating")
                                              - F.col("target"), F.lit(lo)), F.lit(hi))
                          - F.col("rating")) ** 2)).alias("rmse")).first()
        train_rmse = float(pred["rmse"])
    summary = {
        "globalMean": mu,
        "ratingScale": [lo, hi],
        "ratings": int(stats["n"]),
        "trainRmse": train_rmse,
        "sparkVersion": spark.version,
        "master": spark.sparkContext.master,
        "fitSeconds": round(time.time() - started, 3),
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f)
    df.unpersist()
    emit("done", fit=label, **summary)


def main(argv):
    watch_parent()
    args = parse_args(argv)
    emit("phase", message="starting Spark")
    from pyspark.sql import SparkSession

    submit_args = os.environ.get("PYSPARK_SUBMIT_ARGS", "")
    builder = (SparkSession.builder.appName("movierec-spark-als")
               .config("spark.ui.showConsoleProgress", "false"))
    spark = builder.getOrCreate()
    if "spark.sql.shuffle.partitions" not in submit_args:
        # Spark's 200 suits a cluster; on one box, one partition per core.
        spark.conf.set("spark.sql.shuffle.partitions", str(spark.sparkContext.defaultParallelism))
    spark.sparkContext.setLogLevel(os.environ.get("SPARK_LOG_LEVEL", "WARN"))
    # ALS checkpoints its factors every 10 iterations when it has a folder (no deep lineage,
    # no StackOverflowError); a cluster needs a shared one (--checkpoint-dir hdfs://...).
    checkpoints = args.checkpoint_dir
    if checkpoints is None and spark.sparkContext.master.startswith("local"):
        checkpoints = tempfile.mkdtemp(prefix="spark-als-checkpoints-")
        OWN_FOLDERS.append(checkpoints)
    if checkpoints:
        spark.sparkContext.setCheckpointDir(checkpoints)
    emit("started", sparkVersion=spark.version, master=spark.sparkContext.master,
         parallelism=spark.sparkContext.defaultParallelism)
    try:
        for label, source, out in args.fit:
            stop = threading.Event()
            watch_tasks(spark, label, stop)
            try:
                fit_one(spark, args, label, source, out)
            finally:
                stop.set()
    finally:
        spark.stop()
    # Not a normal exit: the stdin watcher is blocked in a read that interpreter shutdown
    # would wait on.
    leave(0)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except SystemExit as stop:
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
        leave(stop.code if isinstance(stop.code, int) else 1)
    except BaseException:
        traceback.print_exc()
        leave(1)
