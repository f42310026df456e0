#!/usr/bin/env bash
# Builds tests/bench/body_stages.cpp against a build directory's libraries and prints, per
# generation route, the heap a 7.5 MB body of tiny items holds at each step (issue 14, item 4).
# Usage: bash tests/bench/body_stages.sh [build-dir] [body-bytes]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$here/build-dev}"
bytes="${2:-7500000}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
g++ -std=c++20 -O1 -I"$here/include/core" -I"$here/include/io" -I"$here/include/services" \
  "$here/tests/bench/body_stages.cpp" "$build/libairelays_services.a" "$build/libairelays_io.a" \
  "$build/libairelays_core.a" $(pkg-config --libs tomlplusplus libsecret-1 openssl) -ldl -lpthread \
  -o "$out/body_stages"
for route in responses chat messages; do
  "$out/body_stages" "$route" "$bytes"
done
