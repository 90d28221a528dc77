/**
 * How tests find the real MLflow server: `MLFLOW_TRACKING_URI` from the
 * environment (CI starts it with `.ci/mlflow.sh start`). Without it the MLflow
 * tests are skipped with a notice, unless `REQUIRE_MLFLOW=1`, where they fail.
 *
 * @module
 */

/** The test server's URI, or why there is none. */
export interface MlflowTestEnv {
  /** True when the tests should be skipped (no server and not required). */
  readonly ignore: boolean;
  /** The URI; throws when the server is required but not configured. */
  uri(): string;
}

/** Reads the MLflow test settings from the environment (prints a notice when skipping). */
export function mlflowTestEnv(): MlflowTestEnv {
  const uri = Deno.env.get("MLFLOW_TRACKING_URI");
  const required = Deno.env.get("REQUIRE_MLFLOW") === "1";
  if (!uri && !required) {
    console.log(
      "notice: MLflow tests skipped: MLFLOW_TRACKING_URI is not set " +
        "(start a server with `bash .ci/mlflow.sh install && bash .ci/mlflow.sh start`)",
    );
  }
  return {
    ignore: !uri && !required,
    uri() {
      if (!uri) {
        throw new Error(
          "REQUIRE_MLFLOW=1 but MLFLOW_TRACKING_URI is not set: start the server with " +
            "`bash .ci/mlflow.sh start` and export the URI it prints",
        );
      }
      return uri;
    },
  };
}
