#!/bin/bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# test_cleanup_program.sh - TEMPFILE_AT_EXIT scenarios run as plain programs, outside
# Criterion: the scenario mode of the test_cleanup binary
# (`test_cleanup --tf-scenario NAME DIR READY_FD GO_FD`, see
# tests/test_cleanup.c). Criterion cannot start under ThreadSanitizer
# (Snaipe/Criterion#274), so this is where the concurrency scenarios run in a
# -DTEMPFILE_SANITIZE=thread build; in the other builds it runs them once more
# as a user's program would, killed from outside.
set -u

prog="$TF_BINARY_DIR/tests/test_cleanup"
if [ ! -x "$prog" ]; then
	echo "missing $prog" >&2
	exit 1
fi
root=$(mktemp -d /dev/shm/tfcleanup.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$root"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

count() {
	find "$1" -mindepth 1 -maxdepth 1 | wc -l
}

# start SCENARIO DIR: run it in the background with its progress bytes on a
# fifo; sets pid and opens fd 4 on the fifo.
start() {
	local scenario=$1 dir=$2
	rm -f "$root/ready"
	mkfifo "$root/ready"
	"$prog" --tf-scenario "$scenario" "$dir" 3 0 3>"$root/ready" </dev/null \
		2>"$root/stderr.$scenario" &
	pid=$!
	exec 4<"$root/ready"
}

# await BYTE: the next progress byte must be BYTE.
await() {
	local byte=""
	read -r -n1 -u 4 byte
	[ "$byte" = "$1" ] || fail "expected '$1' from the scenario, got '$byte'"
}

finish() {
	wait "$pid" 2>/dev/null
	status=$?
	exec 4<&-
}

no_sanitizer_report() {
	if grep -E "ThreadSanitizer|AddressSanitizer|LeakSanitizer|runtime error" \
		"$root/stderr.$1" >&2; then
		fail "$1: sanitizer report above"
	fi
}

# 8 threads register and forget under a rain of SIGUSR1; then SIGTERM.
dir="$root/churn"
mkdir "$dir"
start threads-churn "$dir"
await R
kill -TERM "$pid"
finish
[ "$status" -eq 143 ] || fail "threads-churn: status $status, expected death by SIGTERM (143)"
[ "$(count "$dir")" -eq 0 ] || fail "threads-churn: $(count "$dir") entries left"
no_sanitizer_report threads-churn

# SIGTERM while 8 threads create.
dir="$root/die"
mkdir "$dir"
start threads-die "$dir"
await R
while [ "$(count "$dir")" -lt 200 ]; do :; done
kill -TERM "$pid"
finish
[ "$status" -eq 143 ] || fail "threads-die: status $status, expected death by SIGTERM (143)"
[ "$(count "$dir")" -eq 0 ] || fail "threads-die: $(count "$dir") entries left"
no_sanitizer_report threads-die

# A single-threaded program interrupted the way a user does it.
for sig in INT TERM HUP; do
	dir="$root/wait-$sig"
	mkdir "$dir"
	start wait "$dir"
	await R
	[ "$(count "$dir")" -eq 5 ] || fail "wait: $(count "$dir") objects, expected 5 (mkstemp, mkdtemp, template, TemporaryDirectory, NamedTemporaryFile)"
	kill -s "$sig" "$pid"
	finish
	expected=$((128 + $(kill -l "$sig")))
	[ "$status" -eq "$expected" ] || fail "wait/$sig: status $status, expected $expected"
	[ "$(count "$dir")" -eq 0 ] || fail "wait/$sig: $(count "$dir") entries left"
	no_sanitizer_report wait
done

# exit(0) and return from main.
for scenario in exit return; do
	dir="$root/$scenario"
	mkdir "$dir"
	start "$scenario" "$dir"
	await R
	finish
	[ "$status" -eq 0 ] || fail "$scenario: status $status"
	[ "$(count "$dir")" -eq 0 ] || fail "$scenario: $(count "$dir") entries left"
	no_sanitizer_report "$scenario"
done

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "all cleanup program scenarios passed"
