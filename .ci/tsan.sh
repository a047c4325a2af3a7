#!/usr/bin/env bash
# .ci/tsan.sh - the thread tests under ThreadSanitizer: every tests/test_*.c
# that starts threads (pthread_create), built by CMake with
# -DTEMPFILE_SANITIZE=thread together with the library (test seams on), on
# the builtin runner (tests/harness: Criterion cannot start under TSan,
# Snaipe/Criterion#274), each test in its own process. Fails on any data
# race, lock-order inversion or failing test. Runs alone: installs what it
# lacks. ~2 minutes on 2 cores.
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

rm -rf "$build"
CC=${CC:-gcc} cmake -S . -B "$build" -DTEMPFILE_SANITIZE=thread -DTEMPFILE_TEST_RUNNER=builtin \
	-DTEMPFILE_BUILD_BENCH=OFF -DTEMPFILE_WERROR=ON >/dev/null
cmake --build "$build" -j "$jobs" --target "${names[@]}" >"$build/build.log" 2>&1 || {
	cat "$build/build.log" >&2
	echo "tsan: the thread tests do not build" >&2
	exit 1
}

# A test that hangs fails after TFC_TIMEOUT seconds instead of stalling CI.
export TFC_TIMEOUT=${TFC_TIMEOUT:-120}
# Left out here: under load, TSan's runtime (gcc 12) sometimes consumes the
# SIGTERM this test sends and never calls the program's handler (seen with
# a write(2) at the handler's entry: it does not run; SigPnd, SigBlk empty),
# so the child waits for ever. It measures the handler's stack use on a
# 32 KiB sigaltstack, which TSan's own frames change anyway; the other
# stages run it.
export TFC_SKIP=${TFC_SKIP:-"cleanup::removal_runs_on_a_32_kib_alternate_signal_stack"}
export TSAN_OPTIONS=${TSAN_OPTIONS:-"halt_on_error=1 second_deadlock_stack=1 exitcode=66"}
status=0
for name in "${names[@]}"; do
	start=$SECONDS
	log=$build/$name.log
	if TF_BINARY_DIR=$build TF_SOURCE_DIR=$root "$build/tests/$name" >"$log" 2>&1; then
		echo "tsan: $name ok ($((SECONDS - start)) s): $(grep -c '^\[PASS\]' "$log") passed, $(grep -c '^\[SKIP\]' "$log") skipped"
	else
		echo "tsan: $name FAILED ($((SECONDS - start)) s)" >&2
		grep -E -A30 'WARNING: ThreadSanitizer|\[FAIL\]|Assertion' "$log" | head -80 >&2
		status=1
	fi
done
echo "tsan.sh: ${#names[@]} programs, status $status"
exit "$status"
