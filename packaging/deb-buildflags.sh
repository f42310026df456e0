#!/usr/bin/env bash
# Prints, one per line, the CMake cache arguments that give a build the exact compile and link
# flags of the Debian package build: build type None, dpkg-buildflags' CXXFLAGS with CPPFLAGS
# appended (what debhelper's cmake build system does) and LDFLAGS, under the
# DEB_BUILD_MAINT_OPTIONS of packaging/debian/rules.
#
# Why: scripts/test.sh builds the product with these flags, so when packaging/build-deb.sh then
# runs dpkg-buildpackage every compile is a ccache hit (CCACHE_BASEDIR makes the source path
# irrelevant) and the .deb stage costs a link, not a second full build. It also means the
# tests run against the binary the package ships, hardening flags included.
#
# Run it from the directory the build's paths are relative to (dpkg-buildflags maps that
# directory to "." with -ffile-prefix-map). Prints nothing, and exits 0, when dpkg-buildflags
# is not installed: the caller then keeps its own flags.
set -euo pipefail

command -v dpkg-buildflags >/dev/null 2>&1 || exit 0
rules="$(cd "$(dirname "$0")" && pwd)/debian/rules"
maint=$(sed -n 's/^export DEB_BUILD_MAINT_OPTIONS *= *//p' "$rules")
flag() { DEB_BUILD_MAINT_OPTIONS="$maint" dpkg-buildflags --get "$1"; }

cxxflags=$(flag CXXFLAGS)
cppflags=$(flag CPPFLAGS)
ldflags=$(flag LDFLAGS)
echo "-DCMAKE_BUILD_TYPE=None"
echo "-DCMAKE_CXX_FLAGS=$cxxflags${cppflags:+ $cppflags}"
echo "-DCMAKE_EXE_LINKER_FLAGS=$ldflags"
echo "-DCMAKE_SHARED_LINKER_FLAGS=$ldflags"
echo "-DCMAKE_MODULE_LINKER_FLAGS=$ldflags"
