#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# test_faults_cli.sh - the CLI under every injectable fault, through the
# LD_PRELOAD fault shim: see tests/faults/cli_faults.sh for what is run and
# checked. The shim comes from the build (tests/faults/CMakeLists.txt, passed
# by CTest as TF_FAULT_SHIM) or, run by hand without it, is compiled here.
set -euo pipefail
: "${TMPF:?TMPF: the CLI}" "${TF_SOURCE_DIR:?}" "${TF_BINARY_DIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/tfshim.XXXXXX")
trap 'rm -rf "$work"' EXIT
# An LD_PRELOAD shim needs a dynamically linked program: a static tmpf
# (TEMPFILE_STATIC_CLI) is rebuilt here from the same sources and the same
# static library, linked against the C library dynamically.
if ! ldd "$TMPF" >/dev/null 2>&1; then
	"${CC:-cc}" -std=c11 -O1 -g -D_GNU_SOURCE -DTEMPFILE_STATIC -I"$TF_SOURCE_DIR/include" \
		-I"$TF_SOURCE_DIR/cli" "$TF_SOURCE_DIR"/cli/{main,mktemp,run,reap,rm,where,write,opt,msg,quote,tmpf_posix}.c \
		"$TF_BINARY_DIR/libtempfile.a" -lpthread -o "$work/tmpf"
	TMPF=$work/tmpf
	export TMPF
fi
shim=${TF_FAULT_SHIM:-$TF_BINARY_DIR/tests/faults/libtf_fault_shim.so}
if [ ! -f "$shim" ]; then
	# A sanitized CLI brings its own malloc: the shim must leave it alone.
	no_allocation=
	if grep -a -q -E '__asan_init|__tsan_init|__msan_init' "$TMPF"; then
		no_allocation=-DTFF_NO_ALLOCATION
	fi
	"${CC:-cc}" -std=c11 -shared -fPIC -O1 -g -DTFF_PRELOAD -D_GNU_SOURCE $no_allocation \
		-o "$work/shim.so" "$TF_SOURCE_DIR/tests/faults/shim.c" -ldl
	shim=$work/shim.so
fi
TF_FAULT_SHIM=$shim bash "$TF_SOURCE_DIR/tests/faults/cli_faults.sh"
