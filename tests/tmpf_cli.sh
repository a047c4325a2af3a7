# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# tmpf_cli.sh - what the tmpf test scripts share (test_tmpf.sh,
# test_tmpf_write.sh, test_tmpf_run.sh, test_tmpf_reap.sh source it): a
# scratch root with a copy of tmpf in it ($tmpf), the as-nobody prefix,
# run_tmpf, wait_for, fail and the expect_* checks, and run_tests, the
# driver of every test_<behaviour> function. Set $suite, the name the
# summary line starts with, before sourcing.
: "${TMPF:?TMPF must name the tmpf binary}" "${suite:?suite: the name of the test script}"
unset TMPDIR TMP TEMP POSIXLY_CORRECT LANGUAGE
export LC_ALL=C

root=$(mktemp -d "/tmp/$suite-test.XXXXXXXX") || exit 1
trap 'chmod -R u+rwx "$root" 2>/dev/null; rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir "$root/bin"
cp "$TMPF" "$root/bin/tmpf" && chmod 755 "$root/bin/tmpf"
tmpf="$root/bin/tmpf"

as_nobody=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

current=""
failures=()
fail() {
	failures+=("$current: $*")
}

# A fresh scratch directory for the current test: $s.
new_scratch() {
	s="$root/t/$current"
	mkdir -p "$s" && chmod 755 "$s"
}

# run_tmpf ARGS... : run tmpf ARGS; sets $status, $out, $err. The output
# goes outside $s, so that $s holds only what the test made.
run_tmpf() {
	"$tmpf" "$@" >"$root/.out" 2>"$root/.err"
	status=$?
	out=$(cat "$root/.out")
	err=$(cat "$root/.err")
}

# wait_for FILE: until it exists and is not empty (a minute at most).
wait_for() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# What the last run left in $status, $out and $err.
expect_status() { [ "$status" = "$1" ] || fail "exit status $status, expected $1 (stderr: $err)"; }
expect_out() { [ "$out" = "$1" ] || fail "stdout '$out', expected '$1'"; }
expect_no_out() { [ -z "$out" ] || fail "stdout should be empty: '$out'"; }
expect_err() { [ "$err" = "$1" ] || fail "stderr '$err', expected '$1'"; }
expect_no_err() { [ -z "$err" ] || fail "stderr should be empty: '$err'"; }

# Every test_* function, each in a fresh $s; the failures, the summary
# "$suite: N passed, M failed", and the status (0: none failed).
run_tests() {
	local t before passed=0 failed=0 f
	for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
		current=${t#test_}
		new_scratch
		before=${#failures[@]}
		"$t"
		[ -x "$tmpf" ] || { echo "$suite: $t removed $tmpf" >&2; exit 1; }
		if [ ${#failures[@]} -eq "$before" ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	for f in "${failures[@]}"; do
		echo "FAIL $f"
	done
	echo "$suite: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
