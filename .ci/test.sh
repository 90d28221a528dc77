#!/usr/bin/env bash
# The test command (README: `deno task test`).
#   1. type-checks everything the project ships (`deno check`: stages, api, bench, notebooks'
#      runner, tests), so a type error anywhere fails the run;
#   2. starts a real MLflow server from .venv when one is installed and MLFLOW_TRACKING_URI is
#      not set, and stops it afterwards;
#   3. runs every test and every `@example` block (`deno test --doc`);
# and ends with the line "N passed, N failed, N skipped" counted from the test reporter's JUnit
# file: top-level tests (steps are counted in their test), ignored tests as skipped, a failed
# type check as one failure.
# Extra arguments go to `deno test` (e.g. a path to run one file; the type check is then skipped).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .cache
junit=.cache/junit.xml
rm -f "$junit"

check_failed=0
if [[ $# -eq 0 ]]; then
  echo "test: type-checking every module (deno check)" >&2
  if ! deno check --quiet .; then
    echo "test: deno check found type errors (above)" >&2
    check_failed=1
  fi
fi

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

deno test -A --doc --parallel --junit-path="$junit" "$@"
status=$?
stop

passed=0 failed=1 skipped=0
if [[ -f "$junit" ]]; then
  read -r passed failed skipped < <(python3 - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
passed = failed = skipped = 0
for suite in root.iter("testsuite"):
    cases = list(suite.iter("testcase"))
    names = [c.get("name", "") for c in cases]
    for c in cases:
        name = c.get("name", "")
        # Deno writes each t.step as its own testcase named "<parent> > <step>".
        if any(name.startswith(other + " > ") for other in names if other != name):
            continue
        if c.find("failure") is not None or c.find("error") is not None:
            failed += 1
        elif c.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
print(passed, failed, skipped)
PY
)
fi
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi
failed=$((failed + check_failed))
if [[ $check_failed -ne 0 && $status -eq 0 ]]; then status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
