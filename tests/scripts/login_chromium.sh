#!/usr/bin/env bash
# The browser login end to end in a real browser: `airelays login --browser --no-browser`
# prints the authorize URL of the fake issuer; headless Chromium opens it, follows the 302 to
# the loopback callback (http://localhost:<port>/auth/callback) and must land on the success
# page; then `status --json` reports the login ready. Skips (77) without Chromium.
set -euo pipefail
chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chromium_bin" ]]; then
  echo "chromium not installed: skipping" >&2
  exit 77
fi
source "$(dirname "$0")/lib/login_env.bash"
start_fake
write_config file

"$AIRELAYS_BIN" login --browser --no-browser > "$work/login.out" 2>&1 &
login_pid=$!
url=$(wait_for 's|^  \(http://127.0.0.1:[0-9]*/oauth/authorize?.*\)$|\1|p' "$work/login.out" "$login_pid")

dom=$(timeout 60 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic \
  --no-first-run --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --dump-dom "$url" 2> "$work/chromium.err") || true

grep -qF "Signed in to airelays" <<< "$dom" || {
  echo "DOM:" >&2; echo "$dom" >&2; cat "$work/chromium.err" "$work/login.out" >&2
  fail "Chromium did not land on the success page"
}
rc=0
wait "$login_pid" || rc=$?
[[ "$rc" == 0 ]] || { cat "$work/login.out" >&2; fail "login exited $rc"; }
grep -qF "Successfully logged in" "$work/login.out" || fail "no success line"

status=$("$AIRELAYS_BIN" status --json)
grep -qE '"state": "ready"' <<< "$status" || { echo "$status" >&2; fail "status is not ready"; }
grep -qF '"email": "user@example.com"' <<< "$status" || fail "status lacks the email"
# No token in what the user saw.
refresh=$(sed -n 's/.*"refresh_token": "\([^"]*\)".*/\1/p' "$HOME/.airelays/auth.json")
[[ -n "$refresh" ]] || fail "no refresh token stored"
if grep -qF "$refresh" "$work/login.out" <<< "$status"; then fail "refresh token printed"; fi
echo "ok: Chromium signed in through the loopback callback"
