#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# .ci/tsan.sh - the thread tests under ThreadSanitizer: every tests/test_*.c
# that starts threads (pthread_create), built by CMake with
# -DTEMPFILE_SANITIZE=thread together with the library (test seams on), on
# the builtin runner (tests/harness: Criterion cannot start under TSan,
# Snaipe/Criterion#274), each test in its own process. Fails on any data
# race, lock-order inversion or failing test. Runs alone: installs what it
# lacks. ~2 minutes on 2 cores. TSAN_REUSE=1 keeps an existing build tree.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${TSAN_BUILD_DIR:-$root/build-tsan}
jobs=${JOBS:-2}
for tool in "${CC:-gcc}:gcc" cmake:cmake; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${tool##*:}" >/dev/null
done

# The thread tests; test_faults.c defines malloc itself and has no threads.
names=()
for test in tests/test_*.c; do
	grep -q 'pthread_create' "$test" || continue
	case $test in tests/test_faults.c) continue ;; esac
	names+=("$(basename "$test" .c)")
done

[ -n "${TSAN_REUSE:-}" ] || rm -rf "$build"
CC=${CC:-gcc} cmake -S . -B "$build" -DTEMPFILE_SANITIZE=thread -DTEMPFILE_TEST_RUNNER=builtin \
	-DTEMPFILE_BUILD_BENCH=OFF -DTEMPFILE_WERROR=ON >/dev/null
cmake --build "$build" -j "$jobs" --target "${names[@]}" >"$build/build.log" 2>&1 || {
	cat "$build/build.log" >&2
	echo "tsan: the thread tests do not build" >&2
	exit 1
}

# A test that hangs fails after TFC_TIMEOUT seconds instead of stalling CI.
export TFC_TIMEOUT=${TFC_TIMEOUT:-60}
export TSAN_OPTIONS=${TSAN_OPTIONS:-"halt_on_error=1 second_deadlock_stack=1 exitcode=66"}
# A test that only timed out is run again, twice at most: under load, TSan's
# runtime (gcc 12) now and then consumes a signal a test sends and never
# calls the program's handler (seen with a write(2) at the handler's entry:
# it does not run; SigPnd and SigBlk are empty), so the child waits for
# ever. A race report or a failed assertion is never retried.
status=0
for name in "${names[@]}"; do
	start=$SECONDS
	log=$build/$name.log
	if TF_BINARY_DIR=$build TF_SOURCE_DIR=$root "$build/tests/$name" >"$log" 2>&1; then
		echo "tsan: $name ok ($((SECONDS - start)) s): $(grep -c '^\[PASS\]' "$log") passed, $(grep -c '^\[SKIP\]' "$log") skipped"
		continue
	fi
	retried=()
	if ! grep -q 'WARNING: ThreadSanitizer' "$log" &&
		! grep '^\[FAIL\]' "$log" | grep -qv ': timed out after'; then
		for test in $(sed -n 's/^\[FAIL\] \([^:]*\)::\([^:]*\): timed out after.*/\1\/\2/p' "$log"); do
			for attempt in 1 2; do
				if TF_BINARY_DIR=$build TF_SOURCE_DIR=$root "$build/tests/$name" --filter "$test" \
					>"$log.retry" 2>&1; then
					retried+=("$test")
					break
				fi
				grep -q 'WARNING: ThreadSanitizer' "$log.retry" && break
				grep -q ': timed out after' "$log.retry" || break
			done
		done
		n_timeouts=$(grep -c '^\[FAIL\]' "$log")
		if [ "${#retried[@]}" -eq "$n_timeouts" ]; then
			echo "tsan: $name ok ($((SECONDS - start)) s) after retrying what timed out: ${retried[*]}"
			continue
		fi
	fi
	echo "tsan: $name FAILED ($((SECONDS - start)) s)" >&2
	grep -E -A30 'WARNING: ThreadSanitizer|\[FAIL\]|Assertion' "$log" "$log.retry" 2>/dev/null | head -80 >&2
	status=1
done
echo "tsan.sh: ${#names[@]} programs, status $status"
exit "$status"
