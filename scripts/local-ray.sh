#!/usr/bin/env bash
# A local Ray head on loopback, for the cluster test of the `ray` launcher.
#
#   scripts/local-ray.sh start   # ray start --head on 127.0.0.1:$WIJKSIM_RAY_PORT (default 6390)
#   scripts/local-ray.sh stop    # ray stop (this head and its workers)
#   scripts/local-ray.sh address # prints 127.0.0.1:PORT for hydra.launcher.ray.init.address
#
# Uses the Ray of .venv-ray (make env-ray), or $WIJKSIM_RAY.
set -euo pipefail
cd "$(dirname "$0")/.."
RAY=${WIJKSIM_RAY:-$PWD/.venv-ray/bin/ray}
PORT=${WIJKSIM_RAY_PORT:-6390}
TMP=${WIJKSIM_RAY_TMP:-/tmp/wijksim-ray}
[ -x "$RAY" ] || { echo "local-ray: $RAY not found; run make env-ray" >&2; exit 1; }
export RAY_USAGE_STATS_ENABLED=0 RAY_DISABLE_USAGE_STATS=1
# Keep every Ray address on loopback: on Linux Ray rewrites 127.0.0.1 to the first interface's
# address unless it is told this is a single-machine cluster (the flag Ray uses on macOS/Windows).
# Drivers that join this head need the same variable (tests/test_cluster.py sets it).
export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0
case "${1:-}" in
  start)
    "$RAY" start --head --node-ip-address=127.0.0.1 --port="$PORT" --num-cpus="$(nproc)" \
      --include-dashboard=false --disable-usage-stats --temp-dir="$TMP" >"$TMP.start.log" 2>&1 \
      || { cat "$TMP.start.log" >&2; exit 1; }
    for _ in $(seq 60); do
      if "$RAY" status --address="127.0.0.1:$PORT" >/dev/null 2>&1; then
        echo "local-ray: up at 127.0.0.1:$PORT"; exit 0
      fi
      sleep 1
    done
    echo "local-ray: head did not answer in 60 s" >&2; exit 1 ;;
  stop) "$RAY" stop --force >/dev/null 2>&1 || true; echo "local-ray: stopped" ;;
  address) echo "127.0.0.1:$PORT" ;;
  *) echo "usage: $0 start|stop|address" >&2; exit 2 ;;
esac
