#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# .ci/static.sh - static analysis: cppcheck, clang-tidy (.clang-tidy) and
# clang's scan-build, over the library, the CLI, the fuzz targets: the
# product's code. Fails on any finding. Runs alone: installs what it lacks.
# About 1 minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${STATIC_BUILD_DIR:-$root/build-static}
jobs=${JOBS:-2}

need() { # need <command> <debian package>
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "static.sh: installing $2" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null
}
need cppcheck cppcheck
need clang-tidy clang-tidy
need scan-build clang-tools
need clang clang
need cmake cmake
need python3 python3

status=0
fuzz_sources=()
for f in fuzz/*.c; do [ -f "$f" ] && fuzz_sources+=("$f"); done

echo "== configure (compile_commands.json in $build)"
rm -rf "$build"
CC=clang cmake -S . -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DTEMPFILE_WERROR=ON >/dev/null
# The product's sources (library and CLI) as CMake builds them here: its
# source list is the only one.
mapfile -t sources < <(python3 -c '
import json, os, sys
root = os.path.realpath(sys.argv[1])
seen = set()
for entry in json.load(open(sys.argv[2])):
    path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(path, root)
    if rel.split(os.sep)[0] in ("src", "cli") and rel not in seen:
        seen.add(rel)
        print(rel)
' "$root" "$build/compile_commands.json")
[ ${#sources[@]} -gt 0 ] || { echo "static.sh: no sources in compile_commands.json" >&2; exit 1; }

echo "== cppcheck $(cppcheck --version)"
# __has_include is unknown to cppcheck 2.10; defined as true it takes the
# getrandom branch, as on every glibc this project supports.
# Suppressed, each for a reason:
#  - unreachableCode in posix_cleanup.c and test_cleanup.c: cppcheck takes raise()
#    for noreturn; with the signal blocked it returns, and the code after it
#    unblocks the signal on purpose.
#  - variableScope: a style suggestion (and wrong for function statics).
#  - unknownMacro in tests: Criterion's TestSuite(), from a system header
#    cppcheck does not read.
if ! cppcheck --project="$build/compile_commands.json" -D'__has_include(x)=1' \
	--enable=warning,style,performance,portability --inline-suppr \
	--suppress=missingIncludeSystem --error-exitcode=1 -q -j "$jobs" \
	--suppress='*:/usr/*' --suppress='unreachableCode:*/src/platform/posix_cleanup.c' \
	--suppress='unreachableCode:*/tests/test_cleanup.c' --suppress=variableScope \
	--suppress='unknownMacro:*/tests/*'; then
	echo "cppcheck: findings above" >&2
	status=1
fi

echo "== clang-tidy $(clang-tidy --version | sed -n 's/.*version //p' | head -1) on ${#sources[@]} files"
# A finding is any "warning:" or "error:" line (WarningsAsErrors makes them
# errors); clang-tidy's exit status alone also counts.
tidy_out=$build/clang-tidy.log
tidy_status=0
printf '%s\n' "${sources[@]}" | xargs -P "$jobs" -n 4 clang-tidy -p "$build" --quiet \
	>"$tidy_out" 2>/dev/null || tidy_status=$?
# The fuzz targets are built by .ci/fuzz.sh, not CMake: their flags here.
if [ ${#fuzz_sources[@]} -gt 0 ]; then
	echo "== clang-tidy on ${#fuzz_sources[@]} fuzz targets"
	clang-tidy --quiet "${fuzz_sources[@]}" -- -std=c11 \
		-D_GNU_SOURCE -DTEMPFILE_STATIC -Iinclude -Isrc -Icli -Ifuzz \
		>>"$tidy_out" 2>/dev/null || tidy_status=$?
fi
if grep -E -q '(warning|error):' "$tidy_out" || [ "$tidy_status" -ne 0 ]; then
	grep -E -A3 '(warning|error):' "$tidy_out" >&2 || true
	echo "clang-tidy: findings above (exit status $tidy_status)" >&2
	status=1
fi
if [ ${#fuzz_sources[@]} -gt 0 ]; then
	echo "== cppcheck on the fuzz targets"
	if ! cppcheck --std=c11 -D_GNU_SOURCE -Iinclude -Isrc -Ifuzz --enable=warning,style,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem --suppress=missingInclude --suppress=variableScope \
		--error-exitcode=1 -q "${fuzz_sources[@]}"; then
		status=1
	fi
fi

echo "== scan-build (library, CLI, examples, benchmark)"
# Not the tests: test_faults.c defines malloc/free itself (the fault shim),
# and the analyzer then no longer knows that free() frees.
rm -rf "$build-scan"
scan-build -o "$build-scan/report" cmake -S . -B "$build-scan" -DTEMPFILE_BUILD_TESTS=OFF >/dev/null
if ! scan-build --status-bugs -o "$build-scan/report" cmake --build "$build-scan" -j "$jobs" \
	>"$build-scan/scan.log" 2>&1; then
	grep -E 'scan-build:|warning:' "$build-scan/scan.log" >&2 || true
	for r in "$build-scan"/report/*/report-*.html; do
		[ -f "$r" ] && sed -n 's/<!-- \(BUGFILE\|BUGLINE\|BUGDESC\) \(.*\) -->/  \1 \2/p' "$r" >&2
	done
	echo "scan-build: bugs found (or the build failed)" >&2
	status=1
else
	grep 'scan-build:' "$build-scan/scan.log" | tail -1
fi

if [ "$status" -eq 0 ]; then echo "static.sh: clean"; fi
exit "$status"
