#!/usr/bin/env bash
# The test command (README: `deno task test`). Starts a real MLflow server from .venv when
# one is installed and MLFLOW_TRACKING_URI is not set, runs every test, stops the server, and
# ends with the line "N passed, N failed" counted from the test reporter's JUnit file.
# Extra arguments go to `deno test` (e.g. a path to run one file).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .cache
junit=.cache/junit.xml
rm -f "$junit"

started_mlflow=""
if [[ -z "${MLFLOW_TRACKING_URI:-}" && -x .venv/bin/mlflow ]]; then
  # A state folder of our own: never reuse (and then stop) a server someone else started.
  export MLFLOW_STATE_DIR="$PWD/.cache/mlflow-test-$$"
  if uri="$(bash .ci/mlflow.sh start)"; then
    export MLFLOW_TRACKING_URI="$uri"
    started_mlflow=1
  else
    echo "test: could not start MLflow; MLflow tests will skip or fail" >&2
  fi
fi
stop() {
  if [[ -n "$started_mlflow" ]]; then
    bash .ci/mlflow.sh stop >/dev/null 2>&1
    rm -rf "$MLFLOW_STATE_DIR"
  fi
  started_mlflow=""
}
trap stop EXIT

deno test -A --parallel --junit-path="$junit" "$@"
status=$?
stop

if [[ -f "$junit" ]]; then
  read -r total failed < <(python3 - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = list(root.iter("testcase"))
failed = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
print(len(cases), failed)
PY
)
else
  total=1
  failed=1
fi
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi
echo "$((total - failed)) passed, $failed failed"
exit $status
