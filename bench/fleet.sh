#!/usr/bin/env bash
# Fleet figures (docs/benchmarks.md): connections held at 1,000 / 5,000 / 10,000 simulated agents with the
# server's RSS, and a reconnect storm: the server restarted under 10,000 agents, time until all are online
# again and the hello→welcome latency p99 during it. Server and swarm (bench/RestikManager.Swarm) are real
# processes on loopback; everything stops by itself (timeouts) and is cleaned up on exit. After the largest size,
# the dashboard: one plan over the whole fleet, 30 backups of history per host written straight into the database
# (sqlite3), and the time to serve the signed-in page; then one alert rule over the whole fleet (backup_failed,
# backup_overdue, host_offline after 0 minutes: every host is offline by then) and what one evaluation costs, first
# (every incident fires) and then in steady state, from the server's restic_manager_alerts_evaluation_duration histogram.
#
#   bench/fleet.sh [--sizes "1000 5000 10000"] [--storm 10000] [--server-env "NAME=value …"] [--dashboard no]
#   (--sizes "" or --storm "" leaves that part out; --server-env tries the server under other settings, e.g. the GC's)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib/watch.sh
. bench/lib/watch.sh

sizes="1000 5000 10000"
storm=10000
server_env=""
dashboard=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --server-env) server_env=${2?}; shift 2 ;;
    --dashboard) dashboard=${2?}; shift 2 ;;
    --sizes) sizes=${2?}; shift 2 ;;
    --storm) storm=${2?}; shift 2 ;;
    *) echo "fleet.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
server_pid=""
swarm_pid=""
cleanup() {
  [ -z "$swarm_pid" ] || kill "$swarm_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bash deploy/publish.sh --out "$work/pub" --targets none --server linux-amd64 >/dev/null
dotnet build -c Release bench/RestikManager.Swarm -o "$work/swarm" --nologo -v quiet >/dev/null
password="fleet-benchmark-password"

start_server() { # start_server DATA: on $port, or (the port taken by another program) on the next one free
  while true; do
    # shellcheck disable=SC2086 # the settings are words on purpose
    env $server_env Alerts__EvaluateEvery=00:00:05 RM_LISTEN="127.0.0.1:$port" RM_DATA_DIR="$1" RM_ADMIN_PASSWORD="$password" RM_BUNDLED_ASSETS_DIR="$work/pub/dist" \
      "$work/pub/server/restic-manager-server" >>"$work/server.log" 2>&1 &
    server_pid=$!
    until curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$server_pid" 2>/dev/null && return 0
    wait "$server_pid" || true
    if ! tail -1 "$work/server.log" | grep -q "address already in use"; then
      echo "fleet.sh: the server did not start:" >&2; tail -3 "$work/server.log" >&2; exit 1
    fi
    port=$((port + 1))
  done
}
gc_mb() { # gc_mb URL: "heap committed" in MB after the GC's last collection, from the server's own metrics
  local token
  token=$(curl -fs -X POST "$1/api/v1/auth/tokens" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$password\",\"name\":\"gc\"}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  curl -fs -H "Authorization: Bearer $token" "$1/metrics" | awk '
    /^(process_runtime_)?dotnet_gc_(last_collection_)?heap_size/ { heap += $NF }
    /^(process_runtime_)?dotnet_gc_(last_collection_memory_)?committed/ { committed += $NF }
    END { printf "%.0f %.0f", heap / 1048576, committed / 1048576 }'
}

measure_dashboard() { # measure_dashboard DATA PORT AGENTS: prints the dashboard section
  local url="http://127.0.0.1:$2" token repo form
  command -v sqlite3 >/dev/null || { echo "fleet.sh: the dashboard figure needs sqlite3 (apt-get install sqlite3)" >&2; exit 1; }
  token=$(curl -fs -X POST "$url/api/v1/auth/tokens" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$password\",\"name\":\"bench\"}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  api() { curl -fs -X POST "$url$1" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$2" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p'; }
  repo=$(api /api/v1/repositories "{\"name\":\"bench\",\"url\":\"/srv/bench-repo\",\"password\":\"bench-repo-password\"}")
  api /api/v1/plans "{\"name\":\"fleet\",\"repositoryId\":\"$repo\",\"labels\":[\"swarm\"],\"paths\":[\"/srv\"],\"schedule\":\"0 0 * * * ?\",\"timeZone\":\"UTC\"}" >"$work/plan-id"
  # 30 hourly backups per host ending now; the newest failed on every tenth host.
  sqlite3 "$1/restic-manager.db" "
    WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 29)
    INSERT INTO jobs (id, kind, repository_id, plan_id, agent_id, trigger, status, created_at, started_at, finished_at)
    SELECT id || '-' || i, 'backup', '$repo', '$(cat "$work/plan-id")', id, 'schedule',
           CASE WHEN i = 0 AND rowid % 10 = 0 THEN 'failed' ELSE 'succeeded' END, t, t, t
    FROM (SELECT a.id, a.rowid AS rowid, k.i, strftime('%Y-%m-%dT%H:%M:%S.0000000+00:00', 'now', '-' || k.i || ' hours') AS t FROM agents a, k);"
  curl -fs -c "$work/jar" "$url/signin" >"$work/signin.html"
  form=$(sed -n 's/.*name="__RequestVerificationToken" type="hidden" value="\([^"]*\)".*/\1/p' "$work/signin.html")
  curl -fs -b "$work/jar" -c "$work/jar" -o /dev/null "$url/signin" --data-urlencode "username=admin" \
    --data-urlencode "password=$password" --data-urlencode "__RequestVerificationToken=$form"
  echo "## Hosts page over the fleet (goal: <= 300 ms, <= 200 KB)"
  echo
  echo "$3 hosts in one plan, $(sqlite3 "$1/restic-manager.db" "SELECT count(*) FROM jobs") backups of history; the signed-in hosts page (uncompressed), 5 loads each:"
  echo
  for query in "" "?p=2" "?verdict=failing" "?q=swarm-0999"; do
    for _ in 1 2 3 4 5; do
      curl -fs -b "$work/jar" -o "$work/page.html" -w "- \`/$query\`: %{time_total} s, %{size_download} bytes\n" "$url/$query"
    done
  done
  echo "- verdicts of all hosts:$(grep -o 'href="/?verdict=[a-z]*">[0-9]* [a-z ]*<' "$work/page.html" | sed 's/.*">\(.*\)</ \1,/' | tr -d '\n' | sed 's/,$//')"
  echo
  measure_alerts "$url" "$token" "$3"
}

measure_alerts() { # measure_alerts URL TOKEN AGENTS: prints the alerts section
  evaluations() { # "count sum" of the evaluation-duration histogram
    curl -fs -H "Authorization: Bearer $2" "$1/metrics" | awk '/^restic_manager_alerts_evaluation_duration_seconds_(count|sum) / { v[$1] = $2 }
      END { print v["restic_manager_alerts_evaluation_duration_seconds_count"] + 0, v["restic_manager_alerts_evaluation_duration_seconds_sum"] + 0 }'
  }
  firing() { curl -fs -H "Authorization: Bearer $2" "$1/metrics" | awk '/^restic_manager_alerts_firing\{/ { n += $2 } END { print n + 0 }'; }
  local before fired steady rss_before
  read -r -a before <<<"$(evaluations "$1" "$2")"
  rss_before=$(rss_mb "$server_pid")
  curl -fs -X POST "$1/api/v1/alert-rules" -H "Authorization: Bearer $2" -H 'content-type: application/json' \
    -d '{"name":"fleet","events":["backup_failed","backup_overdue","host_offline"],"offlineAfterMinutes":0}' >/dev/null
  local waited=0
  until [ "$(firing "$1" "$2")" -gt 0 ]; do sleep 0.2; waited=$((waited + 1)); [ "$waited" -lt 600 ] || { echo "fleet.sh: no incident fired" >&2; exit 1; }; done
  read -r -a fired <<<"$(evaluations "$1" "$2")"
  sleep 31
  read -r -a steady <<<"$(evaluations "$1" "$2")"
  echo "## Alert evaluation over the fleet (goal: one pass, no per-host loop; cost at 10,000 hosts)"
  echo
  echo "One rule over $3 hosts (backup_failed, backup_overdue, host_offline after 0 min), no channel; evaluated every 5 s:"
  echo
  awk -v c0="${before[0]}" -v s0="${before[1]}" -v c1="${fired[0]}" -v s1="${fired[1]}" -v c2="${steady[0]}" -v s2="${steady[1]}" -v f="$(firing "$1" "$2")" 'BEGIN {
    printf "- first evaluations (incidents fire, %d in all): %d in %.3f s, %.0f ms each\n", f, c1 - c0, s1 - s0, (c1 > c0 ? 1000 * (s1 - s0) / (c1 - c0) : 0)
    printf "- steady state (nothing changes): %d evaluations in %.3f s, %.0f ms each\n", c2 - c1, s2 - s1, (c2 > c1 ? 1000 * (s2 - s1) / (c2 - c1) : 0) }'
  echo "- server RSS: ${rss_before} MB before the rule, $(rss_mb "$server_pid") MB after"
  echo
}

echo "## Connections held (goal: 10,000 held, server RSS <= 1 GiB)"
echo
[ -z "$server_env" ] || echo "Server settings: \`$server_env\`"
echo
echo "| agents | all online after | hello→welcome p99 | server RSS held (+10 s) | RSS +60 s | GC heap / committed (+60 s) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
port=$((20000 + RANDOM % 20000))
for n in $sizes; do
  port=$((port + 1))
  start_server "$work/data-$n"
  "$work/swarm/RestikManager.Swarm" --server "http://127.0.0.1:$port" --agents "$n" --admin-password "$password" \
    --mode hold --hold-seconds 65 --timeout-seconds 600 >"$work/swarm-$n.log" 2>&1 &
  swarm_pid=$!
  wait_for "$work/swarm-$n.log" "HOLDING" 600
  sleep 10
  rss=$(rss_mb "$server_pid")
  sleep 50
  rss_later=$(rss_mb "$server_pid")
  read -r heap committed <<<"$(gc_mb "http://127.0.0.1:$port")"
  wait "$swarm_pid"; swarm_pid=""
  line=$(grep "all $n online" "$work/swarm-$n.log")
  after=$(echo "$line" | sed -n 's/.*online after \([0-9.]*\) s.*/\1/p')
  p99=$(echo "$line" | sed -n 's/.*p99 \([0-9]*\) ms.*/\1/p')
  echo "| $n | ${after} s | ${p99} ms | ${rss} MB | ${rss_later} MB | ${heap} / ${committed} MB |"
  [ "$n" != "${sizes##* }" ] || [ "$dashboard" = no ] || measure_dashboard "$work/data-$n" "$port" "$n" >"$work/dashboard.md"
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
done
echo
[ ! -s "$work/dashboard.md" ] || cat "$work/dashboard.md"
[ -n "$storm" ] || exit 0

echo "## Reconnect storm (goals: all online again <= 60 s, hello→welcome p99 <= 1 s)"
echo
port=$((port + 1))
start_server "$work/data-storm"
"$work/swarm/RestikManager.Swarm" --server "http://127.0.0.1:$port" --agents "$storm" --admin-password "$password" \
  --mode storm --timeout-seconds 900 >"$work/swarm-storm.log" 2>&1 &
swarm_pid=$!
wait_for "$work/swarm-storm.log" "HOLDING" 600
sleep 5
kill -TERM "$server_pid"; wait "$server_pid" || true
start_server "$work/data-storm"
wait_for "$work/swarm-storm.log" "STORM\|TIMEOUT" 300
wait "$swarm_pid" || true; swarm_pid=""
echo "Server stopped (SIGTERM) and started again under $storm connected agents:"
echo
grep "STORM\|TIMEOUT" "$work/swarm-storm.log" | sed 's/^swarm: STORM /- /; s/^swarm: /- /'
echo "- server RSS after recovery: $(rss_mb "$server_pid") MB"
