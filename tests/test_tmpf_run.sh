#!/bin/bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# test_tmpf_run.sh - tmpf run's unit: what COMMAND leaves running is ended
# before the directory goes (SIGTERM, SIGKILL after --kill-after), signals
# reach the whole unit, --timeout, --no-kill, --private-tmp. The rest of
# tmpf run is in test_tmpf.sh.
# Every case marks the processes of its run with a variable in their
# environment and checks at its end, through /proc, that none is left (and
# kills any that is, by pid, so that no straggler outlives the test).
# Every tmpf runs under timeout(1), so that a bug cannot hang the suite.
# Prints "tmpf-run: N passed, M failed".
set -u
ulimit -c 0 # SIGQUIT ends some of the unit: no core files

suite="tmpf-run"
# shellcheck source=tests/tmpf_cli.sh
. "$(dirname "${BASH_SOURCE[0]}")/tmpf_cli.sh"

# The marker of the current case's processes.
mark() { echo "TMPF_RUN_TEST_MARK=$suite-$$-$current"; }

# run_unit ARGS...: tmpf ARGS with the marker, under a timeout; sets
# $status, $out, $err.
run_unit() {
	env "$(mark)" timeout -k 5 120 "$tmpf" "$@" >"$s/.out" 2>"$s/.err"
	status=$?
	out=$(cat "$s/.out")
	err=$(cat "$s/.err")
	rm -f "$s/.out" "$s/.err"
}

# Pids of the processes that carry the marker.
marked() {
	grep -l -a -z -x -F "$(mark)" /proc/[0-9]*/environ 2>/dev/null | sed 's|^/proc/||; s|/environ$||'
}

# start_unit ARGS...: tmpf ARGS with the marker in the background, its
# stderr in $s/.err; $pid. Not under timeout(1), which passes a signal on
# to its whole process group: finish_unit bounds the wait instead. A
# background job of a shell without job control starts with SIGINT and
# SIGQUIT ignored, which tmpf and COMMAND would keep: env resets them.
start_unit() {
	env --default-signal=INT,QUIT,TERM,HUP "$(mark)" "$tmpf" "$@" 2>"$s/.err" &
	pid=$!
}

# Wait (at most 120 s) for the tmpf of start_unit; $status, $err.
finish_unit() {
	local i
	for ((i = 0; i < 2400; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "tmpf still runs after 120 s"
		kill -KILL "$pid"
	fi
	wait "$pid"
	status=$?
	err=$(cat "$s/.err")
	rm -f "$s/.err"
}

# End what a --no-kill run left (the test's, since tmpf did not): kill
# the marked processes, and wait (at most 10 s) until they are gone.
end_marked() {
	local i left
	for ((i = 0; i < 200; i++)); do
		left=$(marked)
		[ -n "$left" ] || return 0
		# shellcheck disable=SC2086
		kill -KILL $left 2>/dev/null
		sleep 0.05
	done
}

# Fail if a process of the case's run is left; kill it.
expect_nothing_left() {
	local left
	left=$(marked | tr '\n' ' ')
	if [ -n "$left" ]; then
		fail "processes of the run left: $left"
		# shellcheck disable=SC2086
		kill -KILL $left 2>/dev/null
	fi
}


expect_err_has() { [[ $err == *"$1"* ]] || fail "stderr '$err' lacks '$1'"; }
expect_empty() { [ -z "$(ls -A "$1")" ] || fail "$1 not empty: $(ls -A "$1" | head -3 | tr '\n' ' ')"; }

# ---- what COMMAND leaves running is ended ----------------------------------------

test_a_background_writer_is_ended_and_the_directory_removed() {
	mkdir "$s/work"
	run_unit run -p "$s/work" -- sh -c '
		(i=0; while :; do echo x >"$TMPDIR/f$i"; i=$((i + 1)); done) &
		while [ ! -e "$TMPDIR/f10" ]; do sleep 0.01; done
		exit 7'
	expect_status 7
	expect_no_out
	expect_err "tmpf: ended 1 process that 'sh' left running"
	expect_empty "$s/work"
	expect_nothing_left
}

test_a_double_forked_setsid_daemon_is_ended() {
	mkdir "$s/work"
	run_unit run -p "$s/work" -- sh -c '
		(setsid sh -c "echo \$\$ >\"\$0/daemon\"; exec sleep 300" "$0" &)
		while [ ! -s "$0/daemon" ]; do sleep 0.01; done' "$s"
	expect_status 0
	expect_err "tmpf: ended 1 process that 'sh' left running"
	[ -s "$s/daemon" ] || fail "the daemon never started"
	expect_empty "$s/work"
	expect_nothing_left
}

# The straggler is a shell and its sleep; the shell's report of the sleep's
# end goes to /dev/null.
test_what_is_left_gets_sigterm_first() {
	run_unit run -p "$s" -- sh -c '
		env --default-signal=TERM sh -c "trap \"echo term >\\\"\$0/term\\\"; exit 0\" TERM
			echo ready >\"\$0/ready\"; while :; do sleep 0.05; done" "$0" 2>/dev/null &
		while [ ! -s "$0/ready" ]; do sleep 0.01; done' "$s"
	expect_status 0
	[ "$(cat "$s/term" 2>/dev/null)" = term ] || fail "the straggler got no SIGTERM"
	expect_err "tmpf: ended 2 processes that 'sh' left running"
	expect_nothing_left
}

test_a_process_ignoring_sigterm_is_killed_after_kill_after() {
	run_unit run --kill-after=0.2 -p "$s" -- sh -c '
		sh -c "trap \"\" TERM; echo ready >\"\$0/ready\"; exec sleep 300" "$0" &
		while [ ! -s "$0/ready" ]; do sleep 0.01; done' "$s"
	expect_status 0
	expect_err "tmpf: ended 1 process that 'sh' left running (1 with SIGKILL)"
	expect_nothing_left
}

# A stopped process acts on SIGTERM only once continued: tmpf continues it
# (else this run would wait out the long grace, and the timeout fail it).
test_a_stopped_process_is_continued_to_get_its_sigterm() {
	run_unit run --kill-after=300 -p "$s" -- sh -c 'sleep 300 & kill -STOP $!'
	expect_status 0
	expect_err "tmpf: ended 1 process that 'sh' left running"
	expect_nothing_left
}

test_the_status_stays_the_commands_when_something_was_ended() {
	run_unit run -p "$s" -- sh -c 'sleep 300 & exit 3'
	expect_status 3
	run_unit run -p "$s" -- sh -c 'sleep 300 & kill -TERM $$'
	expect_status 143
	expect_err "tmpf: ended 1 process that 'sh' left running"
	expect_empty "$s"
	expect_nothing_left
}

test_nothing_is_said_when_nothing_is_left() {
	run_unit run -p "$s" -- sh -c 'sleep 0.01 & wait'
	expect_status 0
	expect_no_err
	expect_nothing_left
}

test_the_command_killed_from_outside_is_reported_and_its_unit_ended() {
	mkdir "$s/work"
	start_unit run -p "$s/work" -- sh -c 'sleep 300 & echo $$ >"$0/pid"; wait' "$s"
	wait_for "$s/pid" || fail "command never started"
	kill -KILL "$(cat "$s/pid")"
	finish_unit
	expect_status 137
	expect_err "tmpf: ended 1 process that 'sh' left running"
	expect_empty "$s/work"
	expect_nothing_left
}

# Without a /proc that shows tmpf (an empty file system mounted over it,
# in a mount namespace of the test's own), what is left cannot be found:
# the directory is kept and said so. Needs root for the mount.
test_what_cannot_be_found_keeps_the_directory() {
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		echo "tmpf-run: $current skipped: needs root and unshare -m"
		return 0
	fi
	if grep -a -q -E '__asan_init|__lsan_init' "$tmpf"; then
		# LeakSanitizer, and its options, need /proc too.
		echo "tmpf-run: $current skipped: a sanitized tmpf cannot run without /proc"
		return 0
	fi
	mkdir "$s/work"
	env "$(mark)" timeout -k 5 120 unshare -m sh -c 'mount -t tmpfs none /proc && exec "$0" "$@"' \
		"$tmpf" run -p "$s/work" -- sh -c 'sleep 300 & exit 0' 2>"$s/.err"
	status=$? err=$(cat "$s/.err")
	local kept
	kept=$(find "$s/work" -mindepth 1 -maxdepth 1)
	expect_status 125
	expect_err "tmpf: cannot end what 'sh' left running; kept temporary directory '$kept': No such file or directory"
	[ -d "$kept" ] || fail "the directory was not kept"
	local left
	left=$(marked | wc -l)
	[ "$left" = 1 ] || fail "$left processes of the run left, expected the sleep alone"
	end_marked
	expect_nothing_left
}

# One more signal while what is left has its grace: SIGKILL at once (the
# 300 s grace would outlast finish_unit's 120 s).
test_a_second_signal_skips_the_grace() {
	mkdir "$s/work"
	start_unit run --kill-after=300 -p "$s/work" -- sh -c '
		sh -c "trap \"\" TERM; echo ready >\"\$0/ready\"; exec sleep 300" "$0" &
		while [ ! -s "$0/ready" ]; do sleep 0.01; done
		echo $$ >"$0/command"' "$s"
	wait_for "$s/command" || fail "command never started"
	while kill -0 "$(cat "$s/command")" 2>/dev/null; do sleep 0.01; done
	kill -TERM "$pid"
	finish_unit
	expect_status 0
	expect_err "tmpf: ended 1 process that 'sh' left running (1 with SIGKILL)"
	expect_nothing_left
}

# ---- signals reach the whole unit ------------------------------------------------

# Send SIG to tmpf while COMMAND and two others of its unit wait for it: a
# child of COMMAND and one in a session of its own (setsid). Each records
# that it got it; COMMAND waits for the other two to have, then exits 7
# (else its end would bring them SIGTERM before their traps run).
forward_to_unit() {
	local sig=$1 i
	rm -f "$s"/got-* "$s"/ready-*
	cat >"$s/waiter" <<-'EOF'
		# sh waiter DIR SIG NAME
		trap 'echo got >"$1/got-$3"; exit 0' "$2"
		echo ready >"$1/ready-$3"
		while :; do sleep 0.05; done
	EOF
	cat >"$s/command" <<-'EOF'
		# sh command DIR SIG
		env --default-signal=INT,QUIT sh "$1/waiter" "$1" "$2" child &
		env --default-signal=INT,QUIT setsid sh "$1/waiter" "$1" "$2" daemon &
		trap 'i=0
			while [ ! -e "$1/got-child" ] || [ ! -e "$1/got-daemon" ]; do
				i=$((i + 1)) && [ $i -lt 3000 ] && sleep 0.01 || break
			done
			echo got >"$1/got-command"; exit 7' "$2"
		echo ready >"$1/ready-command"
		while :; do sleep 0.05; done
	EOF
	start_unit run -p "$s/work" -- env --default-signal=INT,TERM,HUP,QUIT sh "$s/command" "$s" "$sig"
	for i in command child daemon; do
		wait_for "$s/ready-$i" || fail "$sig: $i never started"
	done
	kill -s "$sig" "$pid" 2>/dev/null
	finish_unit
	[ "$status" = 7 ] || fail "$sig: exit status $status, expected 7 (the command's): $err"
	for i in command child daemon; do
		[ -e "$s/got-$i" ] || fail "$sig: not passed on to the $i"
	done
}

test_signals_reach_the_whole_unit() {
	local sig
	mkdir "$s/work"
	for sig in INT TERM HUP QUIT; do
		forward_to_unit "$sig"
	done
	expect_nothing_left
}

# ---- --timeout ---------------------------------------------------------------------

test_timeout_ends_the_unit_and_exits_124() {
	run_unit run --timeout=0.3 -p "$s" -- sh -c 'sleep 300 & sleep 300'
	expect_status 124
	expect_empty "$s"
	expect_nothing_left
	run_unit run --timeout=0.005m -p "$s" -- sleep 300
	expect_status 124
	expect_no_err
}

test_timeout_exits_137_when_the_command_needed_sigkill() {
	run_unit run --timeout=0.2 --kill-after=0.2 -p "$s" -- sh -c 'trap "" TERM; exec sleep 300'
	expect_status 137
	expect_nothing_left
}

test_timeout_is_not_reached_by_a_quick_command() {
	run_unit run --timeout=1d -p "$s" -- sh -c 'exit 5'
	expect_status 5
	run_unit run --timeout=0 -p "$s" -- true
	expect_status 0
	expect_no_err
}

test_durations_are_checked() {
	local bad
	for bad in "" x 1x 1s2 -1 1.2.3 ' 1' .; do
		run_unit run --timeout="$bad" -p "$s" -- true
		expect_status 125
		expect_err "tmpf: invalid time interval '$bad'
Try 'tmpf run --help' for more information."
	done
	run_unit run --kill-after=y -p "$s" -- true
	expect_status 125
	expect_err_has "tmpf: invalid time interval 'y'"
	run_unit run --kill-after=0 --timeout=.5 -p "$s" -- true
	expect_status 0
}

# ---- --no-kill ---------------------------------------------------------------------

test_no_kill_leaves_what_the_command_started_running() {
	run_unit run --no-kill -p "$s" -- sh -c 'sleep 300 & echo $! >"$0/pid"' "$s"
	expect_status 0
	expect_no_err
	local pid
	pid=$(cat "$s/pid" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || fail "--no-kill ended the background sleep"
	end_marked
	expect_nothing_left
}

test_no_kill_passes_signals_to_the_command_only() {
	mkdir "$s/work"
	start_unit run --no-kill -p "$s/work" -- env --default-signal=TERM sh -c '
		sleep 300 & echo $! >"$0/child"
		trap "exit 7" TERM
		echo ready >"$0/ready"
		while :; do sleep 0.05; done' "$s"
	wait_for "$s/ready" || fail "command never started"
	kill -TERM "$pid"
	finish_unit
	expect_status 7
	local child
	child=$(cat "$s/child")
	kill -0 "$child" 2>/dev/null || fail "--no-kill passed the signal on to the child"
	end_marked
	expect_nothing_left
}

# ---- --private-tmp -----------------------------------------------------------------

# A name no one else uses in the real /tmp.
private_name() { echo "/tmp/tmpf-run-private.$$.$current.$1"; }

# Check a --private-tmp run ($status, $out as left by a command printing
# TMPDIR and what /tmp and /var/tmp hold) as WHO; 1 if skipped.
expect_private_tmp() {
	local who=$1 name=$2
	if [ "$status" = 125 ] && [[ $err == *"private /tmp"* ]]; then
		echo "tmpf-run: $current skipped as $who: no namespace here ($err)"
		return 1
	fi
	expect_status 0
	expect_out "/tmp
${name##*/}
${name##*/}"
	[ ! -e "$name" ] || fail "$name is in the real /tmp"
	rm -f "$name"
	return 0
}

private_run() { # [PREFIX...] -- NAME: the run, as PREFIX
	local prefix=()
	while [ "$1" != -- ]; do prefix+=("$1") && shift; done
	shift
	env "$(mark)" timeout -k 5 120 "${prefix[@]}" "$tmpf" run --private-tmp -p "$s/work" -- sh -c '
		echo "$TMPDIR"; touch "$1"; ls /tmp; ls /var/tmp' sh "$1" >"$s/.out" 2>"$s/.err"
	status=$? out=$(cat "$s/.out") err=$(cat "$s/.err")
}

test_private_tmp_keeps_what_the_command_writes_in_tmp_out_of_the_real_one() {
	local name
	name=$(private_name root)
	mkdir "$s/work"
	private_run -- "$name"
	expect_private_tmp "$(id -un)" "$name" || return 0
	expect_empty "$s/work"
	expect_nothing_left
}

test_private_tmp_works_unprivileged_through_a_user_namespace() {
	if [ ${#as_nobody[@]} -eq 0 ]; then
		echo "tmpf-run: $current skipped: needs root and setpriv to run as nobody"
		return 0
	fi
	local name
	name=$(private_name nobody)
	mkdir -m 777 "$s/work"
	private_run "${as_nobody[@]}" -- "$name"
	expect_private_tmp nobody "$name" || return 0
	expect_empty "$s/work"
	expect_nothing_left
}

# Where no namespace can be made, tmpf says why and runs nothing: here a
# user namespace that may hold no further one, and no capability in it.
test_private_tmp_fails_with_125_where_no_namespace_can_be_made() {
	if ! unshare -Ur true 2>/dev/null || ! command -v setpriv >/dev/null; then
		echo "tmpf-run: $current skipped: needs unshare -Ur and setpriv"
		return 0
	fi
	mkdir "$s/work"
	env "$(mark)" timeout -k 5 120 unshare -Ur sh -c '
		echo 0 >/proc/sys/user/max_user_namespaces &&
		exec setpriv --bounding-set=-all --inh-caps=-all "$0" run --private-tmp -p "$1/work" -- \
			sh -c "echo ran >\"\$0/ran\"" "$1"' "$tmpf" "$s" 2>"$s/.err"
	status=$? err=$(cat "$s/.err")
	expect_status 125
	expect_err "tmpf: cannot give 'sh' a private /tmp (unshare(CLONE_NEWUSER|CLONE_NEWNS)): No space left on device"
	[ ! -e "$s/ran" ] || fail "the command ran without its private /tmp"
	expect_empty "$s/work"
	expect_nothing_left
}

run_tests
