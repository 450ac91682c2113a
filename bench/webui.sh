#!/usr/bin/env bash
# Web UI figure (docs/benchmarks.md): how long a running job's progress takes from the agent to the job's page.
# The published server and the swarm (bench/RestikManager.Swarm, --mode progress) on loopback: N simulated agents
# each run a backup of one plan and report progress every second (with the time they sent it); 20 job pages are
# watched through their event streams, signed in as a browser is. The hosts page at 10,000 hosts is bench/fleet.sh's.
#
#   bench/webui.sh [--agents 200]
set -euo pipefail
cd "$(dirname "$0")/.."

agents=200
while [ $# -gt 0 ]; do
  case "$1" in
    --agents) agents=${2?}; shift 2 ;;
    *) echo "webui.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bash deploy/publish.sh --out "$work/pub" --targets none --server linux-amd64 >/dev/null
dotnet build -c Release bench/RestikManager.Swarm -o "$work/swarm" --nologo -v quiet >/dev/null
password="webui-benchmark-password"
port=$((20000 + RANDOM % 20000))
RM_LISTEN="127.0.0.1:$port" RM_DATA_DIR="$work/data" RM_ADMIN_PASSWORD="$password" RM_BUNDLED_ASSETS_DIR="$work/pub/dist" \
  "$work/pub/server/restic-manager-server" >"$work/server.log" 2>&1 &
server_pid=$!
until curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
  kill -0 "$server_pid" 2>/dev/null || { echo "webui.sh: the server did not start:" >&2; tail -3 "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

echo "## Job progress, agent to page (goal: <= 1 s)"
echo
"$work/swarm/RestikManager.Swarm" --server "http://127.0.0.1:$port" --agents "$agents" --admin-password "$password" \
  --mode progress --timeout-seconds 300 | grep -E "PROGRESS|TIMEOUT" | sed 's/^swarm: PROGRESS /- /'
echo
