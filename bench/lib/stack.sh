# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables set here are the caller's to use
# Sourced by the backup benchmarks: publishes the server and the linux-amd64 agent into $work/pub, starts the server on a
# free loopback port with an admin password and one agent "bench" enrolled and online, and defines the helpers the
# scripts share.
#   bench_stack_start [SERVER_ENV=VALUE ...]
# Sourcing it makes $work and removes it, with the server and the agent, when the script exits.
work=$(mktemp -d)
server_pid=""
agent_pid=""
bench_cleanup() {
  [ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap bench_cleanup EXIT

bench_stack_start() {
  bash deploy/publish.sh --out "$work/pub" --targets linux-amd64 --server linux-amd64 >/dev/null
  password="backup-benchmark-password"
  repo_password="backup-benchmark-repo-password"
  port=$((20000 + RANDOM % 20000))
  url="http://127.0.0.1:$port"
  env "$@" RM_LISTEN="127.0.0.1:$port" RM_DATA_DIR="$work/data" RM_ADMIN_PASSWORD="$password" RM_BUNDLED_ASSETS_DIR="$work/pub/dist" \
    "$work/pub/server/restic-manager-server" >"$work/server.log" 2>&1 &
  server_pid=$!
  until curl -fs "$url/health" >/dev/null 2>&1; do sleep 0.1; done
  token=$(curl -fsS -H 'Content-Type: application/json' --data "{\"username\":\"admin\",\"password\":\"$password\",\"name\":\"bench\"}" "$url/api/v1/auth/tokens" | field "['token']")
  local enroll
  enroll=$(api POST /api/v1/enrollment-tokens '{}' | field "['token']")
  agent="$work/pub/dist/agent-binaries/restic-manager-agent-linux-amd64"
  "$agent" enroll --server "$url" --token "$enroll" --config "$work/agent/agent.json" --hostname bench >/dev/null
  "$agent" run --config "$work/agent/agent.json" --state-dir "$work/agent/state" >"$work/agent.log" 2>&1 &
  agent_pid=$!
  until api GET /api/v1/hosts | grep -q '"online"'; do sleep 0.1; done
}

api() { # api METHOD PATH [JSON]
  curl -fsS -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' ${3:+--data "$3"} "$url$2"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
wait_job() { # wait_job ID -> prints the job once it has ended
  until api GET "/api/v1/jobs/$1" | grep -q '"finishedAt":"'; do sleep 0.5; done
  api GET "/api/v1/jobs/$1"
}
run_job() { # run_job JSON -> prints the job; waits for it to end
  wait_job "$(api POST /api/v1/jobs "$1" | field "['id']")"
}
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.3f", e - s }'; }
job_seconds() { # job_seconds JOB_JSON -> finishedAt - createdAt, from the server's record
  python3 -c "import json,sys,datetime as d; j=json.load(sys.stdin); p=lambda s: d.datetime.fromisoformat(s.replace('Z','+00:00')); print((p(j['finishedAt'])-p(j['createdAt'])).total_seconds())"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The machine's busy CPU-seconds so far (all cores, /proc/stat): a job's cost is the difference around it.
busy_seconds() { awk '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / 100 }' /proc/stat; }
write_tree() { # write_tree DIR FILES MIB: FILES files of random data, MIB MiB in all, in 100 directories
  python3 - "$1" "$2" "$3" <<'PY'
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
}
