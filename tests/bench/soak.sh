#!/usr/bin/env bash
# Bounded soak of `airelays serve` against the fake upstream: a steady rate of mixed streamed and
# non-streamed chat requests; fails when any request errs or the relay's RSS drifts more than
# 10% between the start and the end. Default 10 minutes; CI runs `--seconds 60`
# (tests/scripts/soak_ci.sh).
#   tests/bench/soak.sh [--seconds N] [--rate REQ_PER_S] [--max-drift FRACTION]
# Binaries: $AIRELAYS_BIN and $FAKE_UPSTREAM_BIN, else $AIRELAYS_BUILD_DIR (default ./build).
set -euo pipefail
exec node "$(dirname "$0")/soak.mjs" "$@"
