#!/usr/bin/env bash
# Installs everything, builds, and runs every test (the README's test command; CI runs it).
# Stages print their start time; the main ctest summary is the last line.
#   AIRELAYS_CI_SANITIZERS=fatal|advisory|skip  ASan+UBSan stage (default advisory: reported)
#   AIRELAYS_CI_DEB=fatal|advisory|skip         .deb build/install stage (default advisory)
#   AIRELAYS_CI_BUDGET=SECONDS                  advisory stages are skipped once the run has
#                                               used this much time (default 1500)
set -euo pipefail
cd "$(dirname "$0")/.."
stage() { printf '\n=== %s (%ss elapsed)\n' "$1" "$SECONDS"; }
budget=${AIRELAYS_CI_BUDGET:-1500}
san_mode=${AIRELAYS_CI_SANITIZERS:-advisory}
deb_mode=${AIRELAYS_CI_DEB:-advisory}

stage "install dependencies"
bash scripts/deps.sh --test
if [ -f tests/e2e/js/package.json ]; then
  stage "install node test packages"
  (cd tests/e2e/js && npm ci --no-audit --no-fund --loglevel=error)
fi
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

stage "configure and build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" "${launcher[@]}"
cmake --build build -j"$(nproc)"

# ASan+UBSan: the unit and C++ end-to-end tests (children inherit ASAN_OPTIONS; a report any of
# them writes under build-asan/sanitizer-logs fails the stage even when the test passed).
san_status=0
if [ "$san_mode" != skip ] && [ "$SECONDS" -lt "$budget" ]; then
  stage "sanitizers: configure and build (ASan+UBSan)"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
    -DAIRELAYS_SANITIZE=address "${launcher[@]}"
  cmake --build build-asan -j"$(nproc)" --target airelays fake_upstream unit_tests e2e_tests
  stage "sanitizers: unit and e2e tests under ASan+UBSan"
  san_logs="$PWD/build-asan/sanitizer-logs"
  lsan_supp="$PWD/tests/sanitizers/lsan.supp"
  rm -rf "$san_logs" && mkdir -p "$san_logs"
  (cd build-asan &&
    ASAN_OPTIONS="log_path=$san_logs/asan:detect_leaks=1:abort_on_error=0" \
    LSAN_OPTIONS="suppressions=$lsan_supp:print_suppressions=0" \
    UBSAN_OPTIONS="log_path=$san_logs/ubsan:print_stacktrace=1:halt_on_error=1" \
    timeout 1200 ctest -R '^(unit|e2e):' --output-on-failure -j2 --timeout 180) || san_status=1
  if compgen -G "$san_logs/*" >/dev/null; then
    echo "sanitizer reports:"; head -n 60 "$san_logs"/*; san_status=1
  fi
  if [ "$san_status" = 0 ]; then echo "sanitizers: clean"; else echo "sanitizers: FAILED ($san_mode)"; fi
else
  echo "sanitizers: skipped (mode $san_mode, ${SECONDS}s used of a ${budget}s budget)"
fi

# The Debian package: built with the tests skipped inside (they run below), checked with
# lintian, installed with apt, used (--version, a completion, man), removed.
deb_status=0
if [ "$deb_mode" != skip ] && [ "$SECONDS" -lt "$budget" ]; then
  stage "debian package: build, lintian, install, run, remove"
  AIRELAYS_TEST_DEB=1 AIRELAYS_BUILD_DIR="$PWD/build-debpkg" bash tests/scripts/test_deb.sh || deb_status=1
  if [ "$deb_status" = 0 ]; then echo "debian package: ok"; else echo "debian package: FAILED ($deb_mode)"; fi
else
  echo "debian package: skipped (mode $deb_mode, ${SECONDS}s used of a ${budget}s budget)"
fi

stage "test"
if [ "$san_status" != 0 ] && [ "$san_mode" = fatal ]; then exit 1; fi
if [ "$deb_status" != 0 ] && [ "$deb_mode" = fatal ]; then exit 1; fi
cd build
ctest --output-on-failure -j2 --timeout 600
