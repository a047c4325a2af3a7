#!/bin/bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# test_tmpf_mktemp.sh - tmpf against GNU mktemp, differentially.
#
# Every case of tests/mktemp-cases/cases.txt (format described there) runs
# GNU mktemp and then tmpf in a fresh scratch directory at the same path,
# with the same environment, and compares:
#   - the exit status;
#   - stdout: both must have the expected shape (random part masked);
#   - stderr: byte for byte, with "mktemp" read as "tmpf";
#   - what was created: path (the printed one masked), kind and mode.
# Prints "mktemp-diff: N passed, M failed" and fails if any case failed.
# Needs: TMPF (set by CTest), GNU mktemp on PATH, bash, GNU find/stat.
set -u

: "${TMPF:?TMPF must name the tmpf binary}"
cases_file="${TF_SOURCE_DIR:-$(dirname "$0")/..}/tests/mktemp-cases/cases.txt"
GNU_MKTEMP=$(command -v mktemp) || { echo "mktemp-diff: GNU mktemp not found" >&2; exit 1; }
if ! LC_ALL=C "$GNU_MKTEMP" --version 2>/dev/null | head -n 1 | grep -q 'GNU coreutils'; then
	echo "mktemp-diff: $GNU_MKTEMP is not GNU mktemp" >&2
	exit 1
fi

root=$("$GNU_MKTEMP" -d "${TMPDIR:-/tmp}/tmpf-differential.XXXXXXXX") || exit 1
trap 'chmod -R u+rwx "$root" 2>/dev/null; rm -rf "$root"' EXIT
chmod 755 "$root" # an unprivileged run must be able to get in
mkdir "$root/bin" "$root/result"
# Both tools run from a directory anyone can read; their names are what
# they print in messages: mktemp and tmpf.
cp "$TMPF" "$root/bin/tmpf"
ln -s "$GNU_MKTEMP" "$root/bin/mktemp"
chmod -R a+rX "$root/bin"
scratch="$root/scratch"

as_nobody=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	printf '%s' "$s"
}

# matches_shape ACTUAL SHAPE: same length, Z matches [A-Za-z0-9].
matches_shape() {
	local actual=$1 shape=$2 i a s
	[ "${#actual}" -eq "${#shape}" ] || return 1
	for ((i = 0; i < ${#shape}; i++)); do
		a=${actual:i:1} s=${shape:i:1}
		if [ "$s" = Z ]; then
			[[ $a == [A-Za-z0-9] ]] || return 1
		elif [ "$a" != "$s" ]; then
			return 1
		fi
	done
}

describe() { # path -> "kind mode"
	stat -c '%F %a' -- "$1"
}

# run_tool TOOL: run the current case with TOOL (mktemp or tmpf); results in
# $root/result/TOOL.{status,out,err,created}.
run_tool() {
	local tool=$1 res="$root/result/$1"
	rm -rf "$scratch"
	mkdir "$scratch" && chmod 755 "$scratch"
	(cd "$scratch" && umask 022 && eval "$setup") >/dev/null 2>&1
	(cd "$scratch" && find . -mindepth 1 | sort) >"$res.before"
	local -a prefix=()
	[ "$nobody" = 1 ] && prefix=("${as_nobody[@]}")
	(
		cd "$scratch" || exit 99
		umask "$mask"
		eval "set -- $args"
		eval "envwords=($envwords)"
		case $output in
		full) exec >/dev/full ;;
		closed) exec >&- ;;
		*) exec >"$res.out" ;;
		esac
		# By name, as users type it: messages start with argv[0].
		PATH="$root/bin:$PATH"
		exec "${prefix[@]}" env -u TMPDIR -u TMP -u TEMP -u POSIXLY_CORRECT -u LANGUAGE \
			LC_ALL=C "${envwords[@]}" "$tool" "$@" 2>"$res.err"
	)
	echo $? >"$res.status"
	[ "$output" = "" ] || : >"$res.out"

	# What was created: new entries in the scratch directory, plus the
	# printed path wherever it is. The printed one is listed as OUT.
	local printed="" abs="" line
	printed=$(head -n 1 "$res.out")
	if [ -n "$printed" ]; then
		case $printed in
		/*) abs=$printed ;;
		*) abs="$scratch/$printed" ;;
		esac
		abs=$(realpath -m -s -- "$abs")
	fi
	(cd "$scratch" && find . -mindepth 1 | sort) >"$res.after"
	: >"$res.created"
	while IFS= read -r line; do
		local full
		full=$(realpath -m -s -- "$scratch/$line")
		if [ "$full" = "$abs" ]; then
			echo "OUT $(describe "$full")" >>"$res.created"
		else
			echo "$line $(describe "$full")" >>"$res.created"
		fi
	done < <(comm -13 "$res.before" "$res.after")
	if [ -n "$abs" ] && [ "${abs#"$scratch"/}" = "$abs" ] && [ -e "$abs" ] &&
		matches_shape "$printed" "$shape"; then
		echo "OUT $(describe "$abs")" >>"$res.created"
		case $abs in /tmp/*) rm -rf -- "$abs" ;; esac
	fi
}

help_lines() { # the mktemp part of a help text: up to --version
	sed -n '1,/--version/p' "$1" | sed 's/mktemp/tmpf/g'
}

check_stdout() { # tool -> 0 if its stdout has the expected shape
	local out="$root/result/$1.out" line lines
	case $shape in
	@help) return 0 ;; # compared below, between the tools
	@version)
		if [ "$1" = mktemp ]; then
			head -n 1 "$out" | grep -q '^mktemp (GNU coreutils) '
		else
			head -n 1 "$out" | grep -Eq '^tmpf \(libtempfile\) [0-9]+\.[0-9]+\.[0-9]+$'
		fi
		return
		;;
	"") [ ! -s "$out" ]; return ;;
	esac
	lines=$(wc -l <"$out")
	[ "$lines" -eq 1 ] || return 1
	line=$(cat "$out")
	matches_shape "$line" "$shape"
}

passed=0
failed=0
declare -A seen=()
while IFS= read -r raw || [ -n "$raw" ]; do
	case $raw in '#'* | '') continue ;; esac
	IFS='|' read -r name how setup envwords args shape <<<"$raw"
	name=$(trim "$name") how=$(trim "$how") setup=$(trim "$setup")
	envwords=$(trim "$envwords") args=$(trim "$args") shape=$(trim "$shape")
	if [ -n "${seen[$name]:-}" ]; then
		echo "mktemp-diff: duplicate case name $name" >&2
		failed=$((failed + 1))
		continue
	fi
	seen[$name]=1
	output="" nobody=0 mask=022
	IFS=',' read -ra flags <<<"$how"
	for flag in "${flags[@]}"; do
		case $flag in
		full | closed) output=$flag ;;
		nobody) nobody=1 ;;
		umask=*) mask=${flag#umask=} ;;
		*) echo "mktemp-diff: $name: unknown how '$flag'" >&2 ;;
		esac
	done

	run_tool mktemp
	run_tool tmpf
	problems=()
	r="$root/result"
	[ "$(cat "$r/mktemp.status")" = "$(cat "$r/tmpf.status")" ] ||
		problems+=("exit status: mktemp $(cat "$r/mktemp.status"), tmpf $(cat "$r/tmpf.status")")
	check_stdout mktemp || problems+=("mktemp stdout does not match '$shape': $(head -c 200 "$r/mktemp.out")")
	check_stdout tmpf || problems+=("tmpf stdout does not match '$shape': $(head -c 200 "$r/tmpf.out")")
	if [ "$shape" = @help ] && ! cmp -s <(help_lines "$r/mktemp.out") <(head -n "$(help_lines "$r/mktemp.out" | wc -l)" "$r/tmpf.out"); then
		problems+=("help text differs: $(diff <(help_lines "$r/mktemp.out") "$r/tmpf.out" | head -n 5)")
	fi
	if ! cmp -s <(sed 's/mktemp/tmpf/g' "$r/mktemp.err") "$r/tmpf.err"; then
		problems+=("stderr differs:
$(diff <(sed 's/mktemp/tmpf/g' "$r/mktemp.err") "$r/tmpf.err" | head -n 10)")
	fi
	if ! cmp -s "$r/mktemp.created" "$r/tmpf.created"; then
		problems+=("created entries differ:
$(diff "$r/mktemp.created" "$r/tmpf.created" | head -n 10)")
	fi
	if [ ${#problems[@]} -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name: ${args}"
		printf '  %s\n' "${problems[@]}"
	fi
done <"$cases_file"

echo "mktemp-diff: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -ge 40 ]
