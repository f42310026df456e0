#!/usr/bin/env bash
# The real Secret Service keyring: inside `dbus-run-session` with an unlocked
# gnome-keyring-daemon, `airelays login --device` with storage=keyring (and auto) must store
# the login in the keyring entry AIRelays uses (service "AIRelays Auth", username
# "cli|<16 hex of SHA-256(data dir)>"), write no auth.json, and `status --json` must read it;
# an entry under the legacy service "AIRelay Auth" is migrated on read; logout deletes both.
# Skips (77) without dbus-run-session, gnome-keyring-daemon or secret-tool.
set -euo pipefail
for tool in dbus-run-session gnome-keyring-daemon secret-tool; do
  command -v "$tool" >/dev/null || { echo "$tool not installed: skipping" >&2; exit 77; }
done

if [[ "${1:-}" != "--inside" ]]; then
  source "$(dirname "$0")/lib/login_env.bash"
  start_fake
  export fake_url
  unset DBUS_SESSION_BUS_ADDRESS || true
  rc=0
  dbus-run-session -- bash "$0" --inside || rc=$?
  exit "$rc"
fi

# --- inside the session bus ----------------------------------------------------------------
: "${fake_url:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
echo -n pw | gnome-keyring-daemon --unlock --components=secrets > /dev/null
cfg="$XDG_CONFIG_HOME/airelays/config.toml"
write_config() {
  printf '[upstream]\nissuer_base_url = "%s"\n[auth]\nstorage = "%s"\n' "$fake_url" "$1" > "$cfg"
}
data_dir="$HOME/.airelays"
mkdir -p "$data_dir"
user="cli|$(printf '%s' "$(realpath "$data_dir")" | sha256sum | cut -c1-16)"

write_config keyring
out=$("$AIRELAYS_BIN" login --device 2>&1) || { echo "$out" >&2; fail "keyring login failed"; }
[[ ! -e "$data_dir/auth.json" ]] || fail "keyring mode wrote auth.json"
entry=$(secret-tool lookup service "AIRelays Auth" username "$user") || fail "no keyring entry for $user"
grep -qF '"refresh_token"' <<< "$entry" || fail "keyring entry is not the §3.1 record"
refresh=$(sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' <<< "$entry")
[[ -n "$refresh" ]] || fail "no refresh token in the entry"
if grep -qF "$refresh" <<< "$out"; then fail "refresh token printed by login"; fi
status=$("$AIRELAYS_BIN" status --json)
grep -q '"state": "ready"' <<< "$status" || { echo "$status" >&2; fail "status not ready from keyring"; }
grep -q '"stored_in": "keyring"' <<< "$status" || { echo "$status" >&2; fail "status does not say keyring"; }

# logout deletes the entry and revokes the refresh token at the issuer.
"$AIRELAYS_BIN" logout > /dev/null || fail "logout failed"
if secret-tool lookup service "AIRelays Auth" username "$user" > /dev/null 2>&1; then
  fail "keyring entry still present after logout"
fi
curl -fsS "$fake_url/__fake/requests" | grep -qF "$refresh" || fail "revoke did not reach the issuer"

# A legacy "AIRelay Auth" entry (as the singular AIRelay wrote it) is read and migrated.
legacy=$(python3 - <<'PY'
import base64, json, time
def b64(d): return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
idt = b64({"alg": "none"}) + "." + b64({"email": "legacy@example.com",
      "https://api.openai.com/auth": {"chatgpt_account_id": "acct_legacy", "chatgpt_plan_type": "pro"}}) + ".sig"
at = b64({"alg": "none"}) + "." + b64({"exp": int(time.time()) + 3600}) + ".sig"
print(json.dumps({"bound_account_id": "acct_legacy", "tokens": {"id_token": idt, "access_token": at,
      "refresh_token": "rt_legacy", "account_id": "acct_legacy"}, "last_refresh": "2026-11-22T07:12:38.928510+00:00"}))
PY
)
printf '%s' "$legacy" | secret-tool store --label "Password for '$user' on 'AIRelay Auth'" \
  service "AIRelay Auth" username "$user"
status=$("$AIRELAYS_BIN" status --json)
grep -q '"email": "legacy@example.com"' <<< "$status" || { echo "$status" >&2; fail "legacy entry not read"; }
secret-tool lookup service "AIRelays Auth" username "$user" > /dev/null || fail "legacy entry not migrated"
if secret-tool lookup service "AIRelay Auth" username "$user" > /dev/null 2>&1; then
  fail "legacy entry left behind after migration"
fi
"$AIRELAYS_BIN" logout > /dev/null

# auto mode with a Secret Service answering: keyring, no file, no fallback notice.
write_config auto
out=$("$AIRELAYS_BIN" login --device 2>&1) || { echo "$out" >&2; fail "auto login failed"; }
[[ ! -e "$data_dir/auth.json" ]] || fail "auto mode wrote auth.json although the keyring answered"
if grep -q "No Secret Service" <<< "$out"; then fail "fallback notice printed with a keyring"; fi
secret-tool lookup service "AIRelays Auth" username "$user" > /dev/null || fail "auto did not use the keyring"
echo "ok: keyring storage, legacy migration and logout"
