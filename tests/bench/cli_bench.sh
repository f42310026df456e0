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

# Median in ms of running "$@" $runs times.
median_loop() {
  local times=() t0 t1
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'
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
printf '%-36s %10s\n' command "median ms"
printf '%-36s %10s\n' "airelays --version" "$(measure "$bin" --version)"
printf '%-36s %10s\n' "airelays status --json (file storage)" "$(measure "$bin" status --json)"
