#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# cli_faults.sh - the CLI under every injectable fault (LD_PRELOAD shim).
#
# For each invocation below: run it once counting the calls it makes
# (TF_FAULT=count); then for each function F called k times, n = 1..k, and
# each errno E relevant to F, run it again with the nth call of F failing
# with E, and check:
#   - exit 0: what it printed exists (or, for -u, does not) and is the only
#     new entry; exit non-zero: a message on stderr, nothing on stdout;
#   - no signal (crash, abort);
#   - the scratch directory holds what it held before (after removing
#     what a successful run made), whatever failed.
# Prints "cli: P fault points, C cases: ..." and fails on any bad case.
# Env: TMPF (the CLI), TF_FAULT_SHIM (the shim module). Run by
# tests/test_faults_cli.sh.
set -uo pipefail
: "${TMPF:?TMPF: the CLI to test}" "${TF_FAULT_SHIM:?TF_FAULT_SHIM: the shim module}"
# Sanitizer builds: the shim is preloaded before the sanitizer runtime.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0
export TSAN_OPTIONS=${TSAN_OPTIONS:-}${TSAN_OPTIONS:+ }verify_asan_link_order=0

work=$(mktemp -d "${TMPDIR:-/tmp}/tfclifault.XXXXXX")
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
scratch=$work/scratch
mkdir "$scratch"
export TMPDIR=$scratch
unset TEMP TMP

errnos_for() {
	case $1 in
	open | open64 | openat | openat64) echo ENOSPC EMFILE ENFILE EACCES EIO EINTR ENOMEM EROFS EDQUOT ;;
	open_tmpfile) echo EOPNOTSUPP EISDIR EINVAL ENOSPC EMFILE EACCES EIO EINTR ;;
	mkdir | mkdirat) echo ENOSPC EACCES EIO ENOMEM EROFS EDQUOT EMLINK ;;
	write | pwrite) echo ENOSPC EIO EINTR EDQUOT EFBIG ;;
	read) echo EIO EINTR ;;
	fsync | fdatasync) echo EIO ENOSPC EINTR EDQUOT ;;
	rename | renameat) echo EACCES EIO ENOSPC EROFS EDQUOT EXDEV EBUSY ;;
	renameat2) echo EACCES EIO ENOSPC EROFS EXDEV ENOSYS EINVAL ;;
	link | linkat) echo ENOSPC EACCES EIO EROFS EDQUOT EMLINK EPERM ;;
	unlink | unlinkat | rmdir) echo EACCES EIO EROFS EBUSY EPERM ;;
	close) echo EIO EINTR ENOSPC ;;
	getrandom) echo ENOSYS EINTR EAGAIN EPERM EIO ;;
	malloc | calloc | realloc) echo ENOMEM ;;
	lstat | stat | fstat | fstatat) echo EACCES EIO ENOMEM EOVERFLOW ;;
	getcwd) echo EACCES ENOENT ENOMEM ;;
	fdopen | fopencookie) echo ENOMEM EINVAL ;;
	fflush | fclose) echo ENOSPC EIO EDQUOT EINTR ;;
	*) echo EIO ;;
	esac
}

# name | kind | arguments. Kinds: file, dir (created and printed), none
# (-u: printed, not created), print (prints an existing directory, creates
# nothing), nothing (prints nothing, leaves nothing), rm (removes the
# fixture tree "victim", made afresh before each run), write (standard
# input, more than one read, replaces "target", made afresh before each
# run, or after a failure leaves it as it was), write_new (the same for
# "fresh", which is absent before).
invocations=(
	"default|file|"
	"directory|dir|-d"
	"dry_run|none|-u"
	"tmpdir_option|file|-p $scratch"
	"template|file|--tmpdir=$scratch fooXXXXXX"
	"suffix|dir|-d --suffix=.x -p $scratch barXXXXXX"
	"quiet|file|-q -p $scratch"
	"where|print|where"
	"run|nothing|run -- sh -c 'echo data >\"\$TMPDIR/f\" && mkdir \"\$TMPDIR/d\"'"
	"rm|rm|rm $scratch/victim"
	"write|write|write $scratch/target"
	"write_sync|write|write --sync --mode=640 $scratch/target"
	"write_new|write_new|write --no-clobber $scratch/fresh"
)

make_fixture() { # the tree "rm" removes
	mkdir -p "$scratch/victim/sub/deeper" &&
		echo x >"$scratch/victim/f" && echo y >"$scratch/victim/sub/g" &&
		ln -s /etc/passwd "$scratch/victim/link"
}

# tmpf write's input: two reads of 64 KiB and the end.
head -c 100000 /dev/zero | tr '\0' n >"$work/input"
make_target() { echo old >"$scratch/target"; }
# Whether tmpf write did its job: 0 if what it wrote is whole, 1 if the
# old state is there, 2 if neither.
write_outcome() { # NAME
	local file=$scratch/target
	[ "$1" = write_new ] && file=$scratch/fresh
	if cmp -s "$file" "$work/input"; then
		return 0
	elif { [ "$1" = write_new ] && [ ! -e "$file" ]; } || { [ "$1" != write_new ] && [ "$(cat "$file")" = old ]; }; then
		return 1
	fi
	return 2
}

listing() { (cd "$scratch" && find . -mindepth 1 | LC_ALL=C sort); }

total_points=0 total_cases=0 total_bad=0
out=$work/out err=$work/err counts=$work/counts
for entry in "${invocations[@]}"; do
	IFS='|' read -r name kind args <<<"$entry"
	eval "argv=($args)"
	[ "$kind" = rm ] && make_fixture
	[ "$kind" = write ] && make_target
	input=/dev/null
	[[ $kind == write* ]] && input=$work/input
	before=$(listing)
	rm -f "$counts"
	TF_FAULT=count TF_FAULT_COUNTS=$counts LD_PRELOAD=$TF_FAULT_SHIM \
		"$TMPF" "${argv[@]}" <"$input" >"$out" 2>"$err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "BAD cli $name: fails without faults (exit $rc): $(head -c 300 "$err")"
		total_bad=$((total_bad + 1))
		continue
	fi
	if ! [ -s "$counts" ] || ! grep -q -v -E ' 0$|^fired' "$counts"; then
		echo "BAD cli $name: no call was counted: is TMPF linked statically (no LD_PRELOAD)?"
		total_bad=$((total_bad + 1))
		continue
	fi
	created=$(cat "$out")
	if [ "$kind" = file ]; then rm -f -- "$created"; elif [ "$kind" = dir ]; then rmdir -- "$created"; fi
	if [ "$kind" = rm ] && [ -e "$scratch/victim" ]; then
		echo "BAD cli $name: the tree is still there without faults"
		total_bad=$((total_bad + 1))
	fi
	if [[ $kind == write* ]] && ! write_outcome "$kind"; then
		echo "BAD cli $name: the file is not written without faults"
		total_bad=$((total_bad + 1))
	fi
	[ "$kind" = write_new ] && rm -f "$scratch/fresh"
	points=0 cases=0 reported=0 absorbed=0 stuck=0 bad=0
	while read -r fn n; do
		[ "$fn" = fired ] && continue
		[ "$n" -gt 0 ] || continue
		for ((nth = 1; nth <= n; nth++)); do
			points=$((points + 1))
			for e in $(errnos_for "$fn"); do
				cases=$((cases + 1))
				[ "$kind" = rm ] && make_fixture
				[ "$kind" = write ] && make_target
				TF_FAULT=$fn:$nth:$e TF_FAULT_COUNTS=$counts.case LD_PRELOAD=$TF_FAULT_SHIM \
					"$TMPF" "${argv[@]}" <"$input" >"$out" 2>"$err"
				rc=$?
				problem=
				if [ $rc -ge 128 ]; then
					problem="killed by signal $((rc - 128)): $(head -c 200 "$err")"
				elif [ $rc -eq 0 ]; then
					absorbed=$((absorbed + 1))
					created=$(cat "$out")
					case $kind in
					file) [ -f "$created" ] && rm -f -- "$created" || problem="exit 0, but no file '$created'" ;;
					dir) [ -d "$created" ] && rmdir -- "$created" || problem="exit 0, but no directory '$created'" ;;
					none) [ -n "$created" ] && [ ! -e "$created" ] || problem="exit 0, -u name '$created' exists or is empty" ;;
					print) [ -d "$created" ] || problem="exit 0, but '$created' is no directory" ;;
					nothing) [ -z "$created" ] || problem="exit 0, but printed '$created'" ;;
					rm) [ ! -e "$scratch/victim" ] && [ ! -L "$scratch/victim" ] || problem="exit 0, but the tree is still there" ;;
					write*) write_outcome "$kind" || problem="exit 0, but the file does not hold the input" ;;
					esac
				else
					reported=$((reported + 1))
					# Failing the output itself may leave the name half-printed;
					# then the file must be gone (checked below).
					if [ -s "$out" ] && ! [[ $fn =~ ^(write|fflush|fclose|close)$ ]]; then
						problem="failed (exit $rc) but printed '$(head -c 100 "$out")'"
					elif [ ! -s "$err" ] && [ "$name" != quiet ] &&
						! [[ $fn =~ ^(write|fflush|fclose)$ ]]; then # stderr may be what failed
						problem="failed (exit $rc) without a message"
					fi
					if [[ $kind == write* ]]; then
						write_outcome "$kind"
						case $? in
						1) ;;
						# --sync's fsync of the directory comes after the rename.
						0) [ "$name" = write_sync ] && [ "$fn:$nth" = fsync:2 ] ||
							problem="failed (exit $rc), but the file was replaced" ;;
						*) problem="failed (exit $rc), and the file is neither old nor new" ;;
						esac
					fi
				fi
				[ "$kind" = write_new ] && rm -f "$scratch/fresh"
				if [ "$kind" = rm ]; then # a failed removal may leave part of the tree
					[ -e /etc/passwd ] || problem="the link was followed"
					rm -rf "$scratch/victim"
					before=""
				fi
				after=$(listing)
				if [ "$after" != "$before" ]; then
					new=$(LC_ALL=C comm -13 <(echo "$before") <(echo "$after"))
					delivered=$(sed -n 1p "$out")
					case $fn in
					unlink | unlinkat | rmdir) stuck=$((stuck + 1)) ;; # the removal itself was failed
					fflush | fclose) # stderr failed after the name reached stdout whole
						[ "$new" = "./${delivered##*/}" ] ||
							[ -n "$problem" ] || problem="left behind: $(echo "$new" | head -3 | tr '\n' ' ')" ;;
					*)
						if [ "$kind" = nothing ] && [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ -s "$err" ]; then
							# run: removing the private tree failed, and said so
							stuck=$((stuck + 1))
						elif [ -z "$problem" ]; then
							problem="left behind: $(echo "$new" | head -3 | tr '\n' ' ')"
						fi ;;
					esac
					(cd "$scratch" && echo "$new" | xargs -r rm -rf --)
				fi
				if [ -n "$problem" ]; then
					bad=$((bad + 1))
					echo "BAD cli $name: $fn call $nth failing with $e: $problem"
				fi
			done
		done
	done <"$counts"
	echo "cli $name: $points fault points, $cases cases: $reported reported, $absorbed absorbed, $stuck stuck (a removal failed and was reported), $bad bad"
	total_points=$((total_points + points))
	total_cases=$((total_cases + cases))
	total_bad=$((total_bad + bad))
done
echo "cli: $total_points fault points, $total_cases cases, $total_bad bad"
[ "$total_bad" -eq 0 ]
