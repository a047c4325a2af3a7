#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# The ABI of the libraries (doc/ABI.md): the shared library exports exactly
# the functions the header documents (TEMPFILE_EXPORT), each with the symbol
# version cmake/tempfile.map gives it, under the SONAME libtempfile.so.MAJOR;
# the static library (ELF: one object, internal symbols local) defines
# those same functions and no other global symbol.
set -euo pipefail
lib=${TF_SHARED_LIB:?}
static=${TF_STATIC_LIB:-}
src=${TF_SOURCE_DIR:?}
header=$src/include/tempfile.h
map=$src/cmake/tempfile.map

documented=$(tr '\n' ' ' < "$header" | grep -oE 'TEMPFILE_EXPORT[^;(]*\(' |
	grep -oE 'tempfile_[a-z_0-9]+ *\($' | tr -d ' (' | sort -u)
# name@@VERSION for every symbol the library defines and exports (the
# version definitions themselves are ABS symbols: left out).
dynamic=$(readelf --dyn-syms -W "$lib" |
	awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" && $7 != "ABS" {print $8}' | sort -u)
exported=$(echo "$dynamic" | sed 's/@.*//' | sort -u)
# name@@NODE as the version script assigns them.
scripted=$(awk '
	/^[A-Za-z_][A-Za-z_0-9.]* *\{/ { node = $1; next }
	/global:/ { global = 1; next }
	/local:/ { global = 0; next }
	/^}/ { global = 0; next }
	global && /^[ \t]*tempfile_[a-z_0-9]+;/ { gsub(/[ \t;]/, ""); print $0 "@@" node }' "$map" | sort -u)

passed=0 failed=0
check() { # name, then the condition's command
	local name=$1
	shift
	if "$@"; then passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}
same() { # what, expected, actual
	[ "$2" == "$3" ] && return 0
	echo "$1 (< expected, > actual):"
	diff <(echo "$2") <(echo "$3") || true
	return 1
}

check "the library exports exactly the documented functions" \
	same "exported symbols differ from the header" "$documented" "$exported"
check "the version script lists exactly the documented functions" \
	same "cmake/tempfile.map differs from the header" "$documented" "$(echo "$scripted" | sed 's/@.*//')"
check "every exported symbol has the version the script gives it" \
	same "symbol versions differ from cmake/tempfile.map" "$scripted" "$dynamic"

major=$(awk '$2 == "TEMPFILE_VERSION_MAJOR" {print $3}' "$header")
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
soname_is_major() { [ "$soname" = "libtempfile.so.$major" ] || { echo "SONAME '$soname', not libtempfile.so.$major"; return 1; }; }
check "the SONAME is libtempfile.so.MAJOR" soname_is_major

if [ -n "$static" ]; then
	# i386's PC thunks stay global: COMDAT functions shared with the C library.
	globals=$(nm -g --defined-only "$static" | awk 'NF == 3 {print $3}' |
		grep -v '^__x86\.get_pc_thunk\.' | sort -u)
	check "the static library defines the documented functions and no other global" \
		same "global symbols of $(basename "$static") differ from the header" "$documented" "$globals"
else
	echo "exports: no TF_STATIC_LIB (not an ELF prelinked static library): its symbols not checked"
fi

echo "exports: $(echo "$documented" | wc -l) documented functions, SONAME $soname"
echo "exports: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
