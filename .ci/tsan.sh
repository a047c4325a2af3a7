#!/usr/bin/env bash
# .ci/tsan.sh - the thread tests under ThreadSanitizer: every tests/test_*.c
# that starts threads (pthread_create), built with -fsanitize=thread
# together with the library (test seams on). Criterion cannot start under
# TSan (Snaipe/Criterion#274), so they are built against a small stand-in
# with the same Test()/cr_assert() subset (.ci/tsan/criterion/criterion.h),
# each test in its own process. Fails on any data race, lock-order
# inversion or failing test. Runs alone: installs what it lacks. ~1 minute.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${TSAN_BUILD_DIR:-$root/build-tsan-standalone}
cc=${CC:-gcc}
command -v "$cc" >/dev/null 2>&1 || {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q gcc >/dev/null
}

rm -rf "$build"
mkdir -p "$build"
cflags=(-std=c11 -g -O1 -fsanitize=thread -fno-omit-frame-pointer -D_GNU_SOURCE
	-DTEMPFILE_TEST_SEAMS -DTEMPFILE_STATIC -Iinclude -Isrc)
library=(src/*.c src/platform/posix*.c)

# The library once, as objects (TEMPFILE_BUILDING: as the real build).
objects=()
for source in "${library[@]}"; do
	object=$build/$(echo "$source" | tr / _).o
	"$cc" "${cflags[@]}" -DTEMPFILE_BUILDING -c "$source" -o "$object"
	objects+=("$object")
done
"$cc" "${cflags[@]}" -I.ci/tsan -Itests -c .ci/tsan/runner.c -o "$build/runner.o"
"$cc" "${cflags[@]}" -I.ci/tsan -Itests -c tests/support.c -o "$build/support.o"

# A test that hangs fails after TFC_TIMEOUT seconds instead of stalling CI.
export TFC_TIMEOUT=${TFC_TIMEOUT:-120}
export TSAN_OPTIONS=${TSAN_OPTIONS:-"halt_on_error=1 second_deadlock_stack=1 exitcode=66"}
status=0
ran=0
for test in tests/test_*.c; do
	grep -q 'pthread_create' "$test" || continue
	case $test in tests/test_faults.c) continue ;; esac # defines malloc; no threads
	name=$(basename "$test" .c)
	if ! "$cc" "${cflags[@]}" -I.ci/tsan -Itests "$test" "$build/support.o" \
		"$build/runner.o" "${objects[@]}" -o "$build/$name" -lpthread; then
		echo "tsan: $name does not build against the Criterion stand-in" >&2
		status=1
		continue
	fi
	ran=$((ran + 1))
	start=$SECONDS
	if TF_BINARY_DIR=$build TF_SOURCE_DIR=$root "$build/$name" >"$build/$name.log" 2>&1; then
		echo "tsan: $name ok ($((SECONDS - start)) s): $(grep -c '^\[PASS\]' "$build/$name.log") passed, $(grep -c '^\[SKIP\]' "$build/$name.log") skipped"
	else
		echo "tsan: $name FAILED ($((SECONDS - start)) s)" >&2
		grep -E -A30 'WARNING: ThreadSanitizer|\[FAIL\]|Assertion' "$build/$name.log" | head -80 >&2
		status=1
	fi
done
echo "tsan.sh: $ran programs, status $status"
exit "$status"
