#!/usr/bin/env bash
# A real MLflow tracking server for the tests (issue 4). No mock server.
#
#   bash .ci/mlflow.sh install   # .venv with the pinned mlflow (idempotent)
#   bash .ci/mlflow.sh start     # start on a free 127.0.0.1 port, wait for /health, print the URI
#   bash .ci/mlflow.sh stop      # stop the server started by `start`
#   bash .ci/mlflow.sh uri       # print the URI of the running server
#
# Use from .ci/run:
#   bash .ci/mlflow.sh install
#   export MLFLOW_TRACKING_URI="$(bash .ci/mlflow.sh start)"
#   trap 'bash .ci/mlflow.sh stop' EXIT
#   REQUIRE_MLFLOW=1 deno task test
#
# State (pid file, URI, log) lives in $MLFLOW_STATE_DIR (default <repo>/.cache/mlflow);
# the server's database and artifacts in a fresh temp folder per `start`.
set -euo pipefail

MLFLOW_VERSION="3.17.2"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MLFLOW_VENV:-$REPO/.venv}"
STATE="${MLFLOW_STATE_DIR:-$REPO/.cache/mlflow}"
PYTHON="${PYTHON:-python3}"

log() { echo "mlflow.sh: $*" >&2; }

installed_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("mlflow"))' 2>/dev/null || true
}

cmd_install() {
  if [[ -x "$VENV/bin/mlflow" && "$(installed_version)" == "$MLFLOW_VERSION" ]]; then
    log "mlflow $MLFLOW_VERSION already installed in $VENV"
    return 0
  fi
  if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  log "installing mlflow==$MLFLOW_VERSION into $VENV"
  "$VENV/bin/pip" install --disable-pip-version-check --quiet "mlflow==$MLFLOW_VERSION"
  log "installed mlflow $(installed_version)"
}

free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

is_running() {
  [[ -f "$STATE/pid" ]] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null
}

cmd_start() {
  if is_running; then
    log "already running (pid $(cat "$STATE/pid"))"
    cat "$STATE/uri"
    return 0
  fi
  if [[ ! -x "$VENV/bin/mlflow" ]]; then
    log "mlflow is not installed: run 'bash .ci/mlflow.sh install' first"
    return 1
  fi
  mkdir -p "$STATE"
  local data port uri
  data="$(mktemp -d "${TMPDIR:-/tmp}/mlflow-server.XXXXXX")"
  port="$(free_port)"
  uri="http://127.0.0.1:$port"
  # setsid: the server and its workers form one process group that `stop` ends by its id.
  # No background job runner (GenAI evaluation jobs): it starts several worker processes
  # that tracking does not need on a 2-core machine.
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION="${MLFLOW_SERVER_ENABLE_JOB_EXECUTION:-false}" \
    setsid "$VENV/bin/mlflow" server \
    --host 127.0.0.1 --port "$port" --workers 1 \
    --backend-store-uri "sqlite:///$data/mlflow.db" \
    --artifacts-destination "$data/artifacts" \
    >"$STATE/server.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$STATE/pid"
  echo "$data" >"$STATE/data"
  local deadline=$((SECONDS + ${MLFLOW_START_TIMEOUT:-180}))
  until curl -fsS "$uri/health" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "server exited during startup; its log ($STATE/server.log):"
      tail -n 40 "$STATE/server.log" >&2
      rm -f "$STATE/pid"
      return 1
    fi
    if ((SECONDS > deadline)); then
      log "server did not answer $uri/health in time; its log ($STATE/server.log):"
      tail -n 40 "$STATE/server.log" >&2
      cmd_stop
      return 1
    fi
    sleep 0.5
  done
  echo "$uri" >"$STATE/uri"
  log "mlflow $MLFLOW_VERSION serving at $uri (pid $pid, data $data)"
  echo "$uri"
}

cmd_stop() {
  if [[ ! -f "$STATE/pid" ]]; then
    log "not running"
    return 0
  fi
  local pid
  pid="$(cat "$STATE/pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/pid" "$STATE/uri"
  if [[ -f "$STATE/data" && -z "${MLFLOW_KEEP_DATA:-}" ]]; then
    rm -rf "$(cat "$STATE/data")"
    rm -f "$STATE/data"
  fi
  log "stopped (pid $pid)"
}

cmd_uri() {
  if is_running && [[ -f "$STATE/uri" ]]; then cat "$STATE/uri"; else
    log "not running"
    return 1
  fi
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
uri) cmd_uri ;;
version) echo "$MLFLOW_VERSION" ;;
*)
  echo "usage: bash .ci/mlflow.sh install|start|stop|uri|version" >&2
  exit 2
  ;;
esac
