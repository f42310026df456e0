#!/usr/bin/env bash
# A web page cannot lock the user out of the relay (issue 14, item 1). Headless Chromium loads a
# page from another loopback origin (127.0.0.2, served by this script) that fires a dozen <img>
# tags and no-cors fetches at the relay on 127.0.0.1 — no token, `Sec-Fetch-Site: cross-site`,
# what any site the user visits could do. Each must be refused with 403 before authentication
# and never counted toward the failed-auth block; afterwards the user's own client with the
# right token gets 200. Skips (77) when Chromium or python3 is not installed.
set -euo pipefail

chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chromium_bin" ]] || ! command -v python3 > /dev/null; then
  echo "chromium or python3 not installed: skipping" >&2
  exit 77
fi
: "${AIRELAYS_BIN:?AIRELAYS_BIN must point at the airelays binary}"

work=$(mktemp -d)
server_pid=
page_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  if [[ -n "$page_pid" ]]; then kill "$page_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
unset DBUS_SESSION_BUS_ADDRESS AIRELAYS_BEARER_TOKEN || true
mkdir -p "$HOME/.airelays"
token="lockout-check-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$token" > "$HOME/.airelays/relay-token"
chmod 600 "$HOME/.airelays/relay-token"

# Waits up to 20 s for a pattern in a file; prints the first capture group.
wait_for() { # file sed-expression pid
  local value=
  for _ in $(seq 1 200); do
    value=$(sed -n "$2" "$1")
    [[ -n "$value" ]] && { echo "$value"; return 0; }
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  cat "$1" >&2
  return 1
}

: > "$work/serve.out"
"$AIRELAYS_BIN" serve --port 0 > "$work/serve.out" 2>&1 &
server_pid=$!
port=$(wait_for "$work/serve.out" 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$server_pid")
relay="http://127.0.0.1:$port"

mkdir -p "$work/site"
{
  echo '<!doctype html><html><head><title>some web page</title></head><body>'
  for i in $(seq 1 12); do echo "<img src=\"$relay/v1/models?img=$i\">"; done
  echo '<p id="result">pending</p><script>'
  echo "const relay = '$relay';"
  cat <<'JS'
const calls = [];
for (let i = 0; i < 6; i++) {
  calls.push(fetch(relay + '/v1/models?fetch=' + i, {mode: 'no-cors'}));
  calls.push(fetch(relay + '/v1/chat/completions?fetch=' + i, {mode: 'no-cors', method: 'POST',
    headers: {'Content-Type': 'text/plain'}, body: '{"model":"gpt-5","messages":[]}'}));
}
Promise.allSettled(calls).then(r => {
  document.getElementById('result').textContent = 'settled ' + r.length;
});
JS
  echo '</script></body></html>'
} > "$work/site/index.html"
: > "$work/page.out"
python3 -u -m http.server 0 --bind 127.0.0.2 --directory "$work/site" > "$work/page.out" 2>&1 &
page_pid=$!
if ! page_port=$(wait_for "$work/page.out" 's|^Serving HTTP on 127.0.0.2 port \([0-9]*\).*|\1|p' "$page_pid"); then
  echo "cannot listen on 127.0.0.2 (macOS has only 127.0.0.1 by default): skipping" >&2
  exit 77
fi

dom=$(timeout 90 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic \
  --no-first-run --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --virtual-time-budget=10000 \
  --dump-dom "http://127.0.0.2:$page_port/" 2> "$work/chromium.err")

fail=0
if ! grep -qF 'settled 12' <<< "$dom"; then
  echo "FAIL: the page's fetches did not all settle" >&2
  fail=1
fi

relay_get() { # path, then curl-like output: status line and body
  python3 - "$relay" "$1" "$token" <<'PY'
import sys, urllib.request, urllib.error
relay, path, token = sys.argv[1:]
req = urllib.request.Request(relay + path, headers={"Authorization": "Bearer " + token})
try:
    with urllib.request.urlopen(req, timeout=30) as r:
        print(r.status); print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode())
PY
}

status=$(relay_get /v1/relay/status)
if [[ $(head -1 <<< "$status") != 200 ]]; then
  echo "FAIL: the right token after the page's requests got: $status" >&2
  fail=1
fi
metrics=$(relay_get /metrics)
refused=$(sed -n 's/^airelays_edge_rejections_total{reason="cross_site_request"} \([0-9]*\).*/\1/p' <<< "$metrics")
if [[ -z "$refused" || "$refused" -lt 12 ]]; then
  echo "FAIL: expected the page's requests refused as cross_site_request, got '${refused}'" >&2
  grep '^airelays_edge_rejections_total' <<< "$metrics" >&2 || true
  fail=1
fi
if grep -q 'reason="invalid_api_key"\|reason="auth_block_active"' <<< "$metrics"; then
  echo "FAIL: the page's requests reached authentication:" >&2
  grep '^airelays_edge_rejections_total' <<< "$metrics" >&2
  fail=1
fi

kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=
[[ $fail -eq 0 ]] && echo "$refused cross-site requests refused, token served, in $("$chromium_bin" --version 2>/dev/null)"
exit $fail
