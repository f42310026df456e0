#!/usr/bin/env bash
# The Debian package builds lintian-clean, installs with apt, works, and removes cleanly.
#
# Builds the .deb with packaging/build-deb.sh (DEB_BUILD_OPTIONS=nocheck: the tests ran
# already), runs lintian (errors and warnings fail), installs it with
# `apt-get install ./airelays_*.deb`, then checks what a user would: `airelays --version`,
# `airelays serve` (it loads the packaged HTTP module),
# Tab completion through bash-completion's own loader, `man -w airelays`, the systemd user unit
# installed but not enabled, the example config; finally `apt-get remove` leaves no binary.
#
# It runs dpkg-buildpackage on a copy of the sources: a full compile (about 5-6 minutes on 2
# cores) unless ccache holds a build made with the package's flags, as scripts/test.sh's main
# build is (then every compile is a hit and it only links and packages); the ccache hit count
# is printed. Under ctest it is skipped unless AIRELAYS_TEST_DEB=1; scripts/test.sh runs
# it as its own, fatal, stage.
# Env: AIRELAYS_SOURCE_DIR (default: this checkout), AIRELAYS_BUILD_DIR (the .deb goes to
# <it>/deb; default <source>/build-deb).
set -euo pipefail

if [ "${AIRELAYS_TEST_DEB:-0}" != 1 ]; then
  echo "SKIP: the .deb check rebuilds the project; run it with AIRELAYS_TEST_DEB=1 (scripts/test.sh does)"
  exit 77
fi
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: installing the .deb needs root"
  exit 77
fi
missing=()
for tool in dpkg-buildpackage dh lintian apt-get man; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ -f /usr/share/bash-completion/bash_completion ] || missing+=(bash-completion)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "FAIL: not installed: ${missing[*]} (scripts/deps.sh --test installs them)"
  exit 1
fi
if dpkg-query -W -f='${Status}' airelays 2>/dev/null | grep -q "install ok installed"; then
  echo "SKIP: an airelays package is already installed here; not replacing it"
  exit 77
fi

src=${AIRELAYS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
out=${AIRELAYS_BUILD_DIR:+$AIRELAYS_BUILD_DIR/deb}
out=${out:-$src/build-deb}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -q airelays >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# --- build ----------------------------------------------------------------------------------
mkdir -p "$out"
rm -f "$out"/airelays_*.deb "$out"/airelays-dbgsym_*.deb "$out"/airelays_*.changes
start=$SECONDS
# noautodbgsym: the -dbgsym package is ~30 MB of debug info whose xz compression alone takes
# minutes on 2 cores, and nothing here installs it.
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck noautodbgsym parallel=$(nproc)}"
bash "$src/packaging/build-deb.sh" "$out" >"$out.log" 2>&1 || {
  tail -50 "$out.log"
  echo "FAIL: packaging/build-deb.sh (full log: $out.log)"
  exit 1
}
echo "ok: built in $((SECONDS - start))s (log: $out.log)"
grep '^build-deb: ccache hits' "$out.log" || true
deb=$(ls "$out"/airelays_*_"$(dpkg --print-architecture)".deb)
ok "package $(basename "$deb")"
# libcurl and libcrypto are dlopen()ed (src/io/curl_loader.cpp, crypto_loader.cpp), so
# dpkg-shlibdeps cannot see them: the control file names their packages.
depends=$(dpkg-deb -f "$deb" Depends)
grep -qE '(^|, )libcurl4( |,|$)' <<<"$depends" && ok "Depends names libcurl4: $depends" ||
  fail "Depends lacks libcurl4 (serve, login, models and doctor dlopen it): $depends"
grep -qE '(^|, )libssl3( |,|$)' <<<"$depends" && ok "Depends names libssl3 (libcrypto)" ||
  fail "Depends lacks libssl3 (libcrypto is dlopen()ed for SHA-256, random bytes, base64): $depends"
# The HTTP module that serve and login load: in the package, under the multiarch libdir.
module=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/airelays/airelays-httpd.so
contents=$(dpkg-deb -c "$deb")
grep -q " \.$module\$" <<<"$contents" && ok "package holds $module" || fail "package lacks $module"

# --- lintian: errors and warnings fail ------------------------------------------------------
if lintian --allow-root --fail-on error,warning --display-info "$deb" >"$out/lintian.log" 2>&1; then
  ok "lintian: no errors or warnings"
  sed 's/^/  lintian: /' "$out/lintian.log"
else
  cat "$out/lintian.log"
  fail "lintian reported errors or warnings"
fi

# --- install with apt and use it ------------------------------------------------------------
(cd "$out" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$(basename "$deb")") >"$out/install.log" 2>&1 || {
  cat "$out/install.log"
  echo "FAIL: apt-get install ./$(basename "$deb")"
  exit 1
}
installed=1
ok "apt-get install ./$(basename "$deb")"

version=$(sed -n 's/^project(airelays VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
got=$(/usr/bin/airelays --version)
[ "$got" = "airelays $version" ] && ok "airelays --version → $got" || fail "airelays --version → $got"

# serve loads the installed HTTP module, binds and prints its address.
source "$src/tests/scripts/lib/serve_starts.bash"
serve_starts /usr/bin/airelays "$out/serve-home" && ok "/usr/bin/airelays serve starts" ||
  fail "/usr/bin/airelays serve does not start"
rm -rf "$out/serve-home"

# bash-completion finds the script by itself in /usr/share/bash-completion/completions.
cands=$(bash --norc --noprofile -c '
  source /usr/share/bash-completion/bash_completion
  _completion_loader airelays
  COMP_LINE="airelays token "; COMP_POINT=${#COMP_LINE}
  COMP_WORDS=(airelays token ""); COMP_CWORD=2
  _airelays
  printf "%s\n" "${COMPREPLY[@]}"' | sort | tr '\n' ' ')
[ "$cands" = "rotate show " ] && ok "bash completes 'airelays token ' → $cands" ||
  fail "bash completion of 'airelays token ' → [$cands]"

man_path=$(man -w airelays 2>/dev/null || true)
[ -n "$man_path" ] && ok "man -w airelays → $man_path" || fail "man page not found by man -w"
for f in /usr/share/zsh/vendor-completions/_airelays /usr/share/fish/vendor_completions.d/airelays.fish \
  /usr/lib/systemd/user/airelays.service; do
  [ -f "$f" ] && ok "installed $f" || fail "missing $f"
done
if [ -f "$src/config.example.toml" ]; then
  [ -f /usr/share/doc/airelays/config.example.toml ] && ok "example config in /usr/share/doc/airelays" ||
    fail "missing /usr/share/doc/airelays/config.example.toml"
fi
# The licence: one statement in three places (LICENSE, debian/copyright, the formula); the
# package carries it as /usr/share/doc/airelays/copyright, the form Debian policy wants, not
# as a second LICENSE file.
holder=$(sed -n 's/^Copyright (c) //p' "$src/LICENSE")
if head -n 1 "$src/LICENSE" | grep -qx 'MIT License' && [ -n "$holder" ] &&
  grep -qx "Copyright: $holder" /usr/share/doc/airelays/copyright &&
  grep -qx 'License: MIT' /usr/share/doc/airelays/copyright &&
  grep -qE '^ *license "MIT"$' "$src/packaging/homebrew/airelays.rb"; then
  ok "MIT, $holder: LICENSE, /usr/share/doc/airelays/copyright and the formula agree"
else
  fail "LICENSE, the installed copyright file and the Homebrew formula disagree"
fi
if dpkg -L airelays | grep -qiE '/(LICEN[CS]E|COPYING)[^/]*$'; then
  fail "the package ships a licence file besides /usr/share/doc/airelays/copyright"
fi
grep -qx 'ExecStart=/usr/bin/airelays serve' /usr/lib/systemd/user/airelays.service &&
  ok "unit runs /usr/bin/airelays serve" || fail "unit ExecStart is not /usr/bin/airelays serve"
if ls /etc/systemd/user/*.wants/airelays.service >/dev/null 2>&1; then
  fail "the user unit was enabled for every user"
else
  ok "the user unit is not enabled for everyone"
fi

# --- remove -----------------------------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q airelays >"$out/remove.log" 2>&1 && installed=0 ||
  fail "apt-get remove airelays"
[ ! -e /usr/bin/airelays ] && ok "removed: /usr/bin/airelays gone" || fail "/usr/bin/airelays left behind"
[ ! -e "$module" ] && ok "removed: $module gone" || fail "$module left behind"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "the .deb builds, installs, works and removes cleanly"
