#!/usr/bin/env bash
# What a restore drill and a second copy cost next to the backup itself (docs/benchmarks.md, "Drills and copies"), as
# agent jobs with real restic on local repositories: one backup of a tree (1 GiB of random data by default), a copy of
# that snapshot to a second repository, then a drill of the plan's default sample (50 files, at most 256 MiB). Each job's
# time is the server's own record (created to finished); its CPU is the machine's busy CPU-seconds around it
# (/proc/stat, so the server, the agent and restic together; nothing else should run).
#
#   bench/drill-copy.sh [--files 1000] [--mib 1024]
set -euo pipefail
cd "$(dirname "$0")/.."

files=1000
mib=1024
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files=${2:?}; shift 2 ;;
    --mib) mib=${2:?}; shift 2 ;;
    *) echo "drill-copy.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
command -v restic >/dev/null || { echo "drill-copy.sh: restic is not installed (sudo apt-get install restic)" >&2; exit 1; }

# shellcheck source=bench/lib/stack.sh
. bench/lib/stack.sh
# shellcheck disable=SC2119  # no extra server environment here
bench_stack_start
write_tree "$work/tree" "$files" "$mib"

repository() { # repository NAME -> id, initialised through the agent
  local body
  body=$(api POST /api/v1/repositories "{\"name\":\"$1\",\"url\":\"$work/$1\",\"password\":\"$repo_password\",\"init\":true,\"initHost\":\"bench\"}")
  wait_job "$(echo "$body" | field "['initJob']")" >/dev/null
  echo "$body" | field "['id']"
}
main=$(repository main)
offsite=$(repository offsite)
plan=$(api POST /api/v1/plans "{\"name\":\"bench\",\"repositoryId\":\"$main\",\"hosts\":[\"bench\"],\"paths\":[\"$work/tree\"]}" | field "['id']")

rows=()
measure() { # measure LABEL COMMAND…: runs the command (which prints one finished job) and records its time and CPU
  local before job after
  before=$(busy_seconds)
  job=$("${@:2}")
  after=$(busy_seconds)
  [ "$(echo "$job" | field "['status']")" = succeeded ] || { echo "drill-copy.sh: $1 ended $(echo "$job" | field "['status']"): $job" >&2; exit 1; }
  rows+=("$(printf '| %s | %.2f s | %.1f CPU-s |' "$1" "$(echo "$job" | job_seconds)" "$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')")")
  echo "$job" >"$work/last-job.json"
}
settle() { sleep 5; } # the snapshot refresh and size reading that follow a job run outside it
started() { wait_job "$(api POST "$1" '' | field "[0]['id']")"; }

measure "backup of $files files, $mib MiB (the snapshot)" run_job "{\"kind\":\"backup\",\"planId\":\"$plan\",\"host\":\"bench\"}"
settle
api GET "/api/v1/plans/$plan" | python3 -c "import json,sys; p=json.load(sys.stdin); p['copyTo']=['$offsite']; print(json.dumps(p))" >"$work/plan.json"
curl -fsS -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data @"$work/plan.json" "$url/api/v1/plans/$plan" >/dev/null
measure "copy of that snapshot to a second repository" started "/api/v1/plans/$plan/copy"
copied=$(field "['copy']['copied']" <"$work/last-job.json")
settle
measure "drill: 50 files sampled, at most 256 MiB" started "/api/v1/plans/$plan/drill"
drilled=$(field "['drill']" <"$work/last-job.json")

echo "## Drills and copies next to the backup"
echo
echo "| job | time | CPU |"
echo "| --- | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "Copy: $copied snapshot(s) copied. Drill: $drilled"
