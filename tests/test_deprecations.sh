#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# The racy name-only calls carry the same deprecation warning: tempfile_mktemp
# and tempfile_mktemplate's TEMPFILE_KIND_NAME; the other kinds carry none.
set -euo pipefail
header_dir=${TF_SOURCE_DIR:?}/include
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "deprecations: skipped (no $cc)"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
message='racy: another process can take the name; use tempfile_mkstemp'
passed=0 failed=0
check() { # name, expected (warn|clean), C body
	printf '#include "tempfile.h"\nint f(char *t);\nint f(char *t) { %s }\n' "$3" > "$work/$1.c"
	if out=$("$cc" -std=c11 -fsyntax-only -Wdeprecated-declarations -I"$header_dir" \
		"$work/$1.c" 2>&1) && [ "$2" = clean ] && [ -z "$out" ]; then
		passed=$((passed + 1))
	elif [ "$2" = warn ] && grep -qF "$message" <<<"$out"; then
		passed=$((passed + 1))
	else
		echo "$1: expected $2, got: $out"
		failed=$((failed + 1))
	fi
}
check mktemp warn 'char *p = tempfile_mktemp(0); (void)t; return p != 0;'
check kind_name warn 'return tempfile_mktemplate(t, 0, TEMPFILE_KIND_NAME, 0, 0);'
check kind_file clean 'return tempfile_mktemplate(t, 0, TEMPFILE_KIND_FILE, 0, 0);'
check kind_dir clean 'return tempfile_mktemplate(t, 0, TEMPFILE_KIND_DIR, 0, 0);'
echo "deprecations: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
