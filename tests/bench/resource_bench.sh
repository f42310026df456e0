#!/usr/bin/env bash
# Resource figures of `airelays serve` against the fake upstream on loopback: cold start to the
# first /healthz 200, idle RSS, RSS and CPU per request under load, RSS with 256 concurrent
# streams, `status --json` wall time. Prints a table (see docs/benchmarks.md).
# Binaries: $AIRELAYS_BIN and $FAKE_UPSTREAM_BIN, else $AIRELAYS_BUILD_DIR (default ./build).
set -euo pipefail
export FAKE_UPSTREAM_THREADS="${FAKE_UPSTREAM_THREADS:-320}" # the fake serves all 256 streams at once
exec node "$(dirname "$0")/resource_bench.mjs" "$@"
