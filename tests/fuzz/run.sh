#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for N seconds (default 60), seeded
# from the captured upstream traffic, the golden requests in tests/data and hand-made uploads.
# Each target first replays tests/fuzz/regressions/<target>/ (one input per bug fixed), then
# fuzzes. Output: one line per target (runs, execs/s, result); a finding prints its input
# (kept in <build>/fuzz-findings/<target>/), the command that reproduces it and the report's
# first lines (the whole log is <build>/fuzz-<target>.log). Exit 1 on any finding or failing
# regression input, 77 when clang or its libFuzzer runtime is missing. Add the input to
# tests/fuzz/regressions/<target>/ with the fix.
#   tests/fuzz/run.sh [seconds] [target...]
set -euo pipefail
secs=${1:-60}
shift || true
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${AIRELAYS_FUZZ_BUILD_DIR:-$src/build-fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
  targets=(fuzz_sse fuzz_chat_request fuzz_chat_stream fuzz_reconstruct fuzz_jwt fuzz_config fuzz_multipart)
if ! command -v clang++ >/dev/null ||
  [ ! -f "$(clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ]; then
  echo "fuzz: clang++ or its libFuzzer runtime not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 77
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
build_log="$build/fuzz-build.log"
mkdir -p "$build"
start=$SECONDS
if ! { cmake -S "$src" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DAIRELAYS_BUILD_FUZZERS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" && ninja -C "$build" -j"$(nproc)" "${targets[@]}"; } \
  >"$build_log" 2>&1; then
  tail -30 "$build_log"
  echo "fuzz: the build failed (log: $build_log)" >&2
  exit 1
fi
echo "fuzz: built ${#targets[@]} targets in $((SECONDS - start)) s; ${secs} s each"

seed_dir() { # the corpus each target starts from
  local t=$1 d="$build/fuzz-corpus/$t"
  mkdir -p "$d"
  case $t in
    fuzz_sse) for f in "$src"/tests/data/sample_sse_*.txt; do printf '\x03\x05' | cat - "$f" >"$d/$(basename "$f")"; done ;;
    fuzz_chat_request) cp "$src"/tests/data/codex_responses_*.json "$d/"
      for f in "$src"/tests/data/chat_*.json "$src"/tests/data/completions_*.json; do
        python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["request"]))' "$f" >"$d/$(basename "$f")"
      done ;;
    fuzz_chat_stream) cp "$src"/tests/data/sample_sse_*.txt "$d/"
      printf '\x01\x00\x02\x03\x83\x04\x06' >"$d/structured_tool"
      printf '\x01\x00\x01\x11\x05\x15\x07' >"$d/structured_text" ;;
    fuzz_jwt) python3 - "$d" <<'PY'
import base64, json, sys
b = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
claims = {"exp": 1795400000, "email": "a@example.com",
          "https://api.openai.com/auth": {"chatgpt_account_id": "acct", "chatgpt_plan_type": "plus"}}
open(sys.argv[1] + "/token", "w").write(b({"alg": "none"}) + "." + b(claims) + ".c2ln")
open(sys.argv[1] + "/payload", "w").write(b(claims))
PY
      ;;
    fuzz_config) cp "$src"/config.example.toml "$d/"
      printf '[server]\nport = 8080\x00%s' 9000 >"$d/port_env" ;;
    fuzz_multipart) python3 "$src/tests/fuzz/multipart_seeds.py" "$d" ;;
    *) cp "$src"/tests/data/sample_sse_*.txt "$d/" ;;
  esac
  echo "$d"
}

stat_of() { grep -m1 "^stat::$1:" "$2" | awk '{print $2}'; }

# Prints the finding: its input, how to reproduce it, the first lines of the report.
report_finding() {
  local t=$1 log=$2 input=$3
  echo "  input:     $input"
  echo "  reproduce: $build/tests/fuzz/$t $input"
  grep -m6 -E "ERROR: |SUMMARY: |runtime error|invariant broken|ALARM|Test unit written" "$log" |
    sed 's/^/  /' || true
  echo "  log:       $log"
}

status=0
for t in "${targets[@]}"; do
  corpus=$(seed_dir "$t")
  findings="$build/fuzz-findings/$t"
  mkdir -p "$findings"
  log="$build/fuzz-$t.log"
  regress="$src/tests/fuzz/regressions/$t"
  failed=""
  if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
    for input in "$regress"/*; do
      if ! "$build/tests/fuzz/$t" "$input" >"$log" 2>&1; then
        printf '%-18s FAILED a regression input\n' "$t"
        report_finding "$t" "$log" "$input"
        failed=1 status=1
        break
      fi
    done
  fi
  [ -z "$failed" ] || continue
  if "$build/tests/fuzz/$t" -max_total_time="$secs" -max_len=16384 -timeout=10 \
      -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    printf '%-18s ok      %10s runs %8s execs/s %5s s\n' "$t" "$(stat_of number_of_executed_units "$log")" \
      "$(stat_of average_exec_per_sec "$log")" "$secs"
  else
    printf '%-18s FOUND a problem after %s runs\n' "$t" "$(stat_of number_of_executed_units "$log" || echo '?')"
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    report_finding "$t" "$log" "${input:-(no input written; see the log)}"
    status=1
  fi
done
exit $status
