#!/usr/bin/env bash
# README.md's quick start, followed literally, reaches a running relay that answers /v1/models.
#
# A newcomer copies two blocks from README.md: the quick-start line (deps, build, token-or-init,
# serve) and the "another terminal" lines (login, two exports, curl). This test extracts both
# blocks from README.md, checks they are the commands pinned below (so the README cannot change
# without this test), and runs them as written:
#   - in a copy of the source tree (tracked and new files only; nothing beside it, so a
#     reference to a directory beside the checkout or to a build dir breaks it), never touching
#     the caller's build/;
#   - with a throw-away HOME (no config, no token, no login: the first run of a new user);
#   - in a private network namespace (`unshare -n`, loopback up), so the README's fixed port
#     8080 cannot collide with anything else on the machine;
#   - against the fake upstream (AIRELAYS_UPSTREAM_BASE_URL / AIRELAYS_ISSUER_BASE_URL): the
#     README's `build/airelays login` runs the device flow there (no display), as on an SSH box.
# The quick-start line starts `serve` in the background; the test waits for its "listening on"
# line, runs the other block in a fresh shell and requires a 200 with a model list.
#
# Cost: the quick-start line builds the relay without tests (about 70 compiles). ccache is
# used when installed (CMAKE_CXX_COMPILER_LAUNCHER from the environment, the caller's cache,
# CCACHE_BASEDIR = the copy), so a warm cache makes the build ~15 s and the whole test ~25 s;
# a cold cache costs one Release build of the product (~4 min on 2 busy cores).
# Env: AIRELAYS_SOURCE_DIR, AIRELAYS_BUILD_DIR (set by ctest; the fake upstream is taken from
# the build dir). Exit 77 (skip) when a network namespace cannot be made (not root).
set -euo pipefail

src=${AIRELAYS_SOURCE_DIR:?AIRELAYS_SOURCE_DIR not set}
fake_bin=${FAKE_UPSTREAM_BIN:-${AIRELAYS_BUILD_DIR:?AIRELAYS_BUILD_DIR not set}/tests/fake_upstream}

# The commands README.md must hold, word for word. Change them together with README.md.
expected_quick='bash scripts/deps.sh && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIRELAYS_BUILD_TESTS=OFF && cmake --build build && { build/airelays token show >/dev/null 2>&1 || build/airelays init; } && build/airelays serve'
expected_other='build/airelays login            # or: build/airelays login --device   (SSH / no browser)
export OPENAI_BASE_URL=http://127.0.0.1:8080/v1
export OPENAI_API_KEY=$(build/airelays token show --raw)
curl -s $OPENAI_BASE_URL/models -H "Authorization: Bearer $OPENAI_API_KEY"'
expected_install='bash packaging/build-deb.sh && apt-get install -y ./build-deb/airelays_*.deb'

# sh_block N: the Nth ```sh block of README.md after the "## Quick start" heading.
sh_block() {
  awk -v want="$1" '
    /^## Quick start/ { on = 1 }
    on && /^ *```sh$/ { n++; if (n == want) { grab = 1; next } }
    grab && /^ *```$/ { exit }
    grab { sub(/^  /, ""); print }' "$src/README.md"
}
quick=$(sh_block 1)
other=$(sh_block 2)
install=$(sh_block 3)
status=0
[[ "$quick" == "$expected_quick" ]] || { echo "FAIL: README quick-start line changed:"; echo "$quick"; status=1; }
[[ "$other" == "$expected_other" ]] || { echo "FAIL: README 'another terminal' lines changed:"; echo "$other"; status=1; }
[[ "$install" == "$expected_install" ]] || { echo "FAIL: README install line changed:"; echo "$install"; status=1; }
# The install line must name the directory build-deb.sh writes to, and need no sudo.
grep -q 'default: build-deb/ in the source tree' "$src/packaging/build-deb.sh" ||
  { echo "FAIL: packaging/build-deb.sh no longer writes to build-deb/"; status=1; }
[[ $status == 0 ]] || exit 1
echo "ok: README.md holds the pinned quick-start, another-terminal and install commands"

if [[ "${1:-}" != --inside ]]; then
  if ! unshare -n true 2>/dev/null; then
    echo "SKIP: cannot make a private network namespace (unshare -n needs root)"
    exit 77
  fi
  [[ -x "$fake_bin" ]] || { echo "FAIL: fake_upstream not built at $fake_bin"; exit 1; }
  start=$SECONDS
  FAKE_UPSTREAM_BIN="$fake_bin" unshare -n bash "$0" --inside
  echo "ok: README quick start followed literally in $((SECONDS - start)) s"
  exit 0
fi

# --- inside the private network namespace ---------------------------------------------------
ip link set lo up
work=$(mktemp -d)
pids=()
failed=1 # until the last check passed
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  if [[ $failed == 1 || -n "${KEEP_TMP:-}" ]]; then echo "evidence kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.log; do echo "--- $f"; tail -n 40 "$f"; done; exit 1; }

# The clone: tracked and new files of this checkout, nothing else (no build dirs, no ../).
mkdir -p "$work/clone/airelays"
clone="$work/clone/airelays"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do if [[ -e "$f" ]]; then printf '%s\0' "$f"; fi; done |
    tar --null -T - -cf -) | tar -C "$clone" -xf -
else
  tar -C "$src" --exclude='./build*' --exclude='./.git' --exclude='*/node_modules' -cf - . |
    tar -C "$clone" -xf -
fi

# The fake ChatGPT backend and issuer, on a port of its own choosing.
setsid "$fake_bin" >"$work/fake.log" 2>&1 </dev/null &
pids+=($!)
fake_url=
for _ in $(seq 1 300); do
  fake_url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/fake.log" | head -n1)
  [[ -n "$fake_url" ]] && break
  sleep 0.1
done
[[ -n "$fake_url" ]] || fail "the fake upstream did not start"

# A new user's environment: empty HOME, no display (login picks the device flow), no
# AIRELAYS_* settings but the two that point at the fake upstream.
home="$work/home"
mkdir -p "$home"
mkdir -m 700 "$work/run"
user_env=(env -i "PATH=$PATH" "HOME=$home" "XDG_CONFIG_HOME=$home/.config"
  "XDG_DATA_HOME=$home/.local/share" "XDG_RUNTIME_DIR=$work/run" NO_COLOR=1 TERM=dumb
  "AIRELAYS_UPSTREAM_BASE_URL=$fake_url/backend-api/codex" "AIRELAYS_ISSUER_BASE_URL=$fake_url")
if command -v ccache >/dev/null; then
  user_env+=(CMAKE_CXX_COMPILER_LAUNCHER=ccache "CCACHE_DIR=$(ccache -k cache_dir)"
    "CCACHE_BASEDIR=$work/clone" CCACHE_NOHASHDIR=1)
fi

# Terminal 1: the quick-start line, serve left running (its own process group, stopped by
# SIGTERM at the end).
cd "$clone"
setsid "${user_env[@]}" bash -c "$quick" >"$work/quickstart.log" 2>&1 </dev/null &
quick_pid=$!
pids+=("$quick_pid")
build_start=$SECONDS
listening=
while [[ -z "$listening" ]]; do
  listening=$(grep -m1 'listening on http://127.0.0.1:8080' "$work/quickstart.log" || true)
  [[ -n "$listening" ]] && break
  kill -0 "$quick_pid" 2>/dev/null || fail "the quick-start line ended before the relay listened"
  (( SECONDS - build_start < 1500 )) || fail "no relay listening after 1500 s"
  sleep 0.5
done
echo "ok: quick-start line: relay listening on 8080 after $((SECONDS - build_start)) s"

# Terminal 2: the other lines as written, then the status code of the same request.
probe='echo; curl -s -o /dev/null -w "status=%{http_code}\n" $OPENAI_BASE_URL/models -H "Authorization: Bearer $OPENAI_API_KEY"'
"${user_env[@]}" timeout 120 bash -c "set -e; $other; $probe" >"$work/terminal2.log" 2>&1 </dev/null ||
  fail "the 'another terminal' lines failed"
grep -q '^status=200$' "$work/terminal2.log" || fail "curl did not get 200 from /v1/models"
grep -q '"object":"list"' "$work/terminal2.log" || fail "curl's body is not a model list"
grep -q '"gpt-' "$work/terminal2.log" || fail "the model list is empty"
echo "ok: 'another terminal' lines: login, token show --raw, curl /v1/models -> 200 with models"
failed=0
