#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# A plain `cmake -S . -B build` on a machine without Criterion configures,
# says so, and builds and runs the tests on the builtin runner
# (tests/harness). Criterion is hidden from a fresh configure with
# CMAKE_IGNORE_PATH (the directories this build found it in).
set -euo pipefail
build=${TF_BINARY_DIR:?}
# shellcheck source=consumer/env.sh
. "$(dirname "$0")/consumer/env.sh"

cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
include_dir=$(cache CRITERION_INCLUDE_DIR)
library=$(cache CRITERION_LIBRARY)
ignore=""
case "$include_dir" in *NOTFOUND* | "") ;; *) ignore=$include_dir ;; esac
case "$library" in *NOTFOUND* | "") ;; *) ignore="$ignore;$(dirname "$library")" ;; esac
[ -n "$ignore" ] || echo "no_criterion: this build has no Criterion either"

passed=0 failed=0
check() { # description, then the command
	local what=$1
	shift
	if "$@"; then passed=$((passed + 1)); else
		echo "FAILED: $what"
		tail -30 "$work/log"
		failed=$((failed + 1))
	fi
}
configures() {
	cmake -S "$src" -B "$work/b" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${TF_C_FLAGS:-}" \
		-DTEMPFILE_SANITIZE="${TF_SANITIZE:-}" \
		-DCMAKE_IGNORE_PATH="$ignore" > "$work/log" 2>&1
}
says_so() {
	grep -q "Test runner: builtin (Criterion not found" "$work/log" &&
		grep -qx "CRITERION_INCLUDE_DIR:PATH=CRITERION_INCLUDE_DIR-NOTFOUND" "$work/b/CMakeCache.txt"
}
a_test_builds_and_runs() {
	cmake --build "$work/b" -j2 --target test_version >> "$work/log" 2>&1 &&
		(cd "$work/b" && ctest -R '^test_version$' --output-on-failure) >> "$work/log" 2>&1
}
check "configures without Criterion" configures
check "says the tests run on the builtin runner" says_so
check "a test builds and runs on it" a_test_builds_and_runs

echo "no_criterion: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
