#!/usr/bin/env bash
# Runs clang-tidy (config: .clang-tidy) over the tests, examples and, through them, every
# public header. Uses the compile database of the `dev` preset (configured here if missing).
# Usage: tools/run_clang_tidy.sh [files...]   (default: tests/*.cpp examples/**/*.cpp)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=build/tidy-db
cmake --preset dev -B "$build" -DCMAKE_CXX_COMPILER=clang++ >/dev/null
if (($#)); then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'tests/*.cpp' 'examples/*.cpp' | grep -v -e '^examples/consumers/' -e '^tests/compile_fail/')
fi
tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
jobs=$(nproc)
printf '%s\n' "${files[@]}" |
  xargs -P "$jobs" -I{} "$tidy" --quiet -p "$build" {} 2>&1 |
  { grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed|^Use -header-filter' || true; } |
  tee "$build/tidy.log"
if grep -qE '(warning|error):' "$build/tidy.log"; then
  echo "clang-tidy: findings above" >&2
  exit 1
fi
echo "clang-tidy: clean (${#files[@]} files)"
