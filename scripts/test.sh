#!/usr/bin/env bash
# Installs everything, builds, and runs every test (the README's test command; CI runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
stage() { printf '\n=== %s (%ss elapsed)\n' "$1" "$SECONDS"; }
stage "install dependencies"
bash scripts/deps.sh --test
if [ -f tests/e2e/js/package.json ]; then
  stage "install node test packages"
  (cd tests/e2e/js && npm ci --no-audit --no-fund --loglevel=error)
fi
stage "configure and build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
stage "test"
cd build
ctest --output-on-failure -j2 --timeout 600
