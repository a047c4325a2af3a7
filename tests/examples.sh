#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# Runs one program of examples/ and checks what it prints and what it
# leaves on disk (registered per example by examples/CMakeLists.txt).
# Usage: examples.sh NAME PROGRAM
#        examples.sh cxx_options COMPILER    build examples/cxx_options.cpp
#                                            with COMPILER, then run it
# Exit 77: skipped (COMPILER missing), CTest's SKIP_RETURN_CODE.
set -euo pipefail
name=$1
arg=$2
work=$(mktemp -d)
# remove_tree makes a read-only directory; a failed run may leave it.
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
tmp=$work/tmp
mkdir "$tmp"
export TMPDIR=$tmp
unset TEMP TMP
out=$work/out

fail() {
	echo "example $name: $*" >&2
	[ ! -s "$out" ] || sed 's/^/  stdout| /' "$out" >&2
	exit 1
}
# Nothing may stay behind.
expect_empty() {
	local left
	left=$(ls -A "$1")
	[ -z "$left" ] || fail "left behind in $1: $left"
}
# The example's stdout must have a line matching this regular expression.
expect_line() {
	grep -Eqx -- "$1" "$out" || fail "no line matching '$1'"
}
# Characters of random names (README: [a-z0-9_]).
rnd='[a-z0-9_]{8}'

case $name in
basics)
	"$arg" >"$out" || fail "exit status $?"
	expect_line "gettempdir:  $tmp"
	expect_line "mkstemp:     $tmp/tmp$rnd\\.txt \\(fd [0-9]+, 6 bytes written\\)"
	expect_line "mkdtemp:     $tmp/demo-$rnd"
	[ "$(grep -c '^             removed$' "$out")" -eq 2 ] || fail "not both removed"
	expect_empty "$tmp"
	;;
scratch_file)
	"$arg" >"$out" || fail "exit status $?"
	expect_line 'read back: record 1'
	expect_line 'read back: record 3'
	expect_line '3 records; the file is gone with the stream'
	expect_empty "$tmp"
	;;
hand_off)
	"$arg" >"$out" || fail "exit status $?"
	# wc -c read the file by name: all 20 bytes were flushed before.
	expect_line "20 $tmp/tmp$rnd\\.txt"
	expect_empty "$tmp"
	# The other program cannot be started: exit 1, and the file is gone.
	status=0
	PATH=$work/nowhere "$arg" >"$out" 2>"$work/err" || status=$?
	[ "$status" -eq 1 ] || fail "without wc: exit status $status, not 1"
	grep -q '^cannot run wc: ' "$work/err" || fail "without wc: $(cat "$work/err")"
	expect_empty "$tmp"
	;;
atomic_write)
	mkdir "$work/dest"
	printf 'old\n' >"$work/dest/config.txt"
	"$arg" "$work/dest/config.txt" >"$out" || fail "exit status $?"
	expect_line "replaced $work/dest/config.txt"
	# Exactly the target, with the whole new content, nothing else.
	[ "$(ls -A "$work/dest")" = config.txt ] || fail "in dest/: $(ls -A "$work/dest")"
	printf 'name = example\nstate = complete\n' | cmp - "$work/dest/config.txt" ||
		fail "dest/config.txt has the wrong content"
	# A target that cannot be replaced (a directory): exit 1, the
	# temporary file removed, the other files as they were.
	mkdir "$work/dest/adir"
	status=0
	"$arg" "$work/dest/adir" >"$out" 2>"$work/err" || status=$?
	[ "$status" -eq 1 ] || fail "over a directory: exit status $status, not 1"
	grep -q "^cannot replace $work/dest/adir: " "$work/err" || fail "over a directory: $(cat "$work/err")"
	[ "$(ls -A "$work/dest" | tr '\n' ' ')" = "adir config.txt " ] ||
		fail "after a failure, in dest/: $(ls -A "$work/dest")"
	expect_empty "$work/dest/adir"
	expect_empty "$tmp"
	;;
spooled)
	"$arg" >"$out" || fail "exit status $?"
	# In memory up to max_size (4096), in a file once past it.
	printf '%s\n' ' 1024 bytes: in memory' ' 2048 bytes: in memory' ' 3072 bytes: in memory' \
		' 4096 bytes: in memory' ' 5120 bytes: in a file' ' 6144 bytes: in a file' \
		'read back 6144 bytes, all as written' | diff - "$out" >&2 || fail "unexpected output"
	expect_empty "$tmp"
	;;
scratch_dir)
	# To the end of its input: the directory is removed by the program.
	printf 'one\ntwo\n' | "$arg" >"$out" || fail "exit status $?"
	expect_line "working in $tmp/scratch-$rnd"
	expect_line '2 lines saved, directory removed'
	expect_empty "$tmp"
	# Ctrl-C while it waits for input: the directory goes all the same, and
	# the process dies of SIGINT. Job control (set -m) so that the
	# background program does not start with SIGINT ignored.
	mkfifo "$work/in"
	set -m
	"$arg" <"$work/in" >"$out" &
	pid=$!
	set +m
	exec 3>"$work/in"
	echo one >&3
	for _ in $(seq 100); do
		grep -qx 'saved line 1' "$out" && break
		sleep 0.1
	done
	dir=$(sed -n 's/^working in //p' "$out")
	[ -f "$dir/line-1.txt" ] || fail "no $dir/line-1.txt while running"
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	exec 3>&-
	[ "$status" -eq 130 ] || fail "after SIGINT: exit status $status, not 130 (death by SIGINT)"
	[ ! -e "$dir" ] || fail "after SIGINT: $dir is still there"
	expect_empty "$tmp"
	;;
remove_tree)
	"$arg" >"$out" || fail "exit status $?"
	expect_line "removed $tmp/tree-$rnd"
	expect_line "$tmp/precious-$rnd, the link's target, is still there"
	expect_empty "$tmp"
	;;
where)
	# A missing $TMPDIR, $TEMP unset, $TMP usable: $TMP is taken.
	TMPDIR=$work/missing TMP=$tmp "$arg" >"$out" || fail "exit status $?"
	expect_line "TMPDIR +$work/missing +No such file or directory"
	expect_line 'TEMP +- +unset'
	expect_line "TMP +$tmp +usable, chosen"
	expect_line "temporary files go to $tmp"
	# A $TMPDIR that is a file is rejected as such.
	touch "$work/file"
	TMPDIR=$work/file TMP=$tmp "$arg" >"$out" || fail "exit status $?"
	expect_line "TMPDIR +$work/file +Not a directory"
	expect_line "temporary files go to $tmp"
	;;
cxx_options)
	compiler=$arg
	if ! command -v "$compiler" >/dev/null; then
		echo "SKIPPED: $compiler is not installed (Debian: apt-get install g++ clang)"
		exit 77
	fi
	case $compiler in *clang*) family=Clang ;; *) family=GNU ;; esac
	san=()
	if [ -n "${TF_SANITIZE:-}" ]; then
		# One sanitizer runtime per process: the library's compiler's.
		if [ "$family" != "${TF_C_COMPILER_ID:-}" ]; then
			echo "SKIPPED: the library is built by ${TF_C_COMPILER_ID:-?} with -fsanitize=$TF_SANITIZE, whose runtime $compiler cannot share"
			exit 77
		fi
		san=("-fsanitize=$TF_SANITIZE")
	fi
	lib=${TF_SHARED_LIB:?}
	libdir=$(dirname "$lib")
	cxxflags=(-Wall -Wextra -Werror -pedantic "${san[@]}" -I"${TF_SOURCE_DIR:?}/include")
	# C's compound-literal idiom is not C++: the reason the header and the
	# example give for a named variable.
	printf '#include <tempfile.h>\nint main() { char *p; return tempfile_mkstemp(&(struct tempfile_opts){ .suffix = ".x" }, &p); }\n' \
		>"$work/literal.cpp"
	if "$compiler" -std=c++17 "${cxxflags[@]}" -c "$work/literal.cpp" -o "$work/literal.o" 2>/dev/null; then
		fail "$compiler accepts &(struct tempfile_opts){...}: the header's C++ paragraph is wrong"
	fi
	for std in c++11 c++17; do
		"$compiler" -std=$std "${cxxflags[@]}" "$TF_SOURCE_DIR/examples/cxx_options.cpp" \
			-L"$libdir" -ltempfile -Wl,-rpath,"$libdir" -o "$work/cxx_options" ||
			fail "$compiler -std=$std does not build examples/cxx_options.cpp"
		"$work/cxx_options" >"$out" || fail "-std=$std: exit status $?"
		expect_line "created $tmp/report-$rnd\\.json"
		expect_line "created $tmp/tmp$rnd"
		expect_empty "$tmp"
		echo "$compiler -std=$std: built and ran"
	done
	;;
*)
	echo "examples.sh: no check for example $name" >&2
	exit 1
	;;
esac
echo "example $name: passed"
