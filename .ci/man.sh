#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# .ci/man.sh - the man pages: current with include/tempfile.h (else "run
# scripts/gen-man.py to update them"), found by `man -w 3 NAME` for every
# exported function in a DESTDIR install, free of groff warnings at 80
# columns, EXAMPLES compiling: tests/test_man.sh on a configured (not built)
# tree, since installing the "man" component needs no build. Runs alone:
# installs what it lacks. A few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${MAN_BUILD_DIR:-$root/build-ci-man}

need=()
command -v man >/dev/null || need+=(man-db)
command -v groff >/dev/null || need+=(groff-base)
command -v python3 >/dev/null || need+=(python3)
command -v cmake >/dev/null || need+=(cmake)
command -v "${CC:-cc}" >/dev/null || need+=(gcc)
if [ ${#need[@]} -gt 0 ]; then
	echo "installing: ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi

rm -rf "$build"
cmake -S . -B "$build" -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_BENCH=OFF >/dev/null
log=$build/test_man.log
status=0
TF_SOURCE_DIR=$root TF_BINARY_DIR=$build bash tests/test_man.sh >"$log" 2>&1 || status=$?
cat "$log"
# Here the tools are installed: a skip would hide the check.
if grep -q 'skipped' "$log"; then
	echo "man.sh: test_man.sh skipped a check" >&2
	exit 1
fi
exit "$status"
