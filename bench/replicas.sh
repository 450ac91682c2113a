#!/usr/bin/env bash
# Replica figures (docs/benchmarks.md, issue 28): two published servers on one PostgreSQL (a throwaway cluster from
# the machine's binaries, as the postgres user when run as root), simulated agents spread over both by two swarm
# processes (each agent starts on its own replica and moves to the other when a session fails, as a load balancer
# would move it).
#   1. held: --agents in all (default 25,000; each process stays under this machine's 20,000 open files): all online
#      after, hello→welcome p99, RSS per replica;
#   2. failover: --failover agents in all (default 18,000: the survivor must hold all of them under the same limit),
#      then replica A is SIGKILLed: time until every one of its agents is online on B, and how long until B leads.
#
#   bench/replicas.sh [--agents 25000] [--failover 18000] [--server-env "NAME=value …"]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib/watch.sh
. bench/lib/watch.sh

agents=25000
failover=18000
server_env=""
while [ $# -gt 0 ]; do
  case "$1" in
    --agents) agents=${2?}; shift 2 ;;
    --failover) failover=${2?}; shift 2 ;;
    --server-env) server_env=${2?}; shift 2 ;;
    *) echo "replicas.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

bin=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort | tail -1 | xargs -r dirname)
[ -n "$bin" ] || { echo "replicas.sh: PostgreSQL's server is not installed (apt-get install postgresql)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
chmod 0755 "$work"
pids=()
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  as_pg "$bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

bash deploy/publish.sh --out "$work/pub" --targets none --server linux-amd64 >/dev/null
dotnet build -c Release bench/RestikManager.Swarm -o "$work/swarm" --nologo -v quiet >/dev/null
password="replica-benchmark-password"
pg_port=$((20000 + RANDOM % 10000))
mkdir "$work/pg"
if [ "$(id -u)" = 0 ]; then chown postgres "$work/pg"; fi
as_pg "$bin/initdb" -D "$work/pg" -U restic_manager --auth=trust -E UTF8 >/dev/null
as_pg "$bin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
head -c 32 /dev/urandom >"$work/secret.key"
chmod 0600 "$work/secret.key"

declare -A port pid
start_replica() { # start_replica NAME
  port[$1]=$((30000 + RANDOM % 20000))
  mkdir -p "$work/data-$1"
  # shellcheck disable=SC2086 # the settings are words on purpose
  env $server_env RM_DATABASE_URL="Host=127.0.0.1;Port=$pg_port;Database=postgres;Username=restic_manager;Maximum Pool Size=100" \
    RM_SECRET_KEY_FILE="$work/secret.key" RM_LISTEN="127.0.0.1:${port[$1]}" RM_DATA_DIR="$work/data-$1" \
    RM_ADMIN_PASSWORD="$password" RM_BUNDLED_ASSETS_DIR="$work/pub/dist" \
    "$work/pub/server/restic-manager-server" >>"$work/server-$1.log" 2>&1 &
  pid[$1]=$!
  pids+=("${pid[$1]}")
  until curl -fs "http://127.0.0.1:${port[$1]}/health" >/dev/null 2>&1; do
    kill -0 "${pid[$1]}" 2>/dev/null || { echo "replicas.sh: replica $1 did not start:" >&2; tail -3 "$work/server-$1.log" >&2; exit 1; }
    sleep 0.1
  done
}
swarms() { # swarms MODE TOTAL: two swarm processes of TOTAL/2 agents each, over both replicas (enrolled once, by the first phase)
  local half=$(($2 / 2)) urls="http://127.0.0.1:${port[a]},http://127.0.0.1:${port[b]}"
  swarm_pids=()
  for i in 0 1; do
    "$work/swarm/RestikManager.Swarm" --server "$urls" --agents "$half" --first $((i * agents / 2)) --admin-password "$password" \
      --credentials "$work/credentials-$i" \
      --mode "$1" --hold-seconds 15 --timeout-seconds 1200 >"$work/swarm-$1-$i.log" 2>&1 &
    swarm_pids+=($!)
    pids+=($!)
  done
}
worst() { # worst MODE FIELD-REGEX: the larger of the two swarms' figures
  sed -n "s/$2/\\1/p" "$work/swarm-$1-0.log" "$work/swarm-$1-1.log" | sort -g | tail -1
}

[ "$failover" -le "$agents" ] || { echo "replicas.sh: --failover must not exceed --agents (it reuses their enrollment)" >&2; exit 2; }
start_replica a
start_replica b
[ -z "$server_env" ] || echo "Server settings: \`$server_env\`"
echo
echo "## Two replicas held (goal: 25,000+ agents across them)"
echo
clock=$(date +%s)
swarms enroll "$agents"
for p in "${swarm_pids[@]}"; do wait "$p"; done
enrolled_in=$(( $(date +%s) - clock ))
swarms hold "$agents"
wait_for "$work/swarm-hold-0.log" "HOLDING" 1200
wait_for "$work/swarm-hold-1.log" "HOLDING" 1200
sleep 10
echo "- $agents agents, $((agents / 2)) per swarm process; enrolled (through A, both swarms at once) in $enrolled_in s; all online after $(worst hold '.*online after \([0-9.]*\) s.*') s (the slower swarm), hello→welcome p99 $(worst hold '.*p99 \([0-9]*\) ms.*') ms"
echo "- connections per replica: A $(ss -Htn state established "( sport = :${port[a]} )" | wc -l), B $(ss -Htn state established "( sport = :${port[b]} )" | wc -l)"
echo "- RSS held: A $(rss_mb "${pid[a]}") MB, B $(rss_mb "${pid[b]}") MB; PostgreSQL connections: $(psql -X -A -t -h "$work/pg" -p "$pg_port" -U restic_manager -d postgres -c 'SELECT count(*) FROM pg_stat_activity' 2>/dev/null || echo '?')"
for p in "${swarm_pids[@]}"; do wait "$p"; done
echo

echo "## Losing a replica (goal: its agents online on the other <= 30 s)"
echo
sleep 5
swarms storm "$failover"
wait_for "$work/swarm-storm-0.log" "HOLDING" 1200
wait_for "$work/swarm-storm-1.log" "HOLDING" 1200
sleep 5
on_a=$(ss -Htn state established "( sport = :${port[a]} )" | wc -l)
if grep -q " leads: schedules" "$work/server-b.log"; then b_led_before=yes; else b_led_before=no; fi
killed=$(date +%s.%N)
kill -9 "${pid[a]}"
wait_for "$work/swarm-storm-0.log" "STORM" 300
wait_for "$work/swarm-storm-1.log" "STORM" 300
rss_b=$(rss_mb "${pid[b]}")
wait_for "$work/server-b.log" " leads: schedules" 120
led=$(date -d "$(grep -m1 " leads: schedules" "$work/server-b.log" | cut -d' ' -f1)" +%s.%N)
echo "- $failover agents, $on_a of them on A when it was SIGKILLed: all online again (on B) $(worst storm '.*online again \([0-9.]*\) s.*') s after the first drop; hello→welcome p99 during it $(worst storm '.*p99 \([0-9]*\) ms.*') ms"
echo "- B's RSS with all of them: $rss_b MB; $(if [ "$b_led_before" = yes ]; then echo "B led already"; else echo "B led $(awk -v a="$killed" -v b="$led" 'BEGIN { printf "%.1f", b - a }') s after the kill (the time on its log line)"; fi)"
for p in "${swarm_pids[@]}"; do kill "$p" 2>/dev/null || true; done
