#!/usr/bin/env bash
# Median wall time of the CLI's quick commands: `airelays --version` and `status --json` with
# file storage, in an isolated HOME after `init` (so status reads a real config and token).
# Target: under 10 ms each. Uses hyperfine when installed, else a timed loop.
#
#   tests/bench/cli_bench.sh [path/to/airelays] [runs]
set -euo pipefail

bin=${1:-${AIRELAYS_BIN:-build/airelays}}
runs=${2:-50}
[[ -x $bin ]] || { echo "cli_bench: no airelays binary at $bin" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME=$home XDG_CONFIG_HOME=$home/.config NO_COLOR=1 AIRELAYS_AUTH_STORAGE=file
export AIRELAYS_PORT=1 # nothing answers: status's probe fails at once, as with no relay running
unset DBUS_SESSION_BUS_ADDRESS AIRELAYS_BEARER_TOKEN AIRELAYS_CONFIG
"$bin" init >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }

# Median wall ms of running "$@" $runs times.
median_loop() {
  local t0 t1
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo "$(((t1 - t0) / 1000))"
  done | median | awk '{printf "%.2f", $1 / 1000}'
}

# Median CPU ms (user + sys) per run: unlike wall time, not inflated by a busy machine.
median_cpu() {
  local TIMEFORMAT='%3U %3S'
  for ((i = 0; i < runs; i++)); do
    { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{printf "%.0f\n", ($1 + $2) * 1000}'
  done | median
}

median_hyperfine() {
  local json
  json=$(mktemp)
  hyperfine -N --warmup 3 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1
  python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$json"
  rm -f "$json"
}

if command -v hyperfine >/dev/null && command -v python3 >/dev/null; then
  tool=hyperfine
  measure() { median_hyperfine "$@"; }
else
  tool="shell loop"
  measure() { median_loop "$@"; }
fi

printf 'airelays CLI latency (%s, %d runs, median)\n' "$tool" "$runs"
printf '%-40s %14s %14s\n' command "wall ms" "cpu ms"
for args in "--version" "status --json"; do
  # shellcheck disable=SC2086 # args are words on purpose
  printf '%-40s %14s %14s\n' "airelays $args" "$(measure "$bin" $args)" "$(median_cpu "$bin" $args)"
done
echo "(status --json with [auth] storage = file; load average: $(cut -d' ' -f1 /proc/loadavg))"
