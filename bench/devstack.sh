#!/usr/bin/env bash
# Dev stack figures (docs/benchmarks.md): seconds from `dotnet run --project RestikManager.AppHost` (already built,
# as a developer's second run is) to every simulated host online, to the sample repositories and plans in place,
# and to every host's first scheduled backup; then Ctrl+C (SIGINT to the process group, as a terminal sends it)
# and the seconds until no process of the stack (DCP and the dashboard included) and no temporary file is left.
#
#   bench/devstack.sh [--hosts 3] [--schedule "0/20 * * * * ?"]
set -euo pipefail
cd "$(dirname "$0")/.."

hosts=3
schedule="0/20 * * * * ?"
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) hosts=${2?}; shift 2 ;;
    --schedule) schedule=${2?}; shift 2 ;;
    *) echo "devstack.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build RestikManager.AppHost --nologo -v quiet >/dev/null
tempdirs() { find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'restic-manager-dev-*' | wc -l; }
before=$(tempdirs)

start=$(date +%s.%N)
# Job control on: the stack gets its own process group with SIGINT not ignored, as in a terminal.
set -m
dotnet run --project RestikManager.AppHost --no-build -- --hosts "$hosts" --plan-schedule "$schedule" >"$log" 2>&1 &
group=$!
since() { echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f'; }

url=""
for _ in $(seq 1 600); do
  url=$(grep -o 'restic-manager is at http://[^;]*' "$log" | head -1 | sed 's/.* at //') || true
  [ -n "$url" ] && break
  sleep 0.2
done
[ -n "$url" ] || { echo "devstack.sh: the server did not come up:"; cat "$log"; kill -INT -"$group"; exit 1; }
echo "server healthy:              $(since) s  ($url)"
token=$(curl -fsS -X POST "$url/api/v1/auth/tokens" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"restic-manager-dev","name":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
api() { curl -fsS "$url$1" -H "authorization: Bearer $token"; }
count() { python3 -c "import json,sys; print(sum(1 for x in json.load(sys.stdin) if $1))"; }

until [ "$(api /api/v1/hosts | count 'x["status"]=="online"')" -ge "$hosts" ]; do sleep 0.2; done
echo "all $hosts hosts online:        $(since) s"
until [ "$(api /api/v1/plans | count 'True')" -ge "$hosts" ]; do sleep 0.2; done
echo "sample plans in place:       $(since) s"
until [ "$(api '/api/v1/jobs?limit=500' | count 'x["kind"]=="backup" and x["trigger"]=="schedule" and x["status"]=="succeeded"')" -ge "$hosts" ]; do sleep 0.5; done
echo "first scheduled backups:     $(since) s  (schedule '$schedule')"

stop=$(date +%s.%N)
kill -INT -- -"$group"
for _ in $(seq 1 600); do
  left=$(pgrep -fc 'tools/dcp |Aspire.Dashboard|restic-manager-server|restic-manager-agent.dll|RestikManager.AppHost' || true)
  [ "$left" -eq 0 ] && break
  sleep 0.1
done
echo "Ctrl+C to nothing left:      $(echo "$(date +%s.%N) - $stop" | bc | xargs printf '%.1f') s  (processes left: $left, temporary dirs left: $(( $(tempdirs) - before )))"
