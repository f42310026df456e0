#!/usr/bin/env bash
# The CI form of the soak (tests/bench/soak.sh): 60 seconds of mixed streamed and non-streamed
# requests; 0 errors and RSS flat within 10%, or the test fails. Skipped without node.
set -euo pipefail
command -v node >/dev/null || { echo "node not installed: soak skipped"; exit 77; }
export FAKE_UPSTREAM_BIN="${FAKE_UPSTREAM_BIN:-$AIRELAYS_BUILD_DIR/tests/fake_upstream}"
exec bash "$AIRELAYS_SOURCE_DIR/tests/bench/soak.sh" --seconds 60
