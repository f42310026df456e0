#!/usr/bin/env bash
# Fails (exit 1, naming each file and line) when a C++ source differs from what clang-format
# makes of it with the project's .clang-format. The files are the tracked ones when this is a
# git checkout, else every .cpp/.hpp under src, include and tests (node_modules excluded).
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format || command -v clang-format-14 || true)
if [ -z "$cf" ]; then
  echo "check_format: clang-format is not installed (apt-get install clang-format)" >&2
  exit 1
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
else
  mapfile -t files < <(find src include tests cmake -path '*/node_modules' -prune -o \
    \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -print | sort)
fi
if "$cf" --dry-run -Werror "${files[@]}"; then
  echo "check_format: ${#files[@]} files formatted as .clang-format says"
else
  echo "check_format: run 'cmake --build build --target format' (or clang-format -i FILE)" >&2
  exit 1
fi
