# shellcheck shell=bash
# Sourced by the benchmarks that watch processes: a process's resident memory, and a wait for a line in a log.
#   rss_mb PID                      resident set size in MB
#   wait_for FILE PATTERN SECONDS   until grep finds PATTERN in FILE; past SECONDS, the file's tail and exit 1

rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

wait_for() {
  local waited=0
  until grep -q "$2" "$1"; do
    sleep 0.5; waited=$((waited + 1))
    if [ "$waited" -gt $(( $3 * 2 )) ]; then echo "$(basename "$0"): timed out waiting for '$2' in $1" >&2; tail -5 "$1" >&2; exit 1; fi
  done
}
