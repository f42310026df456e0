#!/usr/bin/env bash
# The packaging pieces are valid and `cmake --install` lays out an installed tool.
#
# Checks: the Homebrew formula parses (ruby -c) and keeps its required dependencies; the
# launchd plist parses (plistlib); the generated man page lists exactly the --options that
# `airelays --help` and every subcommand's --help list; `cmake --install` into a temporary
# prefix puts the binary, its HTTP module (Linux), man page, completions, docs, example config
# and systemd user unit where the Debian conventions expect them, and the installed binary
# serves (finds its module); systemd-analyze verify accepts the installed unit
# (binary and man page resolved from that prefix).
# Env: AIRELAYS_BIN, AIRELAYS_SOURCE_DIR, AIRELAYS_BUILD_DIR (set by ctest).
set -euo pipefail

bin=${AIRELAYS_BIN:?AIRELAYS_BIN not set}
src=${AIRELAYS_SOURCE_DIR:?AIRELAYS_SOURCE_DIR not set}
build=${AIRELAYS_BUILD_DIR:?AIRELAYS_BUILD_DIR not set}

missing=()
for tool in ruby python3 man cmake; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "SKIP: not installed: ${missing[*]} (scripts/deps.sh --test installs them)"
  exit 77
fi

work=$(mktemp -d)
keep=0
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "evidence kept in $work"; fi; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); keep=1; }
ok() { echo "ok: $*"; }

# --- Homebrew formula ----------------------------------------------------------------------
formula="$src/packaging/homebrew/airelays.rb"
if ruby -c "$formula" >/dev/null; then ok "ruby -c airelays.rb"; else fail "ruby -c airelays.rb"; fi
# runtime: openssl@3 (httplib's CMake config needs it), tomlplusplus (a dylib); build-only:
# the header-only cpp-httplib; libsecret on Linux only.
for dep in '"openssl@3"' '"tomlplusplus"' '"cpp-httplib" => :build' '"cli11" => :build' \
  '"help2man" => :build' '"libsecret"'; do
  grep -qE "^ *depends_on $dep *(#.*)?$" "$formula" && ok "formula: depends_on $dep" ||
    fail "formula lacks depends_on $dep"
done
grep -A2 'on_linux do' "$formula" | grep -q 'depends_on "libsecret"' && ok "formula: libsecret on_linux" ||
  fail "formula: libsecret not under on_linux"
grep -q 'service do' "$formula" && grep -q 'test do' "$formula" && ok "formula: service and test blocks" ||
  fail "formula: service/test block missing"

# --- launchd plist ---------------------------------------------------------------------------
if python3 - "$src/packaging/launchd/dev.airelays.serve.plist" <<'PY'; then ok "plist parses"; else fail "plist"; fi
import plistlib, sys
d = plistlib.load(open(sys.argv[1], "rb"))
assert d["Label"] == "dev.airelays.serve", d["Label"]
assert d["ProgramArguments"][-1] == "serve" and d["ProgramArguments"][0].endswith("/airelays")
assert d["RunAtLoad"] is True
PY

# --- man page vs --help --------------------------------------------------------------------
man_page="$build/airelays.1"
help_options() { # the --names in the first column of every Options: section, recursively
  local words=("$@") help sub
  help=$("$bin" "${words[@]}" --help)
  sed -n '/^Options:/,/^$/p' <<<"$help" | grep -E '^ +-' | awk '{print $1}' | tr ',' '\n' |
    grep -E '^--' || true
  for sub in $(sed -n '/^Subcommands:/,/^$/p' <<<"$help" | awk '/^  [a-z]/{print $1}'); do
    help_options "${words[@]}" "$sub"
  done
}
if [ ! -f "$man_page" ]; then
  fail "man page not generated at $man_page (is help2man installed?)"
else
  want=$(help_options | sort -u | tr '\n' ' ')
  got=$(MANWIDTH=200 man -l "$man_page" 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u | tr '\n' ' ')
  if [ "$want" = "$got" ]; then ok "man page lists the --help options: $got"; else
    fail "man page options differ from --help: want [$want] got [$got]"; fi
  MANWIDTH=200 man -l "$man_page" 2>/dev/null | grep -q "airelays token" && ok "man page documents subcommands" ||
    fail "man page lacks the COMMANDS section"
  # ENVIRONMENT and FILES: every variable docs/configuration.md documents (the same key table)
  # and every file of the data dir.
  man_text=$(MANWIDTH=400 man -l "$man_page" 2>/dev/null)
  for heading in ENVIRONMENT FILES; do
    grep -qx "$heading" <<<"$man_text" && ok "man page has $heading" || fail "man page lacks $heading"
  done
  missing_vars=()
  for var in $(grep -oE 'AIRELAYS?_[A-Z_]+|OPENAI_ENDPOINT_[A-Z_]+' "$src/docs/configuration.md" | sort -u); do
    grep -q -- "$var" <<<"$man_text" || missing_vars+=("$var")
  done
  [ "${#missing_vars[@]}" = 0 ] && ok "man page ENVIRONMENT lists every variable of docs/configuration.md" ||
    fail "man page lacks: ${missing_vars[*]}"
  for path in '~/.config/airelays/config.toml' '~/.airelays/relay-token' '~/.airelays/auth.json' \
    '~/.airelays/auth.lock' '~/.airelays/login-state.json' '~/.airelays/serve.json' '~/.airelays/logs/'; do
    grep -qF -- "$path" <<<"$man_text" && ok "man page FILES: $path" || fail "man page FILES lacks $path"
  done
fi

# --- cmake --install into a temporary prefix --------------------------------------------------
prefix="$work/prefix"
if cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1; then ok "cmake --install"; else
  cat "$work/install.log"; fail "cmake --install"; fi
expected=(
  bin/airelays
  share/man/man1/airelays.1
  share/bash-completion/completions/airelays
  share/zsh/site-functions/_airelays
  share/fish/vendor_completions.d/airelays.fish
  share/doc/airelays/getting-started.md
  share/doc/airelays/security.md
  share/doc/airelays/troubleshooting.md
  lib/systemd/user/airelays.service
)
[ -f "$src/config.example.toml" ] && expected+=(share/doc/airelays/config.example.toml)
# Linux: the HTTP module serve and login load, under the build's libdir (lib, or lib/<arch>).
if [ "$(uname -s)" = Linux ]; then
  libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
  expected+=("${libdir:-lib}/airelays/airelays-httpd.so")
fi
for f in "${expected[@]}"; do
  [ -e "$prefix/$f" ] && ok "installed $f" || fail "not installed: $f"
done
# A prefix other than /usr: zsh's site-functions (in its default fpath for /usr/local), never
# vendor-completions (read under /usr only); fish is told how to link its file.
[ ! -e "$prefix/share/zsh/vendor-completions/_airelays" ] && ok "zsh: not in vendor-completions outside /usr" ||
  fail "zsh completion installed where zsh does not look for $prefix"
grep -q "airelays: fish reads $prefix/share/fish/vendor_completions.d/airelays.fish only when XDG_DATA_DIRS" "$work/install.log" &&
  ok "install says how to link the fish completion" || fail "install log lacks the fish note"
if command -v zsh >/dev/null; then
  zsh -fc 'print -l $fpath' | grep -qx /usr/local/share/zsh/site-functions &&
    ok "zsh reads /usr/local/share/zsh/site-functions" || fail "zsh fpath lacks /usr/local/share/zsh/site-functions"
fi
usr_prefix="$work/usr-install"
if DESTDIR="$usr_prefix" cmake --install "$build" --prefix /usr >"$work/install-usr.log" 2>&1 &&
  [ -e "$usr_prefix/usr/share/zsh/vendor-completions/_airelays" ]; then
  ok "prefix /usr: zsh completion in vendor-completions (Debian's place)"
else
  fail "prefix /usr: zsh completion not in share/zsh/vendor-completions"
fi
unit="$prefix/lib/systemd/user/airelays.service"
if [ -f "$unit" ]; then
  grep -qx "ExecStart=$prefix/bin/airelays serve" "$unit" && ok "unit runs $prefix/bin/airelays" ||
    fail "unit ExecStart: $(grep ExecStart "$unit")"
  if grep -q 'WantedBy=default.target' "$unit"; then ok "unit is a user unit (default.target)"; else
    fail "unit not wanted by default.target"; fi
fi
"$prefix/bin/airelays" __complete -- token '' | grep -q '^show' && ok "installed binary completes" ||
  fail "installed binary does not complete 'token '"
# The installed binary finds its HTTP module: serve binds and prints its address.
source "$src/tests/scripts/lib/serve_starts.bash"
serve_starts "$prefix/bin/airelays" "$work/home" && ok "installed binary serves" ||
  fail "installed binary does not serve"

# --- systemd-analyze verify ----------------------------------------------------------------
if ! command -v systemd-analyze >/dev/null; then
  echo "note: systemd-analyze not installed: unit verification skipped"
elif [ -f "$unit" ]; then
  mkdir -m 0700 "$work/runtime"
  if XDG_RUNTIME_DIR="$work/runtime" MANPATH="$prefix/share/man" \
    systemd-analyze verify --user "$unit" >"$work/verify.log" 2>&1; then
    ok "systemd-analyze verify --user"
  elif grep -qiE 'Failed to (initialize manager|lookup RuntimeDirectory|connect)' "$work/verify.log"; then
    echo "note: systemd-analyze cannot run here ($(head -1 "$work/verify.log")): unit verification skipped"
  else
    cat "$work/verify.log"
    fail "systemd-analyze verify --user"
  fi
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all packaging checks passed"
