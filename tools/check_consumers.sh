#!/usr/bin/env bash
# Builds and runs the two consumer projects the way users build them: one vendors this checkout
# with FetchContent, the other finds an installed hotpath with find_package(CONFIG).
# Usage: tools/check_consumers.sh [work dir]   (default: build/consumers)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(realpath -m "${1:-$root/build/consumers}")
rm -rf "$work"
mkdir -p "$work"

echo "== install hotpath into $work/prefix"
cmake -S "$root" -B "$work/hotpath" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DHOTPATH_BUILD_TESTS=OFF -DHOTPATH_BUILD_BENCH=OFF -DHOTPATH_BUILD_EXAMPLES=OFF \
  -DHOTPATH_INSTALL=ON -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --install "$work/hotpath" >/dev/null

echo "== find_package consumer"
cmake -S "$root/examples/consumers/find_package" -B "$work/find_package" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/find_package"
"$work/find_package/consumer"

echo "== FetchContent consumer"
cmake -S "$root/examples/consumers/fetchcontent" -B "$work/fetchcontent" -G Ninja \
  -DHOTPATH_SOURCE_DIR="$root" >/dev/null
cmake --build "$work/fetchcontent"
"$work/fetchcontent/consumer"
# A vendoring project must not get hotpath's tests, benchmarks or examples.
if [ -e "$work/fetchcontent/_deps/hotpath-build/tests" ] || [ -e "$work/fetchcontent/_deps/hotpath-build/bench" ]; then
  echo "FetchContent consumer built hotpath's tests or benchmarks" >&2
  exit 1
fi
echo "consumers: OK"
