#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# bench/run.sh - the one command: build libtempfile's benchmark and print
# its tables (Markdown) on stdout; progress goes to stderr.
#
#   bench/run.sh                 full run (about 10 minutes on 2 cores)
#   bench/run.sh --quick         short blocks, few repetitions
#   bench/run.sh --dir DIR ...   measure in DIR (repeatable; default
#                                /dev/shm then /tmp); other options:
#                                tempfile_bench --help
#
# As root it installs what it uses when missing (GLib's headers for the GLib
# peer, strace and valgrind for the exact counts); without python3 the
# Python rows say "skipped".
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${TEMPFILE_BENCH_BUILD:-$root/build-bench}

missing=""
pkg-config --exists glib-2.0 2>/dev/null || missing="$missing libglib2.0-dev"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
command -v strace >/dev/null 2>&1 || missing="$missing strace"
command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "# installing:$missing" >&2
		# A fresh machine may have no package lists yet: update once, then retry.
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1 || {
			apt-get update -qq >/dev/null 2>&1
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1
		} || echo "# could not install$missing: those rows and counts are skipped" >&2
	else
		echo "# missing:$missing (not root or no apt-get): those rows and counts are skipped" >&2
	fi
fi
command -v python3 >/dev/null 2>&1 || echo "# python3 not found: the Python rows are skipped" >&2

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTEMPFILE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target tempfile_bench >/dev/null
exec "$build/bench/tempfile_bench" "$@"
