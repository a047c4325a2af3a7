#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# Build the library, the examples and tmpf (no test dependencies needed),
# then show them at work. Usage: bash scripts/demo.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake -S . -B "$build" -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
tmpf=$build/tmpf
show() { printf '\n$ %s\n' "$*"; "$@"; }

# tmpf run: a private TMPDIR for one command, removed afterwards whatever
# the command left in it, read-only directories included.
out=$(mktemp)
script='echo "TMPDIR=$TMPDIR"; touch "$TMPDIR/x"; mkdir -p "$TMPDIR/ro/sub"; chmod 500 "$TMPDIR/ro"; ls -A "$TMPDIR"'
printf "\n\$ %s run -- sh -c '%s'\n" "$tmpf" "$script"
"$tmpf" run -- sh -c "$script" | tee "$out"
dir=$(sed -n 's/^TMPDIR=//p' "$out")
rm -f "$out"
if [ -e "$dir" ]; then echo "FAILED: $dir is still there"; exit 1; fi
echo "after the command: $dir is gone"

# The GNU mktemp interface, unchanged.
file=$("$tmpf" --suffix=.txt)
show ls -l "$file"
rm -f "$file"
show "$tmpf" where --explain

# The C library directly.
show "$build/example_basics"
