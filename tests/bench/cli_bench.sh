#!/usr/bin/env bash
# Median wall time of the CLI's quick commands: `airelays --version`, `status --json` and
# `token show` with file storage, in an isolated HOME after `init` (so status reads a real
# config and token). Targets (issue 18): --version <= 3 ms, the others <= 5 ms. Uses hyperfine
# when installed, else a timed loop. Beside each: the CPU time, and two counts a busy machine
# does not change: the shared objects the dynamic loader opened (LD_DEBUG=files) and the page
# faults (/usr/bin/time). With BENCH_RESULTS=FILE, the rows of issue 18's target table are
# appended to FILE as JSON lines (see targets.sh).
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
  hyperfine -N --warmup 20 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1
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

# Shared objects the dynamic loader opened for one run (the binary's own libraries and any
# dlopen()ed later).
libraries() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -c 'file=.*\(needed\|dynamically loaded\) by'; }

# Minor page faults of one run.
faults() {
  if [[ -x /usr/bin/time ]]; then /usr/bin/time -f %R "$@" 2>&1 >/dev/null | tail -1; else echo -; fi
}

load=$(cut -d' ' -f1 /proc/loadavg)
printf 'airelays CLI latency (%s, %d runs, median; load average %s)\n' "$tool" "$runs" "$load"
printf '%-28s %9s %9s %7s %12s %8s\n' command "wall ms" "cpu ms" target "shared objs" faults
for args in "--version" "status --json" "token show"; do
  target=5
  [[ $args == --version ]] && target=3
  # shellcheck disable=SC2086 # args are words on purpose
  wall=$(measure "$bin" $args)
  # shellcheck disable=SC2086
  printf '%-28s %9s %9s %7s %12s %8s\n' "airelays $args" "$wall" "$(median_cpu "$bin" $args)" "<= $target" \
    "$(libraries "$bin" $args)" "$(faults "$bin" $args)"
  if [[ -n ${BENCH_RESULTS:-} ]]; then
    ok=$(awk -v w="$wall" -v t="$target" 'BEGIN { print (w <= t) ? "true" : "false" }')
    printf '{"figure":"`airelays %s` wall","value":"%s ms","target":"<= %s ms","ok":%s,"load":"%s"}\n' \
      "$args" "$wall" "$target" "$ok" "$(cut -d' ' -f1 /proc/loadavg)" >>"$BENCH_RESULTS"
  fi
done
echo "(status --json with [auth] storage = file, no relay answering; load average: $(cut -d' ' -f1 /proc/loadavg))"
