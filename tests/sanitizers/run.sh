#!/usr/bin/env bash
# One command for a sanitizer run, for CI (scripts/test.sh) and humans alike: configures and
# builds the relay, the fake upstream and the test programs with the chosen sanitizer, runs the
# unit and C++ end-to-end tests under it, and prints "sanitizers (<kind>): clean" or the
# reports. Children (the relay binary, the fake) inherit the options, so a report written by a
# process a test started fails the run even when that test passed.
#   tests/sanitizers/run.sh [address|thread]     address = ASan+UBSan (default), thread = TSan
# Environment:
#   AIRELAYS_SAN_BUILD_DIR  build directory (default build-asan / build-tsan in the source tree)
#   AIRELAYS_SAN_JOBS       build parallelism (default nproc)
#   AIRELAYS_SAN_TIMEOUT    seconds for the whole ctest run (default 1200)
#   AIRELAYS_SAN_TESTS      ctest -R regex (default '^(unit|e2e):')
# Exit status: 0 clean, 1 a test failed or a sanitizer reported, 2 usage or build error.
set -euo pipefail
kind=${1:-address}
src=$(cd "$(dirname "$0")/../.." && pwd)
case "$kind" in
  address) default_dir=build-asan ;;
  thread) default_dir=build-tsan ;;
  *) echo "usage: $0 [address|thread]" >&2; exit 2 ;;
esac
build=${AIRELAYS_SAN_BUILD_DIR:-$src/$default_dir}
jobs=${AIRELAYS_SAN_JOBS:-$(nproc)}
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

start=$SECONDS
echo "sanitizers ($kind): configure and build in $build"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DAIRELAYS_SANITIZE="$kind" "${launcher[@]}" >/dev/null || exit 2
cmake --build "$build" -j"$jobs" --target airelays fake_upstream unit_tests e2e_tests || exit 2
built=$SECONDS
echo "sanitizers ($kind): built in $((built - start))s; running the tests"

logs="$build/sanitizer-logs"
rm -rf "$logs" && mkdir -p "$logs"
supp="$src/tests/sanitizers"
if [ "$kind" = address ]; then
  export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:abort_on_error=0"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
else
  export TSAN_OPTIONS="log_path=$logs/tsan:halt_on_error=0:second_deadlock_stack=1:suppressions=$supp/tsan.supp:print_suppressions=0"
fi

status=0
(cd "$build" && timeout "${AIRELAYS_SAN_TIMEOUT:-1200}" \
  ctest -R "${AIRELAYS_SAN_TESTS:-^(unit|e2e):}" --output-on-failure -j2 --timeout 180) || status=1
echo "sanitizers ($kind): tests ran in $((SECONDS - built))s"
if compgen -G "$logs/*" >/dev/null; then
  echo "sanitizers ($kind): $(ls "$logs" | wc -l) report file(s) in $logs:"
  for f in "$logs"/*; do echo "--- $f"; head -n 60 "$f"; done
  status=1
fi
if [ "$status" = 0 ]; then
  echo "sanitizers ($kind): clean"
else
  echo "sanitizers ($kind): FAILED"
fi
exit "$status"
