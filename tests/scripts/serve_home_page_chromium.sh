#!/usr/bin/env bash
# The relay's home page (GET /) in a real browser: headless Chromium loads it from a running
# `airelays serve` and the rendered DOM must show the version, the login and token state and
# the client base URL — and never the relay token. Skips (77) when Chromium is not installed
# (scripts/deps.sh installs it).
set -euo pipefail

chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chromium_bin" ]]; then
  echo "chromium not installed: skipping" >&2
  exit 77
fi
: "${AIRELAYS_BIN:?AIRELAYS_BIN must point at the airelays binary}"

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
unset DBUS_SESSION_BUS_ADDRESS AIRELAYS_BEARER_TOKEN || true
mkdir -p "$HOME/.airelays"
token="chromium-check-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$token" > "$HOME/.airelays/relay-token"
chmod 600 "$HOME/.airelays/relay-token"

"$AIRELAYS_BIN" serve --port 0 > "$work/serve.out" 2>&1 &
server_pid=$!
port=
for _ in $(seq 1 200); do # up to 20 s
  port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/serve.out")
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.out" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "serve did not start" >&2; cat "$work/serve.out" >&2; exit 1; }

dom=$(timeout 60 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic \
  --no-first-run --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --dump-dom "http://127.0.0.1:$port/" 2> "$work/chromium.err")

fail=0
expect() {
  if ! grep -qF -- "$1" <<< "$dom"; then echo "FAIL: page lacks: $1" >&2; fail=1; fi
}
expect "<title>airelays "
expect "Upstream ChatGPT login missing"
expect "Relay client token ready"
expect "http://127.0.0.1:$port/v1"
expect "airelays token show"
if grep -qF -- "$token" <<< "$dom"; then echo "FAIL: the page shows the relay token" >&2; fail=1; fi

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
if [[ $status -ne 0 ]]; then echo "FAIL: serve exited $status on SIGTERM" >&2; fail=1; fi
[[ $fail -eq 0 ]] && echo "home page checked in $("$chromium_bin" --version 2>/dev/null)"
exit $fail
