#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# .ci/fuzz.sh - build every libFuzzer target fuzz/fuzz_*.c with clang
# (fuzzer + AddressSanitizer + UndefinedBehaviorSanitizer, the library's
# sources compiled in) and run each for FUZZ_SECONDS (default 60) on its
# corpus fuzz/corpus/<target>/. Fails on any crash, leak, sanitizer report
# or broken check. Prints the executions per target.
# FUZZ_UPDATE_CORPUS=1 merges the new interesting inputs into the repo's
# corpus (libFuzzer -merge=1), for committing.
# Runs alone: installs clang if missing. About FUZZ_SECONDS per target.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
command -v clang >/dev/null 2>&1 || {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang >/dev/null
}
rm -rf "$build"
mkdir -p "$build"
cflags=(-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-fno-omit-frame-pointer -D_GNU_SOURCE -DTEMPFILE_BUILDING -DTEMPFILE_STATIC
	-Iinclude -Isrc -Icli -Ifuzz)
library=(src/*.c src/platform/posix*.c)

# A target may need a part of the project that is not there yet.
needs() { # needs <target> -> the file it needs, or nothing
	case $1 in
	fuzz_spooled) echo src/spooled.c ;;
	fuzz_cli_args) echo cli/opt.c ;;
	esac
}

status=0
summary=()
for target_source in fuzz/fuzz_*.c; do
	target=$(basename "$target_source" .c)
	need=$(needs "$target")
	if [ -n "$need" ] && [ ! -f "$need" ]; then
		echo "fuzz: $target skipped: $need is not in this tree"
		summary+=("$target: skipped ($need missing)")
		continue
	fi
	# The CLI target links the CLI's parser and subcommand stages (not
	# main.c), and what the CLI prints is noise there.
	extra=() sources=("$target_source")
	if [ "$target" = fuzz_cli_args ]; then
		extra=(-close_fd_mask=3)
		sources+=(cli/{opt,msg,quote,mktemp,run,where,write,tmpf_posix}.c)
	fi
	clang "${cflags[@]}" "${sources[@]}" "${library[@]}" -o "$build/$target" -lpthread
	corpus=$root/fuzz/corpus/$target # absolute: the targets chdir
	work=$build/corpus-$target
	mkdir -p "$corpus" "$work"
	log=$build/$target.log
	echo "fuzz: $target for $seconds s"
	export TF_FUZZ_SCRATCH=$build/scratch-$target
	if ASAN_OPTIONS=detect_leaks=1 "$build/$target" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/$target-" "${extra[@]}" \
		"$work" "$corpus" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
		echo "fuzz: $target ok: $runs executions, coverage $cov"
		summary+=("$target: $runs executions, cov $cov, no crash")
		if [ "${FUZZ_UPDATE_CORPUS:-0}" = 1 ]; then
			"$build/$target" -merge=1 -artifact_prefix="$build/$target-" "${extra[@]}" "$corpus" "$work" >"$build/$target.merge.log" 2>&1 ||
				echo "fuzz: $target: merging into $corpus failed, see $build/$target.merge.log"
		fi
	else
		echo "fuzz: $target FAILED, log $log, artifacts $build/$target-*" >&2
		grep -E -B2 -A30 'ERROR|==ABORTING|deadly signal|: .*: ' "$log" | head -60 >&2
		summary+=("$target: FAILED")
		status=1
	fi
done
rm -rf "$build"/scratch-* # the targets' working directories
printf 'fuzz.sh: %s\n' "${summary[@]}"
exit "$status"
