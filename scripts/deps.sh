#!/usr/bin/env bash
# Installs the Debian packages airelays needs to build (and, with --test, to run every test).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
build_pkgs=(cmake ninja-build g++ pkg-config libcli11-dev libcurl4-openssl-dev libcpp-httplib-dev
  nlohmann-json3-dev libsecret-1-dev libtomlplusplus-dev doctest-dev libssl-dev help2man)
# ccache: the .deb stage's package build reuses the main build's objects through it.
test_pkgs=(ccache curl gnome-keyring dbus dbus-daemon libsecret-tools bash-completion zsh fish
  chromium ruby systemd procps strace debhelper dpkg-dev fakeroot lintian man-db python3
  clang libclang-rt-14-dev # clang: the fuzz stage (libFuzzer)
  clang-format) # the formatting check (.clang-format; CI fails on a difference)
pkgs=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
  pkgs+=("${test_pkgs[@]}")
  # Node 20 may come from outside Debian (with its own npm, which Debian's npm conflicts with).
  command -v node >/dev/null || pkgs+=(nodejs)
  command -v npm >/dev/null || pkgs+=(npm)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
