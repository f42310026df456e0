#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for N seconds (default 60), seeded
# from the captured upstream traffic and the golden requests in tests/data. A crash leaves its
# input in <build>/fuzz-findings/<target>/; add it to tests/fuzz/regressions/<target>/ with the
# fix (run.sh replays those first).
#   tests/fuzz/run.sh [seconds] [target...]
set -euo pipefail
secs=${1:-60}
shift || true
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${AIRELAYS_FUZZ_BUILD_DIR:-$src/build-fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_sse fuzz_chat_request fuzz_chat_stream fuzz_reconstruct fuzz_jwt fuzz_config)
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 77
fi
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DAIRELAYS_BUILD_FUZZERS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" -j2 "${targets[@]}"

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
    *) cp "$src"/tests/data/sample_sse_*.txt "$d/" ;;
  esac
  echo "$d"
}

status=0
for t in "${targets[@]}"; do
  corpus=$(seed_dir "$t")
  findings="$build/fuzz-findings/$t"
  mkdir -p "$findings"
  regress="$src/tests/fuzz/regressions/$t"
  if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
    "$build/tests/fuzz/$t" "$regress"/* >/dev/null 2>&1 || { echo "fuzz: $t fails a regression input" >&2; status=1; }
  fi
  echo "== $t for ${secs}s"
  log="$build/fuzz-$t.log"
  if "$build/tests/fuzz/$t" -max_total_time="$secs" -max_len=16384 -timeout=10 \
      -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^Done" "$log" || true
  else
    tail -40 "$log"
    echo "fuzz: $t found a problem; input saved in $findings/" >&2
    status=1
  fi
done
exit $status
