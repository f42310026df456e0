#!/usr/bin/env bash
# Every figure of issue 18's target table in one run, each beside its target: runs the relay
# bench (relay against direct, same run), the resource bench and the CLI bench, which each
# print their own detailed table, then prints the target table from the rows they recorded.
# Wall-clock figures depend on the machine's load: the load average is printed with each row.
#
#   tests/bench/targets.sh [build-dir] [requests=400] [seconds=5]
# Binaries: $AIRELAYS_BIN and $FAKE_UPSTREAM_BIN, else <build-dir>/airelays and
# <build-dir>/tests/fake_upstream (build-dir default: ./build). wrk and hyperfine are used
# when installed (apt install wrk hyperfine).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
export AIRELAYS_BIN=${AIRELAYS_BIN:-$build/airelays}
export FAKE_UPSTREAM_BIN=${FAKE_UPSTREAM_BIN:-$build/tests/fake_upstream}
for b in "$AIRELAYS_BIN" "$FAKE_UPSTREAM_BIN"; do
  [[ -x $b ]] || { echo "targets: no binary at $b" >&2; exit 1; }
done
results=$(mktemp)
trap 'rm -f "$results"' EXIT
export BENCH_RESULTS=$results

echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== relay against direct (tests/bench/relay_bench.mjs)"
node "$here/relay_bench.mjs" "${2:-400}" "${3:-5}"
echo
echo "== resources (tests/bench/resource_bench.sh)"
"$here/resource_bench.sh" || echo "(resource bench: a stream of the 256 did not complete)"
echo
echo "== CLI (tests/bench/cli_bench.sh)"
"$here/cli_bench.sh" "$AIRELAYS_BIN"
echo
echo "== issue 18 targets"
node - "$results" <<'JS'
const fs = require('node:fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const w = [Math.max(6, ...rows.map((r) => r.figure.length)), Math.max(8, ...rows.map((r) => r.value.length)), Math.max(6, ...rows.map((r) => r.target.length))];
const line = (c) => console.log(`| ${c[0].padEnd(w[0])} | ${c[1].padEnd(w[1])} | ${c[2].padEnd(w[2])} | ${c[3].padEnd(4)} | ${c[4]}`);
line(['figure', 'measured', 'target', 'met', 'load']);
for (const r of rows) line([r.figure, r.value, r.target, r.ok ? 'yes' : 'no', r.load]);
JS
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
