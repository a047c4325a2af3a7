#!/bin/bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# test_tmpf.sh - tmpf beyond mktemp: run, rm, where, and what any CLI owes
# its users (help, exit statuses, errors on stderr prefixed "tmpf:").
# tmpf write is covered by test_tmpf_write.sh.
# The mktemp mode is covered by test_tmpf_mktemp.sh.
# Each test is a function test_<behaviour>; it fails by calling fail.
# Prints "tmpf-cli: N passed, M failed".
set -u

suite=tmpf-cli
# shellcheck source=tests/tmpf_cli.sh
. "$(dirname "${BASH_SOURCE[0]}")/tmpf_cli.sh"

# run_tmpf ARGS...: run tmpf; sets $status, $out, $err.
run_tmpf() {
	"$tmpf" "$@" >"$s/.out" 2>"$s/.err"
	status=$?
	out=$(cat "$s/.out")
	err=$(cat "$s/.err")
	rm -f "$s/.out" "$s/.err"
}

expect_err_has() { [[ $err == *"$1"* ]] || fail "stderr '$err' lacks '$1'"; }
count_entries() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }

# ---- run ---------------------------------------------------------------------

test_run_exits_with_the_command_status() {
	run_tmpf run -p "$s" -- sh -c 'exit 3'
	expect_status 3
	expect_no_out
	expect_no_err
	run_tmpf run -p "$s" true
	expect_status 0
	[ "$(count_entries "$s")" = 0 ] || fail "directory left behind"
}

test_run_exits_128_plus_n_when_the_command_is_killed() {
	run_tmpf run -p "$s" -- sh -c 'kill -KILL $$'
	expect_status 137
	run_tmpf run -p "$s" -- sh -c 'kill -TERM $$'
	expect_status 143
	[ "$(count_entries "$s")" = 0 ] || fail "directory left behind"
}

test_run_sets_tmpdir_tmp_and_temp_to_a_private_directory() {
	run_tmpf run -p "$s" -- sh -c 'printf "%s\n%s\n%s\n" "$TMPDIR" "$TMP" "$TEMP"; stat -c "%F %a" "$TMPDIR"'
	expect_status 0
	local dir
	dir=$(printf '%s\n' "$out" | sed -n 1p)
	[ "$(printf '%s\n' "$out" | sed -n 2p)" = "$dir" ] || fail "TMP differs from TMPDIR: $out"
	[ "$(printf '%s\n' "$out" | sed -n 3p)" = "$dir" ] || fail "TEMP differs from TMPDIR: $out"
	[ "$(printf '%s\n' "$out" | sed -n 4p)" = "directory 700" ] || fail "not a 0700 directory: $out"
	[[ $dir == "$s"/tmpf.* ]] || fail "not in -p DIR with the default prefix: $dir"
	[ ! -e "$dir" ] || fail "$dir not removed"
}

test_run_removes_read_only_leftovers_and_never_follows_links() {
	mkdir "$s/outside" && echo keep >"$s/outside/file"
	run_tmpf run -p "$s" --prefix work. -- sh -c '
		cd "$TMPDIR" && mkdir -p a/b/c && echo x >a/b/c/f && echo y >ro &&
		ln -s "$0/outside" link && ln -s "$0/outside/file" flink &&
		chmod 0 ro && chmod 555 a/b/c && chmod 0 a/b && chmod 500 a' "$s"
	expect_status 0
	expect_no_err
	[ "$(count_entries "$s")" = 1 ] || fail "left behind: $(ls "$s")"
	[ "$(cat "$s/outside/file" 2>/dev/null)" = keep ] || fail "followed a link out of the tree"
}

test_run_keep_keeps_the_directory_and_says_where() {
	run_tmpf run --keep -p "$s" -- sh -c 'echo data >"$TMPDIR/f"'
	expect_status 0
	local kept
	kept=$(find "$s" -mindepth 1 -maxdepth 1)
	[ -n "$kept" ] && [ "$(cat "$kept/f")" = data ] || fail "not kept"
	expect_err "tmpf: kept temporary directory '$kept'"
}

test_run_keep_on_failure_keeps_only_a_failed_run() {
	run_tmpf run --keep-on-failure -p "$s" -- true
	expect_status 0
	expect_no_err
	[ "$(count_entries "$s")" = 0 ] || fail "kept after success"
	run_tmpf run --keep-on-failure -p "$s" -- sh -c 'touch "$TMPDIR/evidence"; exit 1'
	expect_status 1
	local kept
	kept=$(find "$s" -mindepth 1 -maxdepth 1)
	[ -e "$kept/evidence" ] || fail "not kept after failure"
	expect_err "tmpf: kept temporary directory '$kept'"
	rm -rf "$kept"
	run_tmpf run --keep-on-failure -p "$s" -- sh -c 'kill -TERM $$'
	expect_status 143
	[ "$(count_entries "$s")" = 1 ] || fail "not kept after a signal"
}

# Start tmpf run in the background, wait until the command is ready, send
# SIG to tmpf, and check that the command got it and tmpf cleaned up. A
# background job of a shell without job control starts with SIGINT
# ignored, and an ignored signal stays ignored for COMMAND too (tmpf
# forwards only what it does not ignore): env resets them first. The
# signal reaches the command's sleep too, whose end by it the shell may
# report ("Terminated"): stderr is checked for tmpf's own messages only.
forward_one() {
	local sig=$1 pid i
	rm -rf "$s/work" && mkdir "$s/work"
	env --default-signal=INT,TERM,HUP "$tmpf" run -p "$s/work" -- sh -c '
		exec 2>/dev/null
		trap "echo got > \"$0/got-$1\"; exit 7" "$1"
		echo "$TMPDIR" >"$0/ready"
		while :; do sleep 0.05; done' "$s" "$sig" 2>"$s/err-$sig" &
	pid=$!
	for ((i = 0; i < 400; i++)); do
		[ -s "$s/ready" ] && break
		sleep 0.05
	done
	[ -s "$s/ready" ] || { fail "$sig: command never started"; kill -KILL "$pid"; return; }
	kill -s "$sig" "$pid"
	wait "$pid"
	local code=$?
	[ "$code" = 7 ] || fail "$sig: exit status $code, expected 7 (the command's)"
	[ -e "$s/got-$sig" ] || fail "$sig: not forwarded to the command"
	[ "$(count_entries "$s/work")" = 0 ] || fail "$sig: directory left behind"
	[ ! -s "$s/err-$sig" ] || fail "$sig: stderr: $(cat "$s/err-$sig")"
	rm -f "$s/ready"
}

test_run_forwards_sigint_sigterm_and_sighup() {
	forward_one INT
	forward_one TERM
	forward_one HUP
}

# tmpf ignores nothing itself, but what it was started with ignored stays
# ignored, for tmpf and for COMMAND (as a shell does with "trap '' INT").
test_run_leaves_an_ignored_signal_ignored() {
	out=$(trap '' INT && exec "$tmpf" run -p "$s" -- sh -c 'kill -INT $PPID; kill -INT $$; echo survived')
	status=$?
	expect_status 0
	expect_out survived
	[ "$(count_entries "$s")" = 0 ] || fail "directory left behind"
}

test_run_passes_stdin_and_stdout_through() {
	out=$(echo hello | "$tmpf" run -p "$s" cat)
	[ "$out" = hello ] || fail "got '$out'"
}

test_run_options_end_at_the_command() {
	run_tmpf run -p "$s" echo --keep -p x
	expect_status 0
	expect_out "--keep -p x"
	[ "$(count_entries "$s")" = 0 ] || fail "directory left behind"
}

test_run_without_a_command_is_a_usage_error() {
	run_tmpf run
	expect_status 125
	expect_no_out
	expect_err "tmpf: missing command
Try 'tmpf run --help' for more information."
	run_tmpf run --keep --
	expect_status 125
	expect_err_has "tmpf: missing command"
}

test_run_reports_a_missing_or_unrunnable_command() {
	run_tmpf run -p "$s" no-such-command-tmpf
	expect_status 127
	expect_err "tmpf: cannot run 'no-such-command-tmpf': No such file or directory"
	printf 'not a program\n' >"$s/notexec"
	chmod 644 "$s/notexec"
	run_tmpf run -p "$s" "$s/notexec"
	expect_status 126
	expect_err_has "tmpf: cannot run '$s/notexec': "
	[ "$(count_entries "$s")" = 1 ] || fail "directory left behind: $(ls "$s")"
}

test_run_rejects_bad_options() {
	run_tmpf run --bogus true
	expect_status 125
	expect_err "tmpf: unrecognized option '--bogus'
Try 'tmpf run --help' for more information."
	run_tmpf run -p
	expect_status 125
	expect_err_has "tmpf: option requires an argument -- 'p'"
	run_tmpf run --prefix a/b true
	expect_status 125
	expect_err "tmpf: invalid prefix 'a/b', contains directory separator"
}

test_run_reports_a_directory_it_cannot_create() {
	run_tmpf run -p "$s/missing" true
	expect_status 125
	expect_err "tmpf: cannot create a temporary directory in '$s/missing': No such file or directory"
	if [ ${#as_nobody[@]} -gt 0 ]; then
		mkdir "$s/ro" && chmod 555 "$s/ro"
		"${as_nobody[@]}" "$tmpf" run -p "$s/ro" true 2>"$s/err"
		status=$?
		err=$(cat "$s/err")
		expect_status 125
		expect_err "tmpf: cannot create a temporary directory in '$s/ro': Permission denied"
	fi
}

# A file system mounted inside the directory is not entered, so the
# directory cannot be removed: a failure of tmpf's own (125) after a
# successful command, with the right reason. Needs mount(2): skipped where
# the test cannot mount (unprivileged, or a restricted container).
test_run_reports_a_directory_it_cannot_remove() {
	run_tmpf run -p "$s" -- sh -c 'mkdir "$TMPDIR/m" && mount -t tmpfs tmpf-test "$TMPDIR/m" 2>/dev/null || exit 42'
	local dir
	dir=$(find "$s" -mindepth 1 -maxdepth 1)
	if [ "$status" = 42 ]; then
		[ -z "$dir" ] || fail "not removed after a failed command: $dir"
		return 0
	fi
	umount "$dir/m" 2>/dev/null
	expect_status 125
	expect_err "tmpf: cannot remove temporary directory '$dir': Device or resource busy"
	rm -rf "$dir"
}

test_run_reports_a_tmpdir_it_passes_over_and_goes_on() {
	TMPDIR="$s/missing" TEMP="$s" run_tmpf run -- sh -c 'echo "$TMPDIR"'
	expect_status 0
	[[ $out == "$s"/tmpf.* ]] || fail "not made in the next candidate: $out"
	expect_err "tmpf: ignoring TMPDIR '$s/missing': missing"
	# With -p the variables are not looked at.
	TMPDIR="$s/missing" run_tmpf run -p "$s" true
	expect_status 0
	expect_no_err
}

# No descriptor left to open: every probe fails, so no directory is usable.
# With no descriptor free (ulimit -n 3) no candidate can be probed. Only a
# tmpf that needs no descriptor to start can be run so: a dynamically
# linked one (the Debian package's, the sanitizer and valgrind builds')
# cannot load its libraries.
starts_with_no_descriptor_free() {
	(ulimit -n 3 && exec "$tmpf" --version) >/dev/null 2>&1 && return 0
	echo "tmpf-cli: $current skipped: this tmpf cannot start with no descriptor free (dynamically linked)"
	return 1
}

test_run_says_when_no_directory_is_usable_and_points_to_explain() {
	starts_with_no_descriptor_free || return 0
	(ulimit -n 3 && TMPDIR="$s/missing" exec "$tmpf" run true) >"$s/.out" 2>"$s/.err"
	status=$? out=$(cat "$s/.out") err=$(cat "$s/.err")
	expect_status 125
	expect_no_out
	expect_err "tmpf: ignoring TMPDIR '$s/missing': missing
tmpf: no usable temporary directory (see 'tmpf where --explain')"
}

test_run_names_the_directory_it_could_not_create_in() {
	local long
	long=$(printf '%0300d' 0)
	TMPDIR="$s" run_tmpf run --prefix "$long" true
	expect_status 125
	expect_err "tmpf: cannot create a temporary directory in '$s': File name too long"
}

test_run_prefix_names_the_directory() {
	run_tmpf run -p "$s" --prefix=build- -- sh -c 'basename "$TMPDIR"'
	[[ $out == build-???????? ]] || fail "name '$out'"
}

# ---- rm ----------------------------------------------------------------------

test_rm_removes_files_and_trees_with_read_only_parts() {
	echo x >"$s/file"
	mkdir -p "$s/tree/a/b" && echo y >"$s/tree/a/b/f" && chmod 0 "$s/tree/a/b" && chmod 500 "$s/tree/a"
	run_tmpf rm "$s/file" "$s/tree/"
	expect_status 0
	expect_no_out
	expect_no_err
	[ "$(count_entries "$s")" = 0 ] || fail "left: $(ls "$s")"
}

test_rm_removes_a_symlink_never_its_target() {
	mkdir "$s/target" && echo keep >"$s/target/f"
	ln -s "$s/target" "$s/link"
	mkdir "$s/tree" && ln -s "$s/target" "$s/tree/inner"
	run_tmpf rm "$s/link/" "$s/tree"
	expect_status 0
	[ ! -e "$s/link" ] && [ ! -L "$s/link" ] || fail "link not removed"
	[ ! -e "$s/tree" ] || fail "tree not removed"
	[ "$(cat "$s/target/f")" = keep ] || fail "followed a link"
}

test_rm_reports_missing_paths_unless_forced() {
	echo x >"$s/there"
	run_tmpf rm "$s/missing" "$s/there"
	expect_status 1
	expect_err "tmpf: cannot remove '$s/missing': No such file or directory"
	[ ! -e "$s/there" ] || fail "went on but did not remove the next one"
	run_tmpf rm -f "$s/missing"
	expect_status 0
	expect_no_err
	run_tmpf rm -f
	expect_status 0
	run_tmpf rm
	expect_status 1
	expect_err "tmpf: missing operand
Try 'tmpf rm --help' for more information."
}

# A directory outside bind-mounted inside the tree has the tree's device:
# rm must leave every file of it, remove the rest, and say EBUSY. Needs
# unshare -m (a private mount namespace, gone with the command): skipped
# with a message where that is refused.
test_rm_leaves_a_bind_mounted_directory_alone() {
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "tmpf-cli: $current skipped: no private mount namespace (unshare -m)"
		return 0
	fi
	mkdir -p "$s/outside/sub" "$s/tree/a/b/mnt" "$s/tree/mnt"
	echo keep >"$s/outside/f" && echo keep >"$s/outside/sub/g"
	echo x >"$s/tree/a/f"
	# In the namespace: mount, remove, and list what is left while the
	# mounts are still there.
	unshare -m --propagation private sh -c '
		mount --bind "$1/outside" "$1/tree/a/b/mnt" && mount --bind "$1/outside" "$1/tree/mnt" || exit 42
		"$2" rm "$1/tree" >"$1/.out" 2>"$1/.err"
		echo $? >"$1/.status"
		(cd "$1" && find tree -name mnt -print -prune -o -print | sort) >"$1/.left"
	' sh "$s" "$tmpf"
	if [ $? = 42 ]; then
		echo "tmpf-cli: $current skipped: cannot bind-mount"
		return 0
	fi
	status=$(cat "$s/.status") out=$(cat "$s/.out") err=$(cat "$s/.err")
	expect_status 1
	expect_no_out
	expect_err "tmpf: cannot remove '$s/tree': Device or resource busy"
	[ "$(cat "$s/outside/f" "$s/outside/sub/g" 2>&1)" = "keep
keep" ] || fail "the bind-mounted files were touched: $(find "$s/outside")"
	[ "$(tr '\n' ' ' <"$s/.left")" = "tree tree/a tree/a/b tree/a/b/mnt tree/mnt " ] ||
		fail "left: $(tr '\n' ' ' <"$s/.left")"
	rm -rf "$s/tree" "$s/.out" "$s/.err" "$s/.status" "$s/.left"
}

# A command that bind-mounts something into its $TMPDIR and ends: the
# cleanup must not empty the mounted directory, and says why it failed.
test_run_leaves_a_directory_its_command_bind_mounted() {
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "tmpf-cli: $current skipped: no private mount namespace (unshare -m)"
		return 0
	fi
	mkdir -p "$s/outside" "$s/runs"
	echo keep >"$s/outside/f"
	unshare -m --propagation private sh -c '
		TMPDIR="$1/runs" "$2" run -- sh -c "
			mkdir \"\$TMPDIR/m\" && mount --bind \"$1/outside\" \"\$TMPDIR/m\" || exit 42
			echo x >\"\$TMPDIR/scratch\"" >"$1/.out" 2>"$1/.err"
		echo $? >"$1/.status"
		ls "$1"/runs/* >"$1/.left" 2>&1
	' sh "$s" "$tmpf"
	status=$(cat "$s/.status") out=$(cat "$s/.out") err=$(cat "$s/.err")
	if [ "$status" = 42 ]; then
		echo "tmpf-cli: $current skipped: cannot bind-mount"
		rm -rf "$s/runs" "$s/outside" "$s"/.out "$s"/.err "$s"/.status "$s"/.left
		return 0
	fi
	expect_status 125
	expect_no_out
	expect_err_has "Device or resource busy"
	[ "$(cat "$s/outside/f" 2>&1)" = keep ] || fail "the bind-mounted file was touched"
	[ "$(tr '\n' ' ' <"$s/.left")" = "m " ] || fail "left in the run's directory: $(cat "$s/.left")"
	rm -rf "$s/runs" "$s/outside" "$s"/.out "$s"/.err "$s"/.status "$s"/.left
}

test_rm_refuses_dot_dotdot_and_root() {
	mkdir "$s/d"
	run_tmpf rm "$s/d/." "$s/d/.."
	expect_status 1
	expect_err "tmpf: refusing to remove '.' or '..' directory: skipping '$s/d/.'
tmpf: refusing to remove '.' or '..' directory: skipping '$s/d/..'"
	[ -d "$s/d" ] || fail "removed"
	# Only as nobody, so that a broken check could not do harm.
	if [ ${#as_nobody[@]} -gt 0 ]; then
		"${as_nobody[@]}" "$tmpf" rm // 2>"$s/err"
		status=$?
		err=$(cat "$s/err")
		expect_status 1
		expect_err "tmpf: refusing to remove '//': it is the root directory"
	fi
}

test_rm_rejects_bad_options() {
	run_tmpf rm -x "$s"
	expect_status 1
	expect_err "tmpf: invalid option -- 'x'
Try 'tmpf rm --help' for more information."
	[ -d "$s" ] || fail "removed despite the error"
}

# ---- where -------------------------------------------------------------------

test_where_prints_the_first_usable_candidate() {
	TMPDIR="$s" run_tmpf where
	expect_status 0
	expect_out "$s"
	expect_no_err
	mkdir "$s/rel"
	(cd "$s" && TMPDIR=rel "$tmpf" where >"$s/out")
	[ "$(cat "$s/out")" = "$s/rel" ] || fail "relative TMPDIR not made absolute: $(cat "$s/out")"
	TMPDIR="$s/missing" TEMP="$s" run_tmpf where
	expect_out "$s"
	expect_err "tmpf: ignoring TMPDIR '$s/missing': missing"
}

test_where_explain_shows_every_candidate_and_why() {
	echo x >"$s/file"
	TMPDIR="$s/missing" TEMP="$s/file" TMP='' run_tmpf where --explain
	local cwd
	cwd=$(pwd)
	expect_status 0
	local first4
	first4=$(printf '%s\n' "$out" | head -n 3)
	[ "$first4" = "TMPDIR	$s/missing	missing
TEMP	$s/file	not a directory
TMP	-	empty" ] || fail "explain: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" = 7 ] || fail "not 7 candidates: $out"
	[ "$(printf '%s\n' "$out" | grep -c '	chosen$')" = 1 ] || fail "not exactly one chosen: $out"
	[ "$(printf '%s\n' "$out" | sed -n 4p | cut -f1,2)" = "default	/tmp" ] || fail "line 4: $out"
	[ "$(printf '%s\n' "$out" | sed -n 7p | cut -f1,2)" = "cwd	$cwd" ] || fail "line 7: $out"
	TMPDIR="$s" run_tmpf where --explain
	[ "$(printf '%s\n' "$out" | head -n 2)" = "TMPDIR	$s	chosen
TEMP	-	unset" ] || fail "explain: $out"
}

test_where_explain_says_not_writable() {
	[ ${#as_nobody[@]} -gt 0 ] || return 0
	mkdir "$s/ro" && chmod 555 "$s/ro"
	out=$(cd / && TMPDIR="$s/ro" "${as_nobody[@]}" "$tmpf" where --explain | head -n 1)
	[ "$out" = "TMPDIR	$s/ro	not writable" ] || fail "got '$out'"
}

test_where_reports_each_variable_it_passes_over_once_with_why() {
	echo x >"$s/file"
	TMPDIR="$s/missing" TEMP="$s/file" TMP="$s" run_tmpf where
	expect_status 0
	expect_out "$s"
	expect_err "tmpf: ignoring TMPDIR '$s/missing': missing
tmpf: ignoring TEMP '$s/file': not a directory"
	# A relative one is named as it was tried: made absolute.
	(cd "$s" && TMPDIR=rel "$tmpf" where >"$s/.out" 2>"$s/.err")
	[ "$(cat "$s/.err")" = "tmpf: ignoring TMPDIR '$s/rel': missing" ] || fail "relative: $(cat "$s/.err")"
	# Unset, empty or usable: nothing to say.
	TMPDIR='' TEMP="$s" run_tmpf where
	expect_out "$s"
	expect_no_err
	TMPDIR="$s" TEMP="$s/missing" run_tmpf where
	expect_no_err
	# --explain says it in its table, not on stderr.
	TMPDIR="$s/missing" run_tmpf where --explain
	expect_status 0
	expect_no_err
}

test_where_says_when_no_directory_is_usable_and_points_to_explain() {
	local none="tmpf: no usable temporary directory (see 'tmpf where --explain')"
	starts_with_no_descriptor_free || return 0
	(ulimit -n 3 && TMPDIR="$s/missing" exec "$tmpf" where) >"$s/.out" 2>"$s/.err"
	status=$? out=$(cat "$s/.out") err=$(cat "$s/.err")
	expect_status 1
	expect_no_out
	expect_err "tmpf: ignoring TMPDIR '$s/missing': missing
$none"
	(ulimit -n 3 && TMPDIR="$s/missing" exec "$tmpf" where --explain) >"$s/.out" 2>"$s/.err"
	status=$? out=$(cat "$s/.out") err=$(cat "$s/.err")
	expect_status 1
	expect_err "$none"
	[ "$(printf '%s\n' "$out" | grep -c 'cannot create files (Too many open files)$')" -ge 2 ] ||
		fail "explain: $out"
}

# /proc is there, but the kernel refuses new files in it (ENOENT): that
# is not "missing". As TEMP, not TMPDIR: valgrind (.ci/valgrind.sh) keeps
# its own files in $TMPDIR.
test_where_explain_tells_a_directory_that_refuses_files_from_a_missing_one() {
	if [ ! -d /proc/self ] || [[ $( (: >/proc/tmpf-test) 2>&1) != *": No such file or directory" ]]; then
		echo "tmpf-cli: $current skipped: no /proc refusing files with ENOENT"
		return 0
	fi
	TMPDIR="$s/missing" TEMP=/proc TMP=/proc/no-such-dir run_tmpf where --explain
	[ "$(printf '%s\n' "$out" | head -n 3)" = "TMPDIR	$s/missing	missing
TEMP	/proc	cannot create files (No such file or directory)
TMP	/proc/no-such-dir	missing" ] || fail "explain: $out"
	TEMP=/proc TMP="$s" run_tmpf where
	expect_out "$s"
	expect_err "tmpf: ignoring TEMP '/proc': cannot create files (No such file or directory)"
}

test_where_explain_says_symbolic_link_loop_and_name_too_long() {
	ln -s loop "$s/loop"
	local long
	long="$s/$(printf '%05000d' 0)"
	TMPDIR="$s/loop" TEMP="$long" run_tmpf where --explain
	[ "$(printf '%s\n' "$out" | head -n 2)" = "TMPDIR	$s/loop	symbolic link loop
TEMP	$long	name too long" ] || fail "explain: $(printf '%s\n' "$out" | head -n 2 | cut -c1-200)"
}

# Read-only, and full (a file can be made, not written): tmpfs mounts in a
# private mount namespace. Skipped where that is refused.
test_where_explain_says_read_only_and_full() {
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "tmpf-cli: $current skipped: no private mount namespace (unshare -m)"
		return 0
	fi
	mkdir "$s/ro" "$s/full"
	unshare -m --propagation private sh -c '
		mount -t tmpfs -o ro tmpf-test "$1/ro" && mount -t tmpfs -o size=4k tmpf-test "$1/full" || exit 42
		cat /dev/zero >"$1/full/filler" 2>/dev/null
		TMPDIR="$1/ro" TEMP="$1/full" "$2" where --explain >"$1/.out" 2>"$1/.err"
	' sh "$s" "$tmpf"
	if [ $? = 42 ]; then
		echo "tmpf-cli: $current skipped: cannot mount a tmpfs"
		return 0
	fi
	out=$(head -n 2 "$s/.out")
	[ "$out" = "TMPDIR	$s/ro	read-only file system
TEMP	$s/full	full" ] || fail "explain: $out"
	rm -f "$s/.out" "$s/.err"
}

# Not accessible: the directory, or one on the way, may not be searched
# (so not even looked at); not writable: it is there, but closed.
test_where_explain_tells_not_writable_from_not_accessible() {
	[ ${#as_nobody[@]} -gt 0 ] || return 0
	mkdir -p "$s/locked/inner" && chmod 777 "$s/locked/inner" && chmod 700 "$s/locked"
	out=$(cd / && TMPDIR="$s/locked/inner" TEMP="$s/locked" TMP="$s" \
		"${as_nobody[@]}" "$tmpf" where --explain 2>&1 | head -n 3)
	[ "$out" = "TMPDIR	$s/locked/inner	not accessible
TEMP	$s/locked	not accessible
TMP	$s	not writable" ] || fail "got '$out'"
}

test_where_rejects_operands_and_reports_write_errors() {
	run_tmpf where x
	expect_status 1
	expect_err "tmpf: extra operand 'x'
Try 'tmpf where --help' for more information."
	"$tmpf" where >/dev/full 2>"$s/err"
	status=$?
	err=$(cat "$s/err")
	expect_status 1
	expect_err "tmpf: write error: No space left on device"
}

# ---- the CLI as a whole ------------------------------------------------------

test_help_exists_for_the_tool_and_each_subcommand() {
	local sub
	for sub in "" run rm where write; do
		# shellcheck disable=SC2086
		run_tmpf $sub --help
		expect_status 0
		expect_no_err
		[[ $out == "Usage: tmpf ${sub:+$sub }"* ]] || fail "$sub --help: ${out%%$'\n'*}"
		[[ $out == *"--version"*"output version information and exit"* ]] ||
			fail "$sub --help does not list --version"
	done
	run_tmpf --help
	[[ $out == *"run [OPTION]..."* && $out == *"rm [-f] PATH..."* && $out == *"where [--explain]"* &&
		$out == *"write [OPTION]... FILE"* ]] ||
		fail "--help does not list the subcommands"
}

test_version_says_the_licence_as_gnu_tools_do() {
	run_tmpf --version
	expect_status 0
	expect_no_err
	local version=${out%%$'\n'*}
	[[ $version =~ ^tmpf\ \(libtempfile\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version: $out"
	expect_out "$version
Copyright (C) 2026 the libtempfile authors.
License: MIT <https://opensource.org/licenses/MIT>.
This is free software: you are free to change and redistribute it.
There is NO WARRANTY, to the extent permitted by law.

A drop-in for GNU mktemp (coreutils 9.1), with run, rm, where and write."
	local full=$out sub
	for sub in -V "run --version" "rm --version" "where --version" "where --vers" "write --version"; do
		# shellcheck disable=SC2086
		run_tmpf $sub
		expect_status 0
		[ "$out" = "$full" ] || fail "$sub: $out"
	done
	run_tmpf run --version true
	[ "$out" = "$full" ] || fail "run --version COMMAND ran it: $out"
}

test_version_reports_write_errors_with_each_commands_status() {
	local sub expected
	for sub in "" run rm where write; do
		expected=1
		[ "$sub" = run ] && expected=125
		# shellcheck disable=SC2086
		"$tmpf" $sub --version >/dev/full 2>"$s/err"
		status=$?
		err=$(cat "$s/err")
		expect_status $expected
		expect_err "tmpf: write error: No space left on device"
	done
}

test_a_subcommand_name_after_dashdash_is_a_template() {
	run_tmpf -- run
	expect_status 1
	expect_no_out
	expect_err "tmpf: too few X's in template 'run'"
	run_tmpf -u ./where
	expect_err "tmpf: too few X's in template './where'"
}

test_errors_are_one_line_on_stderr_and_leave_nothing() {
	(cd "$s" && "$tmpf" fooXX >"$s/.o" 2>"$s/.e")
	status=$?
	[ "$status" = 1 ] || fail "status $status"
	[ ! -s "$s/.o" ] || fail "stdout: $(cat "$s/.o")"
	[ "$(cat "$s/.e")" = "tmpf: too few X's in template 'fooXX'" ] || fail "stderr: $(cat "$s/.e")"
	rm -f "$s/.o" "$s/.e"
	[ "$(count_entries "$s")" = 0 ] || fail "left: $(ls "$s")"
}

# Quoting a name loads the locale, which fails opens on the way; the
# reported error must still be the real one (ENOTDIR here, not ENOENT).
test_the_error_survives_quoting_in_a_utf8_locale() {
	local q1="'" q2="'"
	if LC_ALL=C.UTF-8 mktemp -u foo 2>&1 | grep -q $'\xe2\x80\x98'; then
		q1=$'\xe2\x80\x98' q2=$'\xe2\x80\x99'
	fi
	echo x >"$s/file"
	LC_ALL=C.UTF-8 run_tmpf rm "$s/file/x"
	expect_err "tmpf: cannot remove $q1$s/file/x$q2: Not a directory"
	LC_ALL=C.UTF-8 run_tmpf run -p "$s/file" true
	expect_err "tmpf: cannot create a temporary directory in $q1$s/file$q2: Not a directory"
	LC_ALL=C.UTF-8 run_tmpf -p "$s/file"
	expect_err "tmpf: failed to create file via template $q1$s/file/tmp.XXXXXXXXXX$q2: Not a directory"
}

test_messages_use_the_name_tmpf_was_called_by() {
	ln -s "$tmpf" "$s/mktemp"
	"$s/mktemp" -q foo 2>"$s/err"
	[ "$(cat "$s/err")" = "mktemp: too few X's in template 'foo'" ] || fail "$(cat "$s/err")"
}

run_tests
