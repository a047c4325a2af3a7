#!/usr/bin/env bash
# Build the library, the examples and tmpf (no test dependencies needed),
# then show them at work. Usage: bash scripts/demo.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake -S . -B "$build" -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
echo "\$ $build/example_basics"
"$build/example_basics"
