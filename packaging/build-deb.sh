#!/usr/bin/env bash
# Builds the airelays .deb from this source tree: copies the tree (without build dirs) to
# OUT_DIR/airelays-VERSION, puts packaging/debian in place as debian/, and runs
# dpkg-buildpackage -us -uc -b there. The .deb files land in OUT_DIR.
#
# Usage: packaging/build-deb.sh [OUT_DIR]        (default: build-deb/ in the source tree)
# Environment: DEB_BUILD_OPTIONS (default "nocheck parallel=<nproc>"). ccache is used when
# installed, with the cache of the caller: debhelper (compat 13) points HOME and XDG_CACHE_HOME
# into the package tree, so the cache directory is resolved here and passed as CCACHE_DIR.
# CCACHE_BASEDIR (the copy) and CCACHE_NOHASHDIR make the source path irrelevant, so a build of
# the checkout made with packaging/deb-buildflags.sh's flags (scripts/test.sh does that) turns
# every compile here into a hit. The last line says how many compiles hit the cache.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$src/build-deb}" && cd "${1:-$src/build-deb}" && pwd)

version=$(sed -n 's/^project(airelays VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
deb_version=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
if [ "$version" != "$deb_version" ]; then
  echo "build-deb: CMakeLists.txt says $version but packaging/debian/changelog says $deb_version;" \
    "add a changelog entry (dch -v $version)" >&2
  exit 1
fi

tree="$out/airelays-$version"
rm -rf "$tree"
mkdir -p "$tree"
# Copy the sources: tracked and new files when this is a git checkout, else everything but
# build output.
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done |
    tar --null -T - -cf -) | tar -C "$tree" -xf -
else
  tar -C "$src" --exclude='./build*' --exclude='./.git' --exclude='*/node_modules' -cf - . |
    tar -C "$tree" -xf -
fi
rm -rf "$tree/debian"
cp -a "$src/packaging/debian" "$tree/debian"

export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck parallel=$(nproc)}"
stats_log=""
# AIRELAYS_DEB_CMAKE_EXTRA: more CMake options for the package build (scripts/test.sh passes
# the main build's -DAIRELAYS_WERROR=ON, so the compile lines match and ccache hits).
export AIRELAYS_CMAKE_EXTRA="${AIRELAYS_DEB_CMAKE_EXTRA:-}"
if command -v ccache >/dev/null 2>&1; then
  export AIRELAYS_CMAKE_EXTRA="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache $AIRELAYS_CMAKE_EXTRA"
  CCACHE_DIR=$(ccache -k cache_dir)
  stats_log="$out/ccache-stats.log"
  rm -f "$stats_log"
  export CCACHE_DIR CCACHE_BASEDIR="$tree" CCACHE_NOHASHDIR=1 CCACHE_STATSLOG="$stats_log"
fi
echo "build-deb: building airelays $version in $tree (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
(cd "$tree" && dpkg-buildpackage -us -uc -b)
ls -1 "$out"/airelays_"$version"_*.deb
if [ -n "$stats_log" ]; then
  compiles=$(grep -c '^#' "$stats_log" || true)
  hits=$(grep -cE '^(direct|preprocessed)_cache_hit' "$stats_log" || true)
  echo "build-deb: ccache hits: $hits of $compiles compiles"
fi
