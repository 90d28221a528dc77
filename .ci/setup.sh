#!/usr/bin/env bash
# One-time set-up after Deno itself (README: `deno task setup`). Idempotent.
#   - npm packages from deno.lock into node_modules/
#   - Python virtual environment .venv/ with the pinned MLflow server, Jupyter (nbclient, nbconvert)
#     and PySpark (the spark-als model; Java 17 must be on the machine)
#   - the Deno Jupyter kernel (`deno jupyter --install`)
#   - Debian's chromium for the browser tests (needs root or sudo)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"
log() { echo "setup: $*" >&2; }

JUPYTER_PINS=(nbclient==0.10.2 nbconvert==7.16.6 nbformat==5.10.4 jupyter_client==8.6.3 jupyter_core==5.8.1)
# Keep equal to PYSPARK_VERSION in spark/find_spark.ts. Spark 4.1 runs on Java 17 or newer.
PYSPARK_PIN="pyspark==4.1.1"

log "caching npm packages (deno install)"
deno install --frozen >/dev/null

bash .ci/mlflow.sh install

if ! .venv/bin/python -c 'import nbclient, nbconvert' 2>/dev/null; then
  log "installing Jupyter (${JUPYTER_PINS[*]}) into .venv"
  .venv/bin/pip install --disable-pip-version-check --quiet "${JUPYTER_PINS[@]}"
fi

if [[ "$(.venv/bin/python -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null)" != "${PYSPARK_PIN#pyspark==}" ]]; then
  log "installing $PYSPARK_PIN into .venv (spark-als trains in Spark MLlib)"
  .venv/bin/pip install --disable-pip-version-check --quiet "$PYSPARK_PIN"
fi
java_major="$( ("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 || true) | sed -nE '1s/.*version "(1\.)?([0-9]+).*/\2/p')"
if [[ -z "$java_major" || "$java_major" -lt 17 ]]; then
  log "warning: Spark needs Java 17 or newer (found: ${java_major:-none}): apt-get install openjdk-17-jre-headless, or set JAVA_HOME; the Spark tests skip (and fail under REQUIRE_SPARK=1)"
fi

log "registering the Deno Jupyter kernel"
PATH="$REPO/.venv/bin:$PATH" deno jupyter --install --force >/dev/null 2>&1 || PATH="$REPO/.venv/bin:$PATH" deno jupyter --install >/dev/null

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == 0 ]]; then
    log "installing Debian's chromium (browser tests)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null; then
    log "installing Debian's chromium with sudo (browser tests)"
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    log "warning: /usr/bin/chromium is missing and we are not root: browser tests will be skipped (apt-get install chromium)"
  fi
fi
log "done"
