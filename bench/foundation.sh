#!/usr/bin/env bash
# Measures the foundation figures (docs/benchmarks.md): agent executable size per target, server
# cold start to a passing /health, and server idle memory. Publishes with deploy/publish.sh first.
#
#   bench/foundation.sh [--runs N]     (default 5 cold starts; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?}; shift 2 ;;
    *) echo "foundation.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d)
pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bash deploy/publish.sh --out "$work/pub" --targets linux-amd64,windows-amd64 --server linux-amd64 >/dev/null
server="$work/pub/server/restic-manager-server"

echo "## Agent executable size (goal <= 20 MB each)"
echo
echo "| target | bytes | MB |"
echo "| --- | ---: | ---: |"
for f in "$work"/pub/dist/agent-binaries/*; do
  size=$(stat -c %s "$f")
  printf '| %s | %s | %s |\n' "$(basename "$f")" "$size" "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1000000 }')"
done
echo

port_base=$((20000 + RANDOM % 20000))
starts=()
for i in $(seq 1 "$runs"); do
  port=$((port_base + i))
  data="$work/data-$i"
  t0=$(date +%s%N)
  RM_LISTEN="127.0.0.1:$port" RM_DATA_DIR="$data" RM_BUNDLED_ASSETS_DIR="$work/pub/dist" "$server" >"$work/server-$i.log" 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "server exited; log:" >&2; cat "$work/server-$i.log" >&2; exit 1; }
    sleep 0.01
  done
  t1=$(date +%s%N)
  starts+=($(( (t1 - t0) / 1000000 )))
  if [ "$i" -eq "$runs" ]; then
    # Idle memory: a few requests of every kind, then quiet.
    for _ in $(seq 1 20); do
      curl -fs "http://127.0.0.1:$port/health" >/dev/null
      curl -fs -o /dev/null "http://127.0.0.1:$port/agent/binary?os=linux&arch=amd64"
      curl -fs -o /dev/null "http://127.0.0.1:$port/install/install.sh"
    done
    sleep 10
    rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  fi
  kill -TERM "$pid"; wait "$pid" || true; pid=""
done

sorted=$(printf '%s\n' "${starts[@]}" | sort -n)
median=$(printf '%s\n' "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
echo "## Server cold start to a passing /health (goal <= 2 s)"
echo
echo "Fresh data directory each run (creates secret.key and migrates the database). $runs runs, ms: $(printf '%s ' "${starts[@]}")"
echo
echo "| median | min | max |"
echo "| ---: | ---: | ---: |"
echo "| ${median} ms | $(printf '%s\n' "$sorted" | head -n 1) ms | $(printf '%s\n' "$sorted" | tail -n 1) ms |"
echo
echo "## Server idle memory (goal <= 150 MB RSS)"
echo
echo "After 60 requests (health, agent download, install script) and 10 s idle: $(awk -v k="$rss_kb" 'BEGIN { printf "%.1f MB", k / 1024 }') RSS ($rss_kb kB)."
