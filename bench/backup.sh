#!/usr/bin/env bash
# Backup figures (docs/benchmarks.md), with real restic on local repositories:
#  1. Overhead: the same tree backed up by plain `restic backup` and by an agent job (from the API call to the
#     recorded result), side by side in one run. Goal: the agent at most 5 % slower.
#  2. Browsing: the first page of a directory in a snapshot of many files, through the API and an agent, with the
#     agent's peak RSS (VmHWM). Goal: <= 2 s for 1,000,000 files, agent RSS <= 150 MB.
#
#   bench/backup.sh [--files 10000] [--mib 1024] [--browse-files 1000000]     (--browse-files 0 skips browsing)
set -euo pipefail
cd "$(dirname "$0")/.."

files=10000
mib=1024
browse_files=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files=${2:?}; shift 2 ;;
    --mib) mib=${2:?}; shift 2 ;;
    --browse-files) browse_files=${2:?}; shift 2 ;;
    *) echo "backup.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
command -v restic >/dev/null || { echo "backup.sh: restic is not installed (sudo apt-get install restic)" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
agent_pid=""
cleanup() {
  [ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bash deploy/publish.sh --out "$work/pub" --targets linux-amd64 --server linux-amd64 >/dev/null
password="backup-benchmark-password"
repo_password="backup-benchmark-repo-password"
port=$((20000 + RANDOM % 20000))
url="http://127.0.0.1:$port"
RM_LISTEN="127.0.0.1:$port" RM_DATA_DIR="$work/data" RM_ADMIN_PASSWORD="$password" RM_BUNDLED_ASSETS_DIR="$work/pub/dist" \
  "$work/pub/server/restic-manager-server" >"$work/server.log" 2>&1 &
server_pid=$!
until curl -fs "$url/health" >/dev/null 2>&1; do sleep 0.1; done

api() { # api METHOD PATH [JSON]
  curl -fsS -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' ${3:+--data "$3"} "$url$2"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
token=$(curl -fsS -H 'Content-Type: application/json' --data "{\"username\":\"admin\",\"password\":\"$password\",\"name\":\"bench\"}" "$url/api/v1/auth/tokens" | field "['token']")
enroll=$(api POST /api/v1/enrollment-tokens '{}' | field "['token']")
agent="$work/pub/dist/agent-binaries/restic-manager-agent-linux-amd64"
"$agent" enroll --server "$url" --token "$enroll" --config "$work/agent/agent.json" --hostname bench >/dev/null
"$agent" run --config "$work/agent/agent.json" --state-dir "$work/agent/state" >"$work/agent.log" 2>&1 &
agent_pid=$!
until api GET /api/v1/hosts | grep -q '"online"'; do sleep 0.1; done

run_job() { # run_job JSON -> prints the job; waits for it to end
  local id
  id=$(api POST /api/v1/jobs "$1" | field "['id']")
  until api GET "/api/v1/jobs/$id" | grep -q '"finishedAt":"'; do sleep 0.05; done
  api GET "/api/v1/jobs/$id"
}
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.3f", e - s }'; }

echo "## Backup overhead (goal: agent job <= 5 % slower than plain restic)"
echo
python3 - "$work/tree" "$files" "$mib" <<'PY'
import os, sys
root, files, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = mib * 1024 * 1024 // files
for i in range(files):
    d = os.path.join(root, f"d{i % 100:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:06d}"), "wb") as f:
        f.write(os.urandom(size))
PY
sync
export RESTIC_PASSWORD="$repo_password"
RESTIC_REPOSITORY="$work/plain" restic init >/dev/null </dev/null
start=$(now)
RESTIC_REPOSITORY="$work/plain" RESTIC_CACHE_DIR="$work/plain-cache" restic backup --json "$work/tree" </dev/null >/dev/null
plain=$(elapsed "$start")

repo=$(api POST /api/v1/repositories "{\"name\":\"bench\",\"url\":\"$work/managed\",\"password\":\"$repo_password\"}" | field "['id']")
run_job "{\"kind\":\"init\",\"repositoryId\":\"$repo\",\"host\":\"bench\"}" >/dev/null
plan=$(api POST /api/v1/plans "{\"name\":\"bench\",\"repositoryId\":\"$repo\",\"hosts\":[\"bench\"],\"paths\":[\"$work/tree\"],\"schedule\":\"0 0 3 * * ?\"}" | field "['id']")
start=$(now)
status=$(run_job "{\"kind\":\"backup\",\"planId\":\"$plan\",\"host\":\"bench\"}" | field "['status']")
managed=$(elapsed "$start")
[ "$status" = succeeded ] || { echo "backup.sh: the agent's backup ended $status" >&2; exit 1; }
echo "| tree | plain restic | agent job | overhead |"
echo "| --- | ---: | ---: | ---: |"
printf '| %s files, %s MiB | %.2f s | %.2f s | %+.1f %% |\n' "$files" "$mib" "$plain" "$managed" "$(awk -v m="$managed" -v p="$plain" 'BEGIN { printf "%.2f", (m - p) * 100 / p }')"
rm -rf "$work/tree" "$work/plain" "$work/plain-cache"

if [ "$browse_files" -gt 0 ]; then
  echo
  echo "## Browsing a snapshot of $browse_files files (goal: first page <= 2 s, agent RSS <= 150 MB)"
  echo
  python3 - "$work/many" "$browse_files" <<'PY'
import os, sys
root, files = sys.argv[1], int(sys.argv[2])
per = 1000
for i in range(files):
    d = os.path.join(root, f"d{i // per:05d}")
    if i % per == 0:
        os.makedirs(d, exist_ok=True)
    open(os.path.join(d, f"f{i % per:04d}"), "wb").close()
PY
  plan2=$(api POST /api/v1/plans "{\"name\":\"many\",\"repositoryId\":\"$repo\",\"hosts\":[\"bench\"],\"paths\":[\"$work/many\"],\"schedule\":\"0 0 3 * * ?\"}" | field "['id']")
  start=$(now)
  job=$(run_job "{\"kind\":\"backup\",\"planId\":\"$plan2\",\"host\":\"bench\"}")
  took=$(elapsed "$start")
  snapshot=$(echo "$job" | field "['snapshotId']")
  echo "| what | time |"
  echo "| --- | ---: |"
  printf '| backing up the %s files (agent job) | %.1f s |\n' "$browse_files" "$took"
  for path in "$work/many" "$work/many/d00000"; do
    start=$(now)
    count=$(api GET "/api/v1/repositories/$repo/snapshots/$snapshot/tree?path=$path&limit=200" | field "['entries'].__len__()")
    printf '| first page (%s entries) of %s | %.2f s |\n' "$count" "${path#"$work"/}" "$(elapsed "$start")"
  done
  echo
  echo "Agent peak RSS (VmHWM) over the whole run: $(awk '/^VmHWM:/ { printf "%.0f MB", $2 / 1024 }' "/proc/$agent_pid/status")"
fi
