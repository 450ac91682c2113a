#!/usr/bin/env bash
# The test suite's cost in CPU-seconds, process by process (docs/benchmarks.md, "Test suite"): runs the suite on a
# fresh clone of HEAD (as CI does) while sampling every process's CPU time from /proc, and prints a table by kind of
# process plus the machine's busy and idle CPU-seconds from /proc/stat. CPU-seconds are steadier than wall time here.
#
#   bench/suite-cpu.sh [-- COMMAND…]     (default: bash .ci/run in a fresh clone)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "${1:-}" = "--" ]; then
  shift
  command=("$@")
  dir=$repo
else
  git clone -q "$repo" "$work/clone"
  command=(bash .ci/run)
  dir=$work/clone
fi
cd "$dir"
CI=true exec /usr/bin/python3 "$repo/bench/suite_cpu.py" "${command[@]}"
