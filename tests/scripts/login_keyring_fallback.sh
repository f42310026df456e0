#!/usr/bin/env bash
# Auto storage with a keyring that fails for a while (issue 15, item 2): a login stored while
# the Secret Service did not answer goes to auth.json, but the older keyring entry stays
# behind; once the keyring answers again the newer login must win (status shows the new
# account, requests would use it) and the stale copy is overwritten or removed. Runs inside
# `dbus-run-session` with an unlocked gnome-keyring-daemon; the outage is a login run with
# DBUS_SESSION_BUS_ADDRESS pointing nowhere. Skips (77) without the tools.
set -euo pipefail
for tool in dbus-run-session gnome-keyring-daemon secret-tool curl; do
  command -v "$tool" >/dev/null || { echo "$tool not installed: skipping" >&2; exit 77; }
done

if [[ "${1:-}" != "--inside" ]]; then
  source "$(dirname "$0")/lib/login_env.bash"
  start_fake
  export fake_url work
  unset DBUS_SESSION_BUS_ADDRESS || true
  rc=0
  dbus-run-session -- bash "$0" --inside || rc=$?
  exit "$rc"
fi

# --- inside the session bus ----------------------------------------------------------------
: "${fake_url:?}" "${work:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
echo -n pw | gnome-keyring-daemon --unlock --components=secrets > /dev/null
printf '[upstream]\nissuer_base_url = "%s"\n[auth]\nstorage = "auto"\n' "$fake_url" \
  > "$XDG_CONFIG_HOME/airelays/config.toml"
data_dir="$HOME/.airelays"
mkdir -p "$data_dir"
user="cli|$(printf '%s' "$(realpath "$data_dir")" | sha256sum | cut -c1-16)"

out=$("$AIRELAYS_BIN" login --device 2>&1) || { echo "$out" >&2; fail "first login failed"; }
secret-tool lookup service "AIRelays Auth" username "$user" > /dev/null || fail "first login not in the keyring"

# The keyring is out: the second login (another account) falls back to the file.
curl -fsS -X POST -d '{"email":"second@example.com","account_id":"acct-second"}' \
  "$fake_url/__fake/state" > /dev/null
out=$(DBUS_SESSION_BUS_ADDRESS="unix:path=$work/no-bus" "$AIRELAYS_BIN" login --device 2>&1) ||
  { echo "$out" >&2; fail "login during the keyring outage failed"; }
grep -q "No Secret Service" <<< "$out" || { echo "$out" >&2; fail "no fallback notice"; }
[[ -e "$data_dir/auth.json" ]] || fail "the fallback wrote no auth.json"

# The keyring answers again: the newer login wins, wherever it is.
status=$("$AIRELAYS_BIN" status --json)
grep -q '"email": "second@example.com"' <<< "$status" ||
  { echo "$status" >&2; fail "status shows the stale keyring login, not the newer file"; }
entry=$(secret-tool lookup service "AIRelays Auth" username "$user" 2>/dev/null || true)
if [[ -n "$entry" ]]; then
  grep -qF 'acct-second' <<< "$entry" || fail "the stale keyring entry was left behind"
  [[ ! -e "$data_dir/auth.json" ]] || fail "the login is kept in two places"
fi
status=$("$AIRELAYS_BIN" status --json)
grep -q '"email": "second@example.com"' <<< "$status" || { echo "$status" >&2; fail "second status"; }
echo "ok: a login stored during a keyring outage wins over the stale keyring entry"
