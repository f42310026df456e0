#!/usr/bin/env bash
# Installs everything, builds, and runs every test (the README's test command; CI runs it).
#
# Stages run cheapest-to-fail and most important first: dependencies, the main build, the
# Debian package (fatal), the sanitizer stage, the fuzzers (fatal), then the main ctest LAST.
# Just before ctest's summary line, which is the last line of a passing run, a table gives
# each stage's seconds.
#
# The main build uses the package build's own compiler and linker flags
# (packaging/deb-buildflags.sh: dpkg-buildflags, hardening, build type None). So the tests
# run against the binary the .deb ships, and the .deb stage's dpkg-buildpackage finds every
# object in ccache (CCACHE_BASEDIR/CCACHE_NOHASHDIR: paths do not matter; build/ sits one level
# under the sources like the package's obj-<triplet>/, so the relative paths agree) and links.
#
#   AIRELAYS_CI_SANITIZERS=fatal|advisory|skip  ASan+UBSan stage (default advisory: reported)
#   AIRELAYS_CI_BUDGET=SECONDS                  the advisory sanitizer stage is skipped once the
#                                               run has used this much time (default 1500)
#   AIRELAYS_CI_DEB=fatal|advisory|skip         .deb build/lintian/install stage (default fatal;
#                                               it skips itself, exit 77, when not run as root)
#   AIRELAYS_CI_FUZZ_SECONDS=N                  the fuzz stage runs each libFuzzer target N s
#                                               (default 30); a finding fails the run
#   AIRELAYS_CI_FUZZ_BUDGET=SECONDS             the fuzz stage (a clang build, ~3.5 min cold, then
#                                               the runs) is skipped once the run has used this
#                                               much time (default 1950; 0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${AIRELAYS_CI_BUDGET:-1500}
san_mode=${AIRELAYS_CI_SANITIZERS:-advisory}
deb_mode=${AIRELAYS_CI_DEB:-fatal}

# --- stage timing ---------------------------------------------------------------------------
timings=()
current="" current_start=0
stage() {
  end_stage
  current=$1 current_start=$SECONDS
  printf '\n=== %s (%ss elapsed)\n' "$1" "$SECONDS"
}
end_stage() {
  if [ -n "$current" ]; then timings+=("$current|$((SECONDS - current_start))"); fi
  current=""
}
note() { end_stage; timings+=("$1|-"); } # a stage that did not run, with the reason
print_timings() {
  end_stage
  printf '\n=== stage timings\n'
  local row
  for row in "${timings[@]}"; do printf '  %-52s %6s s\n' "${row%%|*}" "${row##*|}"; done
  printf '  %-52s %6s s\n' "total" "$SECONDS"
}

stage "install dependencies"
bash scripts/deps.sh --test
if [ -f tests/e2e/js/package.json ]; then
  stage "install node test packages"
  (cd tests/e2e/js && npm ci --no-audit --no-fund --loglevel=error)
fi
# Formatting: every C++ source as .clang-format says (clang-format 14, Debian 12's). A
# difference fails the run here, in seconds; `cmake --build build --target format` fixes it.
stage "formatting (clang-format --dry-run -Werror)"
bash scripts/check_format.sh

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi

stage "configure and build"
mapfile -t build_flags < <(bash packaging/deb-buildflags.sh)
if [ "${#build_flags[@]}" = 0 ]; then # no dpkg-buildflags: plain optimized build
  build_flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG")
fi
# The product builds with -Werror (AIRELAYS_WERROR); the tests keep plain warnings.
cmake -S . -B build -G Ninja "${build_flags[@]}" "${launcher[@]}" -DAIRELAYS_WERROR=ON
cmake --build build -j"$(nproc)"

# The Debian package: built with the tests skipped inside (they run below), checked with
# lintian, installed with apt, used (--version, a completion, man), removed.
if [ "$deb_mode" != skip ]; then
  stage "debian package: build, lintian, install, run, remove"
  deb_status=0
  AIRELAYS_TEST_DEB=1 AIRELAYS_BUILD_DIR="$PWD/build-debpkg" AIRELAYS_DEB_CMAKE_EXTRA=-DAIRELAYS_WERROR=ON \
    bash tests/scripts/test_deb.sh || deb_status=$?
  if [ "$deb_status" = 0 ]; then
    echo "debian package: ok"
  elif [ "$deb_status" = 77 ]; then
    echo "debian package: skipped by the check itself (see the SKIP line above)"
  else
    echo "debian package: FAILED ($deb_mode)"
    if [ "$deb_mode" = fatal ]; then
      print_timings
      echo "FAILED: the debian package stage (log: build-debpkg/deb.log)"
      exit 1
    fi
  fi
else
  echo "debian package: skipped (AIRELAYS_CI_DEB=skip)"
  note "debian package: skipped (AIRELAYS_CI_DEB=skip)"
fi

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
  note "sanitizers: skipped (mode $san_mode)"
fi
if [ "$san_status" != 0 ] && [ "$san_mode" = fatal ]; then
  print_timings
  echo "FAILED: the sanitizer stage"
  exit 1
fi

# Fuzzing: tests/fuzz/run.sh builds the libFuzzer targets with clang, replays each target's
# regression inputs, then runs each for a while; one line per target, fatal on any finding.
fuzz_secs=${AIRELAYS_CI_FUZZ_SECONDS:-30}
fuzz_budget=${AIRELAYS_CI_FUZZ_BUDGET:-1950}
if [ "$SECONDS" -lt "$fuzz_budget" ]; then
  stage "fuzz: build, regression inputs, each target ${fuzz_secs}s"
  fuzz_status=0
  bash tests/fuzz/run.sh "$fuzz_secs" || fuzz_status=$?
  if [ "$fuzz_status" = 77 ]; then
    echo "fuzz: skipped (no clang++ or libclang-rt-14-dev)"
    note "fuzz: skipped (no clang)"
  elif [ "$fuzz_status" != 0 ]; then
    print_timings
    echo "FAILED: the fuzz stage (the finding and its reproducer are above)"
    exit 1
  fi
else
  echo "fuzz: skipped (${SECONDS}s used of a ${fuzz_budget}s budget)"
  note "fuzz: skipped (time budget spent)"
fi

# The main ctest, last. Its summary line is held back and printed after the timing table, so
# a passing run ends with "100% tests passed, 0 tests failed out of N".
stage "test (ctest)"
ctest_log="$PWD/build/ctest-output.log"
summary_re='^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+$'
set +e
(cd build && ctest --output-on-failure -j2 --timeout 600) 2>&1 | tee "$ctest_log" |
  grep --line-buffered -vE "$summary_re|^Total Test time \(real\)"
ctest_status=${PIPESTATUS[0]}
set -e
grep -E '^Total Test time \(real\)' "$ctest_log" || true
print_timings
summary=$(grep -E "$summary_re" "$ctest_log" | tail -n 1 || true)
echo "${summary:-ctest printed no summary line (exit status $ctest_status)}"
exit "$ctest_status"
