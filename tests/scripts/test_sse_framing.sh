#!/usr/bin/env bash
# Raw SSE framing of the real binary, as curl sees it on the wire (issue 5, "with curl for raw
# SSE framing"). SDKs hide framing mistakes that other clients trip on, so this reads the bytes:
#   stream chat / completions: 200, Content-Type exactly text/event-stream, chunked (no
#     Content-Length), every event one `data: <json>` block ended by a blank line, the body
#     ending with `data: [DONE]\n\n`;
#   stream responses: the upstream's `event: <type>` line kept above each `data:` (as in
#     fixtures/upstream/sample_sse_*.txt), no [DONE];
#   an in-band error after content: chat ends with one `data: {"error":…}` block, responses with
#     the upstream's response.failed, and no [DONE] after either;
#   errors before the first byte are JSON with a real status (400 invalid request, 429 quota with
#     Retry-After and the upstream's resets_at/plan_type).
# Starts the fake upstream program and `airelays serve --port 0` in a throwaway HOME, signed in
# with a planted login. Env: AIRELAYS_BIN, AIRELAYS_BUILD_DIR (set by ctest). Exit 77 = curl or
# python3 missing.
set -euo pipefail

bin=${AIRELAYS_BIN:?AIRELAYS_BIN not set}
here=$(cd "$(dirname "$0")" && pwd)
build=${AIRELAYS_BUILD_DIR:?AIRELAYS_BUILD_DIR not set}
fake_bin=${FAKE_UPSTREAM_BIN:-$build/tests/fake_upstream}
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
# Debian's python3 first: a version manager's shim can cost seconds per call on a busy machine.
py=$(command -v /usr/bin/python3 || command -v python3) || { echo "SKIP: python3 not installed"; exit 77; }
[ -x "$fake_bin" ] || { echo "FAIL: no fake upstream at $fake_bin"; exit 1; }

work=$(mktemp -d)
keep=0
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "evidence kept in $work"; fi
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); keep=1; }

# Starts argv with its output on a fifo, waits (20 s deadline) for "listening on
# http://127.0.0.1:PORT" and sets $port, then drains the rest into $work/<name>.log.
start_listening() { # name argv...
  local name=$1 line fd
  shift
  port=""
  mkfifo "$work/$name.fifo"
  "$@" >"$work/$name.fifo" 2>&1 &
  pids+=($!)
  exec {fd}<"$work/$name.fifo"
  while IFS= read -r -t 20 -u "$fd" line; do
    echo "$line" >>"$work/$name.log"
    if [[ $line =~ listening\ on\ http://127\.0\.0\.1:([0-9]+) ]]; then
      port=${BASH_REMATCH[1]}
      break
    fi
  done
  if [ -z "$port" ]; then
    keep=1
    echo "FAIL: $name never listened:"
    cat "$work/$name.log"
    exit 1
  fi
  cat <&"$fd" >>"$work/$name.log" &
  pids+=($!)
}

# --- the stack: fake upstream, a HOME signed in to it, the relay ---------------------------
start_listening fake "$fake_bin"
fake="http://127.0.0.1:$port"
home="$work/home"
mkdir -p "$home/.airelays" "$home/.config/airelays" "$home/run"
chmod 700 "$home/.airelays" "$home/run"
token=sse-framing-relay-token-0123456789abcdefghij
(umask 077; echo "$token" >"$home/.airelays/relay-token")
(umask 077; cat >"$home/.config/airelays/config.toml" <<EOF
[auth]
storage = "file"
[upstream]
base_url = "$fake/backend-api/codex"
issuer_base_url = "$fake"
[providers.openai]
retry_attempts = 0
EOF
)
# A stored login the fake accepts (the auth.json record `login` would leave, file storage).
"$py" - "$home/.airelays/auth.json" <<'EOF'
import base64, json, os, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
jwt = lambda c: ".".join([b64(b'{"alg":"none","typ":"JWT"}'), b64(json.dumps(c).encode()), b64(b"sig")])
acct = "11111111-2222-3333-4444-555555555555"
auth = {"chatgpt_account_id": acct, "chatgpt_plan_type": "plus"}
now = int(time.time())
rec = {"bound_account_id": acct,
       "tokens": {"id_token": jwt({"email": "user@example.com", "https://api.openai.com/auth": auth}),
                  "access_token": jwt({"iat": now, "exp": now + 86400, "https://api.openai.com/auth": auth}),
                  "refresh_token": "rt_sse_framing", "account_id": acct},
       "last_refresh": time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime(now))}
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, (json.dumps(rec, indent=2) + "\n").encode())
os.close(fd)
EOF
start_listening relay env -i PATH="$PATH" HOME="$home" XDG_CONFIG_HOME="$home/.config" \
  XDG_DATA_HOME="$home/.local/share" XDG_RUNTIME_DIR="$home/run" NO_COLOR=1 LANG=C.UTF-8 \
  "$bin" serve --port 0
relay="http://127.0.0.1:$port"

# --- helpers -------------------------------------------------------------------------------
script_fake() { # the step JSON for the next /responses call
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data "{\"key\":\"responses\",\"step\":$1}" "$fake/__fake/script" || fail "scripting the fake"
}

n=0
# POSTs JSON to the relay with curl -sN -D; $out is the file prefix (.h headers, .b body).
post() { # path body
  n=$((n + 1))
  out="$work/req$n"
  curl -sN --max-time 30 -D "$out.h" -o "$out.b" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data "$2" "$relay$1" || fail "curl $1 failed ($?)"
}

check() { # label mode (see lib/sse_framing_check.py)
  local msg
  if msg=$("$py" "$here/lib/sse_framing_check.py" "$out.h" "$out.b" "$2"); then
    echo "ok: $1 ($msg)"
  else
    fail "$1: $msg"
    echo "--- headers:"; cat "$out.h"; echo "--- body (start):"; head -c 800 "$out.b"; echo
  fi
}

# --- streams -------------------------------------------------------------------------------
chat_stream='{"model":"gpt-5.5","stream":true,"messages":[{"role":"user","content":"Say hi"}]}'
completions_stream='{"model":"gpt-5.5","stream":true,"prompt":"Say hi"}'
responses_stream='{"model":"gpt-5.5","stream":true,"input":"Say hi"}'
post /v1/chat/completions "$chat_stream"
check "stream chat" chat
post /v1/completions "$completions_stream"
check "stream completions" chat
post /v1/responses "$responses_stream"
check "stream responses" responses

# --- in-band errors after content ----------------------------------------------------------
overloaded='{"kind":"fail_after_content","code":"server_is_overloaded","message":"Our servers are currently overloaded."}'
script_fake "$overloaded"
post /v1/chat/completions "$chat_stream"
check "stream chat failing after content" chat_error
script_fake "$overloaded"
post /v1/completions "$completions_stream"
check "stream completions failing after content" chat_error
script_fake "$overloaded"
post /v1/responses "$responses_stream"
check "stream responses failing after content" responses_error

# --- errors before the first byte: real statuses, JSON bodies ------------------------------
script_fake '{"kind":"invalid_request","message":"Invalid value for input.","param":"input"}'
post /v1/chat/completions '{"model":"gpt-5.5","messages":[{"role":"user","content":"Say hi"}]}'
check "non-stream chat, upstream 400" json:400
script_fake '{"kind":"usage_limit","resets_in_seconds":7200}'
post /v1/chat/completions "$chat_stream"
check "stream chat, upstream 429 usage_limit before the first byte" json:429
post /v1/chat/completions '{"model":"gpt-5.5","messages":'
check "malformed JSON body" json:400

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all SSE framing checks passed"
