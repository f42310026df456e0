# Shared by the packaging tests: does an installed binary serve (find its HTTP module)?
# Sourced; defines serve_starts.
#
# serve_starts BIN DIR: runs `BIN serve --port 0 --no-auth` with HOME=DIR (file storage) until it
# prints its "listening on" line (deadline 10 s) or exits, then stops it; fails, printing its
# output, when the line did not come.
serve_starts() {
  local bin=$1 home=$2 pid i
  mkdir -p "$home"
  : >"$home/serve.log" # there before the first grep, which may run before the child opens it
  HOME="$home" XDG_CONFIG_HOME="$home/.config" AIRELAYS_AUTH_STORAGE=file \
    "$bin" serve --port 0 --no-auth >"$home/serve.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 200; i++)); do
    grep -q '^listening on ' "$home/serve.log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep -q '^listening on ' "$home/serve.log" || { cat "$home/serve.log"; return 1; }
}
