#!/usr/bin/env bash
# Backup figures (docs/benchmarks.md), with real restic on local repositories:
#  1. Overhead: the same tree backed up by plain `restic backup` and by an agent job (from the API call to the
#     recorded result), side by side in one run. Goal: the agent at most 5 % slower.
#  2. Browsing: the first page of a directory in a snapshot of many files, through the API and an agent, with the
#     agent's peak RSS (VmHWM). Goal: <= 2 s for 1,000,000 files, agent RSS <= 150 MB.
#
#   bench/backup.sh [--files 10000] [--mib 1024] [--rounds 5] [--browse-files 1000000]   (--browse-files 0 skips browsing)
#
# Each round backs the same tree up into a fresh repository twice, once with plain restic and once as an agent job
# (the order alternating between rounds, after one warm-up run); the table gives the median of the rounds. The agent's time is the server's own record of the job, from the API
# call that created it to its recorded result (createdAt to finishedAt), so the benchmark's polling costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

files=10000
mib=1024
rounds=5
browse_files=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files=${2:?}; shift 2 ;;
    --mib) mib=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --browse-files) browse_files=${2:?}; shift 2 ;;
    *) echo "backup.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
command -v restic >/dev/null || { echo "backup.sh: restic is not installed (sudo apt-get install restic)" >&2; exit 1; }

# shellcheck source=bench/lib/stack.sh
. bench/lib/stack.sh
# shellcheck disable=SC2119  # no extra server environment here
bench_stack_start

echo "## Backup overhead (goal: agent job <= 5 % slower than plain restic)"
echo
write_tree "$work/tree" "$files" "$mib"
export RESTIC_PASSWORD="$repo_password"
plain_times=()
agent_times=()
plain_round() { # plain_round N: the same backup with plain restic; appends its time to plain_times
  RESTIC_REPOSITORY="$work/plain$1" restic init >/dev/null </dev/null
  local start
  start=$(now)
  # The same restic invocation the agent makes (JSON output, progress once a second, host and plan tag), so the
  # difference is the agent's own cost: dispatch, process handling, output parsing, reporting.
  RESTIC_REPOSITORY="$work/plain$1" RESTIC_CACHE_DIR="$work/plain-cache$1" RESTIC_PROGRESS_FPS=1 \
    restic backup --json --host bench --tag "rm-plan:plain$1" -- "$work/tree" </dev/null >/dev/null
  plain_times+=("$(elapsed "$start")")
  rm -rf "$work/plain$1" "$work/plain-cache$1"
}
agent_round() { # agent_round N: the backup as an agent job into a fresh repository; appends its time to agent_times
  local job status
  repo=$(api POST /api/v1/repositories "{\"name\":\"bench$1\",\"url\":\"$work/managed$1\",\"password\":\"$repo_password\"}" | field "['id']")
  run_job "{\"kind\":\"init\",\"repositoryId\":\"$repo\",\"host\":\"bench\"}" >/dev/null
  plan=$(api POST /api/v1/plans "{\"name\":\"bench$1\",\"repositoryId\":\"$repo\",\"hosts\":[\"bench\"],\"paths\":[\"$work/tree\"],\"schedule\":\"0 0 3 * * ?\"}" | field "['id']")
  job=$(run_job "{\"kind\":\"backup\",\"planId\":\"$plan\",\"host\":\"bench\"}")
  status=$(echo "$job" | field "['status']")
  [ "$status" = succeeded ] || { echo "backup.sh: the agent's backup ended $status" >&2; exit 1; }
  agent_times+=("$(echo "$job" | job_seconds)")
  sleep 3 # the snapshot refresh that follows a backup runs outside the measured job; let it finish
}
# A warm-up run (the first restic run after writing the tree is slower), then rounds in alternating order.
RESTIC_REPOSITORY="$work/warm" restic init >/dev/null </dev/null
RESTIC_REPOSITORY="$work/warm" RESTIC_CACHE_DIR="$work/warm-cache" restic backup -q "$work/tree" </dev/null >/dev/null
rm -rf "$work/warm" "$work/warm-cache"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then plain_round "$round"; agent_round "$round"; else agent_round "$round"; plain_round "$round"; fi
done
plain=$(printf '%s\n' "${plain_times[@]}" | median)
managed=$(printf '%s\n' "${agent_times[@]}" | median)
echo "| tree | plain restic | agent job | overhead |"
echo "| --- | ---: | ---: | ---: |"
printf '| %s files, %s MiB (median of %s rounds) | %.2f s | %.2f s | %+.1f %% |\n' "$files" "$mib" "$rounds" "$plain" "$managed" "$(awk -v m="$managed" -v p="$plain" 'BEGIN { printf "%.2f", (m - p) * 100 / p }')"
echo
echo "Rounds: plain ${plain_times[*]} s; agent ${agent_times[*]} s."
rm -rf "$work/tree"

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
  job=$(run_job "{\"kind\":\"backup\",\"planId\":\"$plan2\",\"host\":\"bench\"}")
  snapshot=$(echo "$job" | field "['snapshotId']")
  sleep 3 # let the snapshot refresh that follows the backup finish
  browse_row() { # browse_row LABEL PATH: the first call and the median of three more
    local times=() count start
    for _ in 1 2 3 4; do
      start=$(now)
      count=$(api GET "/api/v1/repositories/$repo/snapshots/$snapshot/tree?path=$2&limit=200" | field "['entries'].__len__()")
      times+=("$(elapsed "$start")")
    done
    printf '| %s: first page (%s entries) of %s | %.2f s | %.2f s |\n' "$1" "$count" "${2#"$work"/}" "${times[0]}" "$(printf '%s\n' "${times[@]:1}" | median)"
  }
  echo "| what | first call | again (median of 3) |"
  echo "| --- | ---: | ---: |"
  printf '| backing up the %s files (agent job) | %.1f s | |\n' "$browse_files" "$(echo "$job" | job_seconds)"
  if ! grep -q "Indexed snapshot $snapshot" "$work/agent.log"; then
    browse_row "restic ls (index not built yet)" "$work/many/d00500"
  fi
  until grep -q "Indexed snapshot $snapshot" "$work/agent.log"; do sleep 1; done
  indexed=$(grep -o "Indexed snapshot $snapshot for browsing: [0-9]* entries in [0-9.]* s" "$work/agent.log" | sed 's/.*browsing: //')
  printf '| the agent indexing the snapshot in the background after the backup | %s | |\n' "$indexed"
  browse_row "from the index" "$work/many"
  browse_row "from the index" "$work/many/d00500"
  browse_row "from the index" "$work/many/d00999"
  echo
  echo "Agent peak RSS (VmHWM) over the whole run: $(awk '/^VmHWM:/ { printf "%.0f MB", $2 / 1024 }' "/proc/$agent_pid/status")"
fi
