#!/bin/bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# test_tmpf_reap.sh - tmpf reap [-n] [-v] [DIR], and tmpf run's lease: the
# directory of a tmpf run killed with SIGKILL is removed by tmpf reap (and
# by the next tmpf run there), a live run's never. Each test is a function
# test_<behaviour>; it fails by calling fail. Prints
# "tmpf-reap: N passed, M failed".
set -u

suite=tmpf-reap
# shellcheck source=tests/tmpf_cli.sh
. "$(dirname "${BASH_SOURCE[0]}")/tmpf_cli.sh"

# run_reap ARGS...: tmpf reap ARGS; sets $status, $out, $err.
run_reap() { run_tmpf reap "$@"; }

# start_run DIR: a tmpf run in DIR whose command writes its TMPDIR and
# pid and sleeps; sets $run_pid (tmpf), $run_dir, $command_pid.
start_run() {
	rm -f "$root/.info"
	"$tmpf" run -p "$1" -- sh -c 'echo "$TMPDIR $$" >"$0.tmp" && mv "$0.tmp" "$0" && exec sleep 600' \
		"$root/.info" </dev/null >/dev/null 2>&1 &
	run_pid=$!
	wait_for "$root/.info" || { fail "tmpf run did not start"; return 1; }
	read -r run_dir command_pid <"$root/.info"
}

# stop_pid PID: SIGKILL it and wait until it is gone (it may not be our child).
stop_pid() {
	local i
	kill -KILL "$1" 2>/dev/null
	for ((i = 0; i < 600; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "process $1 did not go"
}

test_sigkilled_run_leaves_a_directory_that_reap_removes() {
	start_run "$s" || return
	[ -d "$run_dir" ] || fail "no run directory"
	touch "$run_dir/left-behind"
	kill -KILL "$run_pid"
	wait "$run_pid" 2>/dev/null
	stop_pid "$command_pid" # the command outlives tmpf: ended here
	[ -d "$run_dir" ] || fail "SIGKILL removed the directory?"
	run_reap -v "$s"
	expect_status 0
	expect_out "removed directory '$run_dir'"
	expect_no_err
	[ ! -e "$run_dir" ] || fail "$run_dir is still there"
}

test_a_run_whose_tmpf_was_sigkilled_is_held_while_its_command_runs() {
	start_run "$s" || return
	kill -KILL "$run_pid"
	wait "$run_pid" 2>/dev/null
	# tmpf's lease is gone; the command still holds the directory.
	run_reap -v "$s"
	local live=$status out_live=$out
	[ -d "$run_dir" ]
	local there=$?
	stop_pid "$command_pid"
	[ "$live" = 0 ] || fail "reap failed: $err"
	[ -z "$out_live" ] || fail "reap reported: $out_live"
	[ "$there" = 0 ] || fail "the directory of a running command was reaped"
	run_reap -v "$s"
	expect_out "removed directory '$run_dir'"
	[ ! -e "$run_dir" ] || fail "$run_dir is still there once its command ended"
}

test_a_live_run_is_not_reaped() {
	start_run "$s" || return
	run_reap -v "$s"
	local live=$status out_live=$out
	[ -d "$run_dir" ]
	local there=$?
	kill -TERM "$run_pid"
	wait "$run_pid" 2>/dev/null
	stop_pid "$command_pid"
	[ "$live" = 0 ] || fail "reap failed on a live run: $err"
	[ -z "$out_live" ] || fail "reap reported: $out_live"
	[ "$there" = 0 ] || fail "a live run's directory was reaped"
	[ ! -e "$run_dir" ] || fail "tmpf run left its directory after SIGTERM"
}

test_the_next_run_reaps_its_killed_siblings() {
	start_run "$s" || return
	local first=$run_dir
	kill -KILL "$run_pid"
	wait "$run_pid" 2>/dev/null
	stop_pid "$command_pid"
	"$tmpf" run -p "$s" -- true || fail "the second run failed"
	[ ! -e "$first" ] || fail "the killed run's directory survived the next run"
}

test_dry_run_prints_and_removes_nothing() {
	start_run "$s" || return
	kill -KILL "$run_pid"
	wait "$run_pid" 2>/dev/null
	stop_pid "$command_pid"
	run_reap --dry-run "$s"
	expect_status 0
	expect_out "would remove directory '$run_dir'"
	[ -d "$run_dir" ] || fail "dry run removed it"
	run_reap "$s" # quiet without -v
	expect_status 0
	expect_no_out
	[ ! -e "$run_dir" ] || fail "not removed"
}

test_plain_entries_are_left_and_nothing_printed() {
	mkdir "$s/plain" && touch "$s/file"
	run_reap -v -n "$s"
	expect_status 0
	expect_no_out
	expect_no_err
	[ -d "$s/plain" ] && [ -f "$s/file" ] || fail "plain entries removed"
}

test_kept_run_directory_is_not_reaped() {
	"$tmpf" run --keep -p "$s" -- sh -c 'echo "$TMPDIR" >"$0"' "$root/.kept" 2>/dev/null
	local kept
	kept=$(cat "$root/.kept")
	run_reap -v "$s"
	expect_no_out
	[ -d "$kept" ] || fail "a kept directory was reaped"
}

test_bad_directories() {
	run_reap "$s/missing"
	expect_status 1
	expect_err "tmpf: cannot reap '$s/missing': No such file or directory"
	touch "$s/file"
	run_reap "$s/file"
	expect_status 1
	expect_err "tmpf: cannot reap '$s/file': Not a directory"
	run_reap a b
	expect_status 1
	[[ $err == "tmpf: extra operand 'b'"* ]] || fail "$err"
	if [ ${#as_nobody[@]} -gt 0 ]; then
		mkdir -m 0300 "$s/locked"
		"${as_nobody[@]}" "$tmpf" reap "$s/locked" >"$root/.out" 2>"$root/.err"
		status=$?
		err=$(cat "$root/.err")
		expect_status 1
		expect_err "tmpf: cannot reap '$s/locked': Permission denied"
	fi
}

test_help_and_usage() {
	run_reap --help
	expect_status 0
	[[ $out == "Usage: tmpf reap [-n] [-v] [DIR]"* ]] || fail "help: $out"
	run_reap --bogus
	expect_status 1
	"$tmpf" --help >"$root/.out"
	grep -q '^  reap \[-n\] \[-v\] \[DIR\]$' "$root/.out" || fail "tmpf --help does not list reap"
}

test_default_directory_is_tmpf_wheres() {
	mkdir "$s/tmp"
	TMPDIR="$s/tmp" start_run "$s/tmp" || return
	kill -KILL "$run_pid"
	wait "$run_pid" 2>/dev/null
	stop_pid "$command_pid"
	TMPDIR="$s/tmp" run_reap -v
	expect_status 0
	expect_out "removed directory '$run_dir'"
}

run_tests
