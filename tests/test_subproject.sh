#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# libtempfile as a CMake subproject of tests/subproject: through
# add_subdirectory and through FetchContent, with and without a build type
# of the parent's. The parent's configure fails if the subproject changes
# its CMAKE_BUILD_TYPE or defines more than the library's targets (no tmpf,
# tests, bench, examples, uninstall); its programs link tempfile::tempfile
# and tempfile::tempfile_static and run.
set -euo pipefail
# shellcheck source=consumer/env.sh
. "$(dirname "$0")/consumer/env.sh"

passed=0 failed=0
parent() { # name mode build-type
	local b=$work/$1
	cmake -S "$src/tests/subproject" -B "$b" -DMODE="$2" -DTEMPFILE_SOURCE_DIR="$src" \
		-DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$cflags" \
		-DCMAKE_SHARED_LINKER_FLAGS="$cflags" ${3:+-DCMAKE_BUILD_TYPE="$3"} > "$b.log" 2>&1 || return 1
	# The parent's cache: its build type as given, the subproject's options off.
	local cached
	cached=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$b/CMakeCache.txt")
	[ "$cached" = "${3:-}" ] || { echo "CMAKE_BUILD_TYPE in the cache is '$cached', not '${3:-}'"; return 1; }
	local option
	for option in TESTS BENCH CLI EXAMPLES; do
		grep -qx "TEMPFILE_BUILD_$option:BOOL=OFF" "$b/CMakeCache.txt" ||
			{ echo "TEMPFILE_BUILD_$option is not OFF in a subproject"; return 1; }
	done
}
builds_and_runs() { # name
	local b=$work/$1
	cmake --build "$b" -j2 >> "$b.log" 2>&1 || return 1
	TMPDIR=$work "$b/parent_shared" | grep -q "gettempdir:  $work" &&
		TMPDIR=$work "$b/parent_static" | grep -q "gettempdir:  $work"
}
check() { # description, then the command
	local what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $what"
		for log in "$work"/*.log; do echo "--- $log"; tail -20 "$log"; done
		failed=$((failed + 1))
	fi
}

check "add_subdirectory, no build type" parent subdir add_subdirectory ""
check "add_subdirectory: the parent links tempfile::tempfile" builds_and_runs subdir
check "FetchContent, build type Debug" parent fetch FetchContent Debug
check "FetchContent: the parent links tempfile::tempfile" builds_and_runs fetch
check "FetchContent, no build type" parent fetch_plain FetchContent ""

echo "subproject: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
