# Shared by the login script tests: an isolated HOME, the fake upstream program started on
# port 0 (its "listening on" line read with a deadline), and an airelays config pointing at
# it. Sourced; defines $work, $fake_url, $fake_pid and the helpers below.
: "${AIRELAYS_BIN:?AIRELAYS_BIN must point at the airelays binary}"
: "${AIRELAYS_BUILD_DIR:?AIRELAYS_BUILD_DIR must point at the build tree}"
fake_bin="$AIRELAYS_BUILD_DIR/tests/fake_upstream"
[[ -x "$fake_bin" ]] || { echo "fake_upstream not built at $fake_bin" >&2; exit 1; }

work=$(mktemp -d)
fake_pid=
login_env_cleanup() {
  if [[ -n "$fake_pid" ]]; then kill "$fake_pid" 2>/dev/null || true; fi
  if [[ "${KEEP_TMP:-}" == "" ]]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap login_env_cleanup EXIT

export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
export XDG_RUNTIME_DIR="$work/run" NO_COLOR=1
unset DISPLAY WAYLAND_DISPLAY SSH_CONNECTION SSH_TTY AIRELAYS_BEARER_TOKEN || true
mkdir -p "$HOME" "$XDG_CONFIG_HOME/airelays"
mkdir -m 700 "$XDG_RUNTIME_DIR"

# wait_for PATTERN FILE PID: prints the first sed -n match of PATTERN in FILE within 30 s.
wait_for() {
  local value=
  for _ in $(seq 1 300); do
    value=$(sed -n "$1" "$2" | head -n1)
    [[ -n "$value" ]] && { echo "$value"; return 0; }
    if [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null; then
      value=$(sed -n "$1" "$2" | head -n1)
      [[ -n "$value" ]] && { echo "$value"; return 0; }
      break
    fi
    sleep 0.1
  done
  echo "timed out waiting for $1 in $2:" >&2
  cat "$2" >&2
  return 1
}

start_fake() {
  "$fake_bin" > "$work/fake.out" 2>&1 &
  fake_pid=$!
  fake_url=$(wait_for 's|^listening on \(http://127.0.0.1:[0-9]*\)$|\1|p' "$work/fake.out" "$fake_pid")
}

# write_config STORAGE
write_config() {
  cat > "$XDG_CONFIG_HOME/airelays/config.toml" <<TOML
[upstream]
issuer_base_url = "$fake_url"
base_url = "$fake_url/backend-api/codex"
[auth]
storage = "$1"
callback_port = 0
TOML
}

fail() { echo "FAIL: $*" >&2; exit 1; }
