#!/usr/bin/env bash
# The source tree stands alone: no file of the project points outside it (a user's clone has
# nothing beside it). Captured fixtures the tests use are copied into tests/data/ instead
# (see tests/data/README.md). Fails on any reference to the shared folder beside the checkout
# (dot-dot, slash, "shared") or to a /work/ checkout.
# Env: AIRELAYS_SOURCE_DIR (set by ctest).
set -euo pipefail
src=${AIRELAYS_SOURCE_DIR:?AIRELAYS_SOURCE_DIR not set}
cd "$src"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "SKIP: not a git checkout"
  exit 77
fi
self=tests/scripts/test_self_contained.sh
hits=$(git grep -nE '\.\./(\.\./)*shared\b|/work/(shared|main|wt)\b' -- . ":(exclude)$self" || true)
if [[ -n "$hits" ]]; then
  echo "FAIL: files refer to paths outside the repository:"
  echo "$hits"
  exit 1
fi
echo "ok: no file refers to the shared folder beside the checkout or another checkout"
