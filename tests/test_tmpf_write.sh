#!/bin/bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# test_tmpf_write.sh - tmpf write FILE: standard input replaces FILE
# atomically. Pipelines are compared with sponge(1) (moreutils) where it is
# installed; without it those comparisons are skipped, with a message.
# Each test is a function test_<behaviour>; it fails by calling fail.
# Prints "tmpf-write: N passed, M failed".
set -u
shopt -s lastpipe # "producer | run_write FILE" sets $status in this shell

suite=tmpf-write
# shellcheck source=tests/tmpf_cli.sh
. "$(dirname "${BASH_SOURCE[0]}")/tmpf_cli.sh"
umask 022

sponge=$(command -v sponge)
[ -n "$sponge" ] || echo "tmpf-write: the comparisons with sponge are skipped: sponge not found (moreutils)"

# run_write ARGS... <INPUT: tmpf write ARGS; sets $status, $out, $err.
run_write() { run_tmpf write "$@"; }

# expect_entries NAME...: the directory $s holds exactly these names.
expect_entries() {
	local want got
	want=$(printf '%s\n' "$@" | LC_ALL=C sort)
	got=$(cd "$s" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
	[ "$got" = "$want" ] || fail "directory holds '$(echo $got)', expected '$(echo $want)'"
}
expect_content() { # FILE TEXT
	[ "$(cat "$1")" = "$2" ] || fail "$1 holds '$(head -c 100 "$1")', expected '$2'"
}
expect_mode() { # FILE OCTAL
	local mode
	mode=$(stat -c %a "$1")
	[ "$mode" = "$2" ] || fail "$1 has mode $mode, expected $2"
}
# expect_same_as_sponge TMPF_RESULT SPONGE_RESULT: same bytes, same mode.
expect_same_as_sponge() {
	cmp -s "$1" "$2" || fail "$1 differs from sponge's $2"
	[ "$(stat -c %a "$1")" = "$(stat -c %a "$2")" ] ||
		fail "mode $(stat -c %a "$1"), sponge's $(stat -c %a "$2")"
}
have_sponge() { [ -n "$sponge" ]; }

# ---- content: what sponge does --------------------------------------------

test_stdin_replaces_the_file() {
	echo old >"$s/f"
	echo new | run_write "$s/f"
	expect_status 0
	expect_no_out
	expect_no_err
	expect_content "$s/f" new
	expect_entries f
}

test_stdin_creates_a_missing_file() {
	printf 'line 1\nline 2\n' | run_write "$s/f"
	expect_status 0
	expect_no_err
	expect_content "$s/f" "line 1
line 2"
	expect_entries f
}

test_sort_of_the_file_into_the_file_is_what_sponge_makes() {
	printf 'pear\napple\nfig\napple\n' >"$s/t"
	cp -p "$s/t" "$s/g"
	sort -u "$s/t" | run_write "$s/t"
	expect_status 0
	expect_content "$s/t" "apple
fig
pear"
	if have_sponge; then
		sort -u "$s/g" | sponge "$s/g"
		expect_same_as_sponge "$s/t" "$s/g"
	fi
}

test_the_file_as_its_own_input_is_what_sponge_makes() {
	printf 'a\nb\n' >"$s/t"
	cp -p "$s/t" "$s/g"
	run_write "$s/t" <"$s/t"
	expect_status 0
	expect_content "$s/t" "a
b"
	cat "$s/t" "$s/t" | run_write "$s/t"
	expect_content "$s/t" "a
b
a
b"
	if have_sponge; then
		sponge "$s/g" <"$s/g"
		cat "$s/g" "$s/g" | sponge "$s/g"
		expect_same_as_sponge "$s/t" "$s/g"
	fi
	expect_entries t g
}

test_empty_input_empties_the_file_as_sponge_does() {
	echo old >"$s/t"
	cp -p "$s/t" "$s/g"
	run_write "$s/t" </dev/null
	expect_status 0
	[ -f "$s/t" ] && [ ! -s "$s/t" ] || fail "not an empty file"
	: | run_write "$s/new"
	expect_status 0
	[ -f "$s/new" ] && [ ! -s "$s/new" ] || fail "no empty new file"
	if have_sponge; then
		sponge "$s/g" </dev/null
		expect_same_as_sponge "$s/t" "$s/g"
	fi
}

test_binary_data_with_nul_bytes_is_copied_exactly() {
	printf 'a\0b\r\n\0\377\032end\0' >"$s/src"
	run_write "$s/t" <"$s/src"
	expect_status 0
	cmp -s "$s/src" "$s/t" || fail "content changed: $(od -c "$s/t" | head -3)"
	if have_sponge; then
		sponge "$s/g" <"$s/src"
		expect_same_as_sponge "$s/t" "$s/g"
	fi
}

test_ten_mib_through_a_pipe_is_copied_exactly() {
	head -c 10485760 /dev/urandom >"$s/src"
	cat "$s/src" | run_write "$s/t"
	expect_status 0
	cmp -s "$s/src" "$s/t" || fail "10 MiB through a pipe: content differs"
	run_write "$s/t2" <"$s/src"
	cmp -s "$s/src" "$s/t2" || fail "10 MiB from a file: content differs"
	if have_sponge; then
		cat "$s/src" | sponge "$s/g"
		expect_same_as_sponge "$s/t" "$s/g"
	fi
}

# Bounded memory: the content goes to the staging file as it arrives (a
# descriptor of tmpf's that points into the directory while FILE is still
# the old one), not after the end of the input.
test_the_input_is_written_as_it_is_read() {
	if [ ! -d /proc/self/fd ]; then
		echo "tmpf-write: $current skipped: no /proc/PID/fd"
		return 0
	fi
	echo old >"$s/f"
	mkfifo "$s/fifo"
	"$tmpf" write "$s/f" <"$s/fifo" 2>"$root/.err" &
	local pid=$! size=0 fd link i
	exec 7>"$s/fifo"
	head -c 3145728 /dev/zero >&7
	for ((i = 0; i < 200 && size < 2097152; i++)); do
		for fd in /proc/"$pid"/fd/*; do
			link=$(readlink "$fd" 2>/dev/null) || continue
			case $link in "$s"/fifo | "$s"/f) ;; "$s"/*) size=$(stat -L -c %s "$fd" 2>/dev/null || echo 0) ;; esac
		done
		[ "$size" -ge 2097152 ] || sleep 0.05
	done
	[ "$size" -ge 2097152 ] || fail "3 MiB read, but the staging file holds $size bytes"
	expect_content "$s/f" old
	(echo tail >&7) 2>/dev/null # a subshell: if tmpf is gone, SIGPIPE ends only it
	exec 7>&-
	wait "$pid"
	status=$?
	err=$(cat "$root/.err")
	expect_status 0
	[ "$(stat -c %s "$s/f")" = $((3145728 + 5)) ] || fail "size $(stat -c %s "$s/f")"
	expect_entries f fifo
}

# ---- mode and owner -----------------------------------------------------------

test_an_existing_file_keeps_its_mode_as_with_sponge() {
	echo old >"$s/t"
	chmod 640 "$s/t"
	cp -p "$s/t" "$s/g"
	echo new | run_write "$s/t"
	expect_status 0
	expect_mode "$s/t" 640
	chmod 604 "$s/t"
	echo newer | run_write "$s/t"
	expect_mode "$s/t" 604
	if have_sponge; then
		echo new | sponge "$s/g"
		chmod 604 "$s/g"
		echo newer | sponge "$s/g"
		expect_same_as_sponge "$s/t" "$s/g"
	fi
}

test_a_new_file_gets_0666_minus_the_umask() {
	echo x | run_write "$s/a"
	expect_mode "$s/a" 644
	(umask 077 && echo x | "$tmpf" write "$s/b")
	expect_mode "$s/b" 600
	if have_sponge; then
		echo x | sponge "$s/g"
		expect_same_as_sponge "$s/a" "$s/g"
	fi
}

test_an_existing_file_keeps_its_owner_and_group_where_allowed() {
	[ "$(id -u)" = 0 ] || { echo "tmpf-write: $current skipped: not root"; return 0; }
	echo old >"$s/f"
	chown 65534:65534 "$s/f"
	echo new | run_write "$s/f"
	expect_status 0
	[ "$(stat -c %u:%g "$s/f")" = 65534:65534 ] || fail "owner $(stat -c %u:%g "$s/f")"
	expect_content "$s/f" new
}

test_mode_option_sets_the_mode_minus_the_umask() {
	echo old >"$s/f"
	chmod 600 "$s/f"
	echo new | run_write --mode=640 "$s/f"
	expect_status 0
	expect_no_err
	expect_mode "$s/f" 640
	echo x | run_write --mode 755 "$s/new"
	expect_mode "$s/new" 755
	echo x | run_write --mode=0666 "$s/umasked"
	expect_mode "$s/umasked" 644
	# 0, like no --mode: the file's own mode.
	echo y | run_write --mode=0 "$s/f"
	expect_status 0
	expect_mode "$s/f" 640
	expect_content "$s/f" y
}

test_a_bad_mode_is_a_usage_error_and_reads_nothing() {
	echo old >"$s/f"
	local bad
	for bad in 999 8 '' 10000 abc -1 +x u=rw 07777777777777777777777; do
		echo new | run_write --mode="$bad" "$s/f"
		expect_status 1
		expect_no_out
		expect_err "tmpf: invalid mode '$bad'
Try 'tmpf write --help' for more information."
	done
	expect_content "$s/f" old
	expect_entries f
	echo new | run_write --mode=7777 "$s/top"
	expect_status 0
}

# ---- --no-clobber ---------------------------------------------------------------

test_no_clobber_refuses_an_existing_file_and_names_it() {
	echo old >"$s/f"
	echo new | run_write --no-clobber "$s/f"
	expect_status 1
	expect_no_out
	expect_err "tmpf: not replacing '$s/f': File exists"
	expect_content "$s/f" old
	expect_entries f
	ln -s missing "$s/dangling"
	echo new | run_write --no-clobber "$s/dangling"
	expect_status 1
	expect_err "tmpf: not replacing '$s/dangling': File exists"
	[ -L "$s/dangling" ] || fail "the dangling link was replaced"
	expect_entries f dangling
}

test_no_clobber_creates_a_missing_file() {
	echo new | run_write --no-clobber "$s/f"
	expect_status 0
	expect_no_err
	expect_content "$s/f" new
	expect_entries f
}

test_no_clobber_writers_racing_for_a_new_file_one_wins() {
	local i pids=() wins=0
	for i in 1 2 3 4 5 6 7 8; do
		head -c 100000 /dev/zero | tr '\0' "$i" >"$s/in$i"
	done
	for i in 1 2 3 4 5 6 7 8; do
		"$tmpf" write --no-clobber "$s/f" <"$s/in$i" 2>/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" && wins=$((wins + 1))
	done
	[ "$wins" = 1 ] || fail "$wins writers succeeded"
	local whole=0
	for i in 1 2 3 4 5 6 7 8; do
		cmp -s "$s/f" "$s/in$i" && whole=1
	done
	[ "$whole" = 1 ] || fail "f is no writer's whole content"
	expect_entries f in1 in2 in3 in4 in5 in6 in7 in8
}

# ---- --sync ---------------------------------------------------------------------

test_sync_writes_the_file_and_flushes_it_and_its_directory() {
	echo old >"$s/f"
	echo new | run_write --sync "$s/f"
	expect_status 0
	expect_no_err
	expect_content "$s/f" new
	if ! command -v strace >/dev/null; then
		echo "tmpf-write: $current: the fsync count skipped: no strace"
		return 0
	fi
	local synced
	synced=$(echo x | strace -f -e trace=fsync,fdatasync "$tmpf" write --sync "$s/f" 2>&1 >/dev/null |
		grep -c -E '^(\[pid +[0-9]+\] )?f(data)?sync\([0-9]+\) += 0')
	[ "$synced" -ge 2 ] || fail "--sync: $synced fsync calls, expected the file's and the directory's"
	synced=$(echo x | strace -f -e trace=fsync,fdatasync "$tmpf" write "$s/f" 2>&1 >/dev/null |
		grep -c -E 'f(data)?sync\(')
	[ "$synced" = 0 ] || fail "without --sync: $synced fsync calls"
	expect_entries f
}

# ---- symbolic links ----------------------------------------------------------------

# ... with a new file's mode: a link has no permissions of its own to keep.
test_a_symbolic_link_at_file_is_replaced_itself() {
	echo target >"$s/target"
	chmod 600 "$s/target"
	ln -s target "$s/link"
	echo new | run_write "$s/link"
	expect_status 0
	[ ! -L "$s/link" ] && [ -f "$s/link" ] || fail "link not replaced by a file"
	expect_content "$s/link" new
	expect_mode "$s/link" 644
	expect_content "$s/target" target
	expect_entries link target
}

# ---- failures: FILE as it was, nothing left behind -----------------------------------

test_a_missing_directory_is_reported() {
	echo new | run_write "$s/missing/f"
	expect_status 1
	expect_no_out
	expect_err "tmpf: cannot write '$s/missing/f': No such file or directory"
	expect_entries
}

test_a_directory_at_file_is_reported_and_left_alone() {
	mkdir "$s/d"
	echo x >"$s/d/inside"
	echo new | run_write "$s/d"
	expect_status 1
	expect_err "tmpf: cannot write '$s/d': Is a directory"
	[ -d "$s/d" ] && expect_content "$s/d/inside" x
	expect_entries d
	[ "$(ls -A "$s/d")" = inside ] || fail "left in d: $(ls -A "$s/d")"
}

test_stdin_a_directory_leaves_the_file_untouched() {
	echo old >"$s/f"
	mkdir "$s/dir"
	local inode
	inode=$(stat -c %i "$s/f")
	run_write "$s/f" <"$s/dir"
	expect_status 1
	expect_no_out
	expect_err "tmpf: cannot read standard input: Is a directory"
	expect_content "$s/f" old
	[ "$(stat -c %i "$s/f")" = "$inode" ] || fail "f was replaced"
	run_write "$s/new" <"$s/dir"
	expect_status 1
	[ ! -e "$s/new" ] || fail "a new file was created"
	expect_entries f dir
}

test_a_closed_stdin_leaves_the_file_untouched() {
	echo old >"$s/f"
	run_write "$s/f" <&-
	expect_status 1
	expect_err "tmpf: cannot read standard input: Bad file descriptor"
	expect_content "$s/f" old
	run_write "$s/new" <&-
	expect_status 1
	expect_entries f
}

test_a_read_only_directory_is_reported_as_nobody() {
	[ ${#as_nobody[@]} -gt 0 ] || { echo "tmpf-write: $current skipped: not root, or no setpriv"; return 0; }
	mkdir "$s/ro"
	echo old >"$s/ro/f"
	chmod 666 "$s/ro/f"
	chmod 555 "$s/ro"
	echo new | "${as_nobody[@]}" "$tmpf" write "$s/ro/f" >"$root/.out" 2>"$root/.err"
	status=$? out=$(cat "$root/.out") err=$(cat "$root/.err")
	expect_status 1
	expect_err "tmpf: cannot write '$s/ro/f': Permission denied"
	expect_content "$s/ro/f" old
	echo new | "${as_nobody[@]}" "$tmpf" write "$s/ro/g" 2>"$root/.err"
	status=$? err=$(cat "$root/.err")
	expect_status 1
	expect_err "tmpf: cannot write '$s/ro/g': Permission denied"
	[ "$(ls -A "$s/ro")" = f ] || fail "left in ro: $(ls -A "$s/ro")"
}

# --sync flushes the directory, which needs it readable: a write-only one
# is refused before anything is written; without --sync it is enough.
test_sync_refuses_a_directory_it_cannot_read_as_nobody() {
	[ ${#as_nobody[@]} -gt 0 ] || { echo "tmpf-write: $current skipped: not root, or no setpriv"; return 0; }
	mkdir "$s/wo"
	chmod 333 "$s/wo"
	echo new | "${as_nobody[@]}" "$tmpf" write --sync "$s/wo/f" 2>"$root/.err"
	status=$? err=$(cat "$root/.err")
	expect_status 1
	expect_err "tmpf: cannot write '$s/wo/f': Permission denied"
	[ ! -e "$s/wo/f" ] || fail "written"
	echo new | "${as_nobody[@]}" "$tmpf" write "$s/wo/f" 2>"$root/.err"
	status=$? err=$(cat "$root/.err")
	expect_status 0
	expect_content "$s/wo/f" new
	[ "$(ls -A "$s/wo")" = f ] || fail "left in wo: $(ls -A "$s/wo")"
}

# Killed while reading: the old file stays and nothing else is left.
# (SIGINT is ignored in a background job of a script, so not that one.)
test_a_signal_before_the_end_of_input_leaves_the_file() {
	echo old >"$s/f"
	mkfifo "$s/fifo"
	local sig
	for sig in TERM HUP; do
		"$tmpf" write "$s/f" <"$s/fifo" 2>/dev/null &
		local pid=$!
		exec 7>"$s/fifo"
		head -c 200000 /dev/zero >&7
		kill -"$sig" "$pid"
		{ wait "$pid"; } 2>/dev/null # no "Hangup" from bash
		status=$?
		exec 7>&-
		[ "$status" -gt 128 ] || fail "SIG$sig: exit status $status, not killed"
		expect_content "$s/f" old
		expect_entries f fifo
	done
}

# ---- the command line ------------------------------------------------------------

test_usage_errors() {
	run_write </dev/null
	expect_status 1
	expect_err "tmpf: missing operand
Try 'tmpf write --help' for more information."
	run_write "$s/a" "$s/b" </dev/null
	expect_status 1
	expect_err "tmpf: extra operand '$s/b'
Try 'tmpf write --help' for more information."
	run_write --clobber "$s/a" </dev/null
	expect_status 1
	expect_err "tmpf: unrecognized option '--clobber'
Try 'tmpf write --help' for more information."
	run_write -n "$s/a" </dev/null
	expect_status 1
	expect_err "tmpf: invalid option -- 'n'
Try 'tmpf write --help' for more information."
	run_write --sync=yes "$s/a" </dev/null
	expect_err "tmpf: option '--sync' doesn't allow an argument
Try 'tmpf write --help' for more information."
	run_write "$s/a" --mode </dev/null
	expect_err "tmpf: option '--mode' requires an argument
Try 'tmpf write --help' for more information."
	expect_entries
}

test_options_may_follow_file_and_be_abbreviated() {
	echo old >"$s/f"
	echo new | run_write "$s/f" --no-c
	expect_status 1
	expect_err "tmpf: not replacing '$s/f': File exists"
	echo new | run_write --mo=600 --sy -- "$s/f"
	expect_status 0
	expect_mode "$s/f" 600
	expect_content "$s/f" new
	echo dash | run_write -- "$s/-x"
	expect_content "$s/-x" dash
}

test_help_and_version() {
	run_write --help </dev/null
	expect_status 0
	expect_no_err
	[[ $out == "Usage: tmpf write [--no-clobber] [--sync] [--mode=MODE] [--] FILE"* ]] ||
		fail "help: ${out%%$'\n'*}"
	local option
	for option in --no-clobber --sync --mode=MODE --help --version; do
		[[ $out == *"      $option "* ]] || fail "--help does not list $option"
	done
	run_write --version </dev/null
	expect_status 0
	[[ $out == "tmpf (libtempfile) "* ]] || fail "version: $out"
	"$tmpf" --help >"$root/.out"
	grep -q '^  write \[OPTION\]\.\.\. FILE$' "$root/.out" || fail "tmpf --help does not list write"
}

test_write_after_dashdash_is_a_template() {
	(cd "$s" && "$tmpf" -- write >"$root/.out" 2>"$root/.err")
	[ "$(cat "$root/.err")" = "tmpf: too few X's in template 'write'" ] || fail "$(cat "$root/.err")"
	expect_entries
}

run_tests
