#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# .ci/valgrind.sh - the whole test suite under valgrind memcheck: every
# Criterion program (and every process it forks) and every shell test, with
# the CLI run under memcheck through a wrapper. Fails on any memcheck error
# or any leak (definite, indirect or possible), or any failing test.
# Suppressed: only memory that Criterion and nanomsg allocate themselves
# (.ci/valgrind.supp). Runs alone: installs what it lacks. The programs run
# side by side, as many as there are CPUs (JOBS). About 4 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${VALGRIND_BUILD_DIR:-$root/build-valgrind}
jobs=${JOBS:-$(nproc)}

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind.sh: installing valgrind" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null
fi

# tmpf linked dynamically: memcheck replaces malloc only in a shared C
# library (a static tmpf shows glibc's own startup as errors).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTEMPFILE_SANITIZE= \
	-DTEMPFILE_STATIC_CLI=OFF >/dev/null
cmake --build "$build" -j "$jobs" >/dev/null

logs=$build/valgrind-logs
rm -rf "$logs"
mkdir -p "$logs"
chmod 1777 "$logs" # tests that drop to nobody write their logs too
memcheck=(valgrind --tool=memcheck --leak-check=full
	--show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect,possible
	--trace-children=yes --vgdb=no
	--trace-children-skip='/bin/*,/usr/bin/*,/sbin/*,/usr/sbin/*'
	--suppressions="$root/.ci/valgrind.supp" --quiet)

# The CLI under memcheck, for the shell tests and for tests that run it.
# Natively instead when valgrind would change what the test sees, not what
# tmpf does: stdout or stderr closed (valgrind's log would take the
# descriptor), TMPDIR where valgrind cannot write its own files, or tmpf
# called by another name (valgrind cannot pass argv[0] on), or "tmpf run"
# (valgrind turns posix_spawn's vfork into a fork, so a command that cannot
# be started is no longer reported to tmpf). The commands tmpf starts are
# not traced in any case.
wrapper=$build/valgrind-bin/tmpf # named tmpf: tests copy it under that name
if [ -x "$build/tmpf" ]; then
	tmpf_memcheck=()
	for arg in "${memcheck[@]}"; do
		case $arg in --trace-children=yes) arg=--trace-children=no ;; esac
		tmpf_memcheck+=("$arg")
	done
	mkdir -p "$build/valgrind-bin/names"
	# sh, not bash: bash warns about an unknown LC_ALL, which a test sets.
	{
		echo '#!/bin/sh'
		printf 'real=%q names=%q name=${0##*/}\n' "$build/tmpf" "$build/valgrind-bin/names"
		printf 'if ! [ -e /proc/$$/fd/1 ] || ! [ -e /proc/$$/fd/2 ] ||\n'
		printf '\t{ [ -n "${TMPDIR:-}" ] && ! { [ -d "$TMPDIR" ] && [ -w "$TMPDIR" ]; }; } ||\n'
		printf '\t[ "$name" != tmpf ] || [ "${1:-}" = run ]; then\n'
		printf '\t[ "$name" = tmpf ] && exec "$real" "$@"\n'
		printf '\tln -sf "$real" "$names/$name" && exec "$names/$name" "$@"\n'
		printf 'fi\n'
		printf 'exec'
		printf ' %q' "${tmpf_memcheck[@]}" "--log-file=$logs/tmpf.%p.log"
		echo ' "$real" "$@"'
	} >"$wrapper"
	chmod +x "$wrapper"
	export TMPF=$wrapper
fi
export TF_BINARY_DIR=$build TF_SOURCE_DIR=$root
if [ -f "$build/libtempfile.so" ]; then export TF_SHARED_LIB=$build/libtempfile.so; fi

# One program or shell test: its verdict in $logs/NAME.status.
run_program() {
	local program=$1 name t0=$SECONDS
	name=$(basename "$program")
	# A child forked by a test (an attacker, a forked name generator) exits
	# with _exit and the parent's heap still mapped: "lost" in its eyes.
	# Silenced, except in test_faults, whose forked children run the
	# library under each fault and free everything before they exit.
	# (Criterion's test processes are exec'd, so they are always checked.)
	local silent=(--child-silent-after-fork=yes)
	[ "$name" = test_faults ] && silent=()
	if "${memcheck[@]}" "${silent[@]}" --log-file="$logs/$name.%p.log" "$program" --jobs 1 \
		>"$logs/$name.out" 2>&1; then
		echo "valgrind: $name ok ($((SECONDS - t0)) s)" >"$logs/$name.status"
	else
		echo "valgrind: $name FAILED ($((SECONDS - t0)) s), see $logs/$name.*" >"$logs/$name.status"
	fi
}
run_script() {
	local script=$1 name t0=$SECONDS
	name=$(basename "$script" .sh)
	if bash "$script" >"$logs/$name.out" 2>&1; then
		echo "valgrind: $name ok ($((SECONDS - t0)) s)" >"$logs/$name.status"
	else
		echo "valgrind: $name FAILED ($((SECONDS - t0)) s), see $logs/$name.out" >"$logs/$name.status"
	fi
}

# $jobs at a time (JOBS, default: the CPUs), the slowest first so that the
# short ones fill the gaps; every test program already runs its tests one
# by one in separate processes, so no two share anything but the machine.
slow_first=(test_cleanup test_rmtree test_faults test_stress test_hostile)
work=()
for name in "${slow_first[@]}"; do
	[ -x "$build/tests/$name" ] && work+=("program:$build/tests/$name")
done
for program in "$build"/tests/test_*; do
	[ -x "$program" ] && [ -f "$program" ] || continue
	case " ${slow_first[*]} " in *" $(basename "$program") "*) continue ;; esac
	work+=("program:$program")
done
for script in tests/test_*.sh; do
	[ -f "$script" ] && work+=("script:$script")
done

start=$SECONDS
running=0
names=()
for item in "${work[@]}"; do
	kind=${item%%:*} path=${item#*:}
	if [ "$kind" = program ]; then
		names+=("$(basename "$path")")
		run_program "$path" &
	else
		names+=("$(basename "$path" .sh)")
		run_script "$path" &
	fi
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait
failed=()
for name in "${names[@]}"; do
	verdict=$(cat "$logs/$name.status" 2>/dev/null || echo "valgrind: $name FAILED (no verdict)")
	echo "$verdict"
	case $verdict in *FAILED*)
		tail -20 "$logs/$name.out" 2>/dev/null || true
		failed+=("$name") ;;
	esac
done

# Any process with errors left a non-empty log (--quiet prints only errors).
# (No --error-exitcode: a child a test forks would exit 99 for its parent's
# heap, which it sees as lost; the logs are the verdict.)
errors=0
for log in "$logs"/*.log; do
	# Errors are the "==pid==" lines; "--pid--" lines are notes (such as
	# "unhandled syscall 452": fchmodat2, which rmtree then does without).
	grep -q '^==[0-9]*==' "$log" 2>/dev/null || continue
	errors=$((errors + 1))
	echo "valgrind: errors in $log:"
	head -40 "$log"
done
echo "valgrind.sh: $((SECONDS - start)) s, ${#failed[@]} failing programs, $errors process logs with errors"
[ ${#failed[@]} -eq 0 ] && [ "$errors" -eq 0 ]
