#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# The man pages: current with the header (scripts/gen-man.py --check, which
# must also catch a changed prototype), installed so that `man 3 NAME` finds
# every exported function, rendered without a groff warning within 80
# columns, and with EXAMPLES that compile against the header.
set -euo pipefail
src=${TF_SOURCE_DIR:?}
build=${TF_BINARY_DIR:?}
header=$src/include/tempfile.h
gen=$src/scripts/gen-man.py
for tool in man groff python3; do
	command -v "$tool" >/dev/null || { echo "man: skipped (no $tool; .ci/man.sh installs it)"; exit 0; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C MANWIDTH=80 MAN_DISABLE_SECCOMP=1
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# ---- the pages are what the generator makes of the header -------------------
if python3 "$gen" --check; then pass; else fail "doc/ is not current: run scripts/gen-man.py"; fi

# A prototype changed in a copy of the header: the check must see the drift.
sed 's/^\(TEMPFILE_EXPORT int tempfile_forget(const char \*path\));/\1, int extra);/' \
	"$header" > "$work/changed.h"
cmp -s "$header" "$work/changed.h" && fail "could not change tempfile_forget's prototype in a copy"
if python3 "$gen" --check --header "$work/changed.h" 2>"$work/changed.err"; then
	fail "gen-man --check accepted a changed prototype"
elif grep -q '^+.*tempfile_forget.*extra' "$work/changed.err" && grep -q 'run scripts/gen-man.py' "$work/changed.err"; then
	pass
else
	fail "gen-man --check failed without showing the change:"; cat "$work/changed.err"
fi

# A function exported but on no page.
sed 's/^TEMPFILE_EXPORT const char \*tempfile_version(void);/&\nTEMPFILE_EXPORT int tempfile_undocumented(void);/' \
	"$header" > "$work/added.h"
if python3 "$gen" --check --header "$work/added.h" 2>"$work/added.err"; then
	fail "gen-man --check accepted a function on no page"
elif grep -q 'tempfile_undocumented' "$work/added.err"; then pass; else fail "no name in: $(cat "$work/added.err")"; fi

# ---- installed, every function has a page -----------------------------------
stage=$work/stage
DESTDIR=$stage cmake --install "$build" --component man --prefix /usr >/dev/null 2>"$work/install.err" ||
	{ fail "cmake --install --component man (re-run cmake after adding a page?): $(cat "$work/install.err")"; echo "man: $passed passed, $failed failed"; exit 1; }
manroot=$stage/usr/share/man
functions=$(tr '\n' ' ' < "$header" | grep -oE 'TEMPFILE_EXPORT[^;(]*\(' |
	grep -oE 'tempfile_[a-z_0-9]+ *\($' | tr -d ' (' | sort -u)
[ "$(echo "$functions" | wc -l)" -gt 30 ] || fail "found only these functions in the header: $functions"
for name in $functions tempfile; do
	found=$(MANPATH=$manroot man -w 3 "$name" 2>/dev/null) || { fail "man -w 3 $name finds nothing"; continue; }
	case "$found" in "$manroot"/man3/*) pass ;; *) fail "man -w 3 $name: $found, not in the staged tree" ;; esac
done
if [ "$(MANPATH=$manroot man -w 1 tmpf 2>/dev/null)" = "$manroot/man1/tmpf.1" ]; then pass; else fail "tmpf.1 not installed"; fi

# A line that ends in "word-" is hyphenation unless the page, rendered
# without line breaks (stdin), has that "word-next" too.
cat >"$work/hyphens.py" <<'PY'
import re, sys
wide = sys.stdin.read()
lines = open(sys.argv[1]).read().splitlines()
bad = []
for this, after in zip(lines, lines[1:]):
    m = re.search(r'(\S*[A-Za-z_])-$', this)
    n = re.match(r'\s*(\S+)', after)
    if m and n and m.group(1) + '-' + n.group(1) not in wide:
        bad.append(m.group(1) + '-' + n.group(1))
if bad:
    sys.exit('hyphenated: ' + ' '.join(bad))
PY
# Rendered through man (aliases followed): no warning, nothing past column 80,
# no name broken by hyphenation (tmpf.1, whose text is the CLI's, only for
# warnings).
for page in "$manroot"/man3/*.3 "$manroot"/man1/tmpf.1; do
	[ -f "$page" ] || continue
	name=$(basename "$page")
	# The layout of a group page is checked once, not again through each alias.
	layout=yes
	{ [ "$name" = tmpf.1 ] || grep -q '^\.so ' "$page"; } && layout=no
	MANPATH=$manroot man --warnings -l "$page" >"$work/page.txt" 2>"$work/page.err" || true
	width=$(wc -L < "$work/page.txt")
	if [ -s "$work/page.err" ]; then
		fail "$name: $(cat "$work/page.err")"
	elif [ "$(wc -l < "$work/page.txt")" -lt 10 ]; then
		fail "$name: rendered to almost nothing"
	elif [ $layout = yes ] && [ "$width" -gt 80 ]; then
		fail "$name: $width columns wide: $(awk 'length > 80' "$work/page.txt" | head -3)"
	elif [ $layout = yes ] && ! MANPATH=$manroot MANWIDTH=1000 man -l "$page" 2>/dev/null |
		python3 "$work/hyphens.py" "$work/page.txt"; then
		fail "$name: words hyphenated at a line end (names must stay whole)"
	else
		pass
	fi
done
# ... and groff's own strictest reading of each page's source (on a terminal
# device: on the default PostScript one, 80n is wider than 80 columns).
for page in "$src"/doc/*.3; do
	grep -q '^\.so ' "$page" && continue
	if groff -man -t -ww -z -rLL=80n -Tutf8 "$page" 2>"$work/groff.err" && [ ! -s "$work/groff.err" ]; then
		pass
	else
		fail "groff warns on $(basename "$page"): $(cat "$work/groff.err")"
	fi
done

# Each type the header defines is shown in full in some SYNOPSIS.
all=$(for page in "$manroot"/man3/*.3; do man -l "$page" 2>/dev/null; done)
for type in $(grep -oE '^(struct|enum) [a-z_]+ \{' "$header" | tr ' ' '_' | sed 's/_{$//'); do
	decl="${type/_/ } {"
	if grep -qF "$decl" <<<"$all"; then pass; else fail "no page shows '$decl'"; fi
done

# ---- the EXAMPLES compile ---------------------------------------------------
cc=${CC:-cc}
if command -v "$cc" >/dev/null; then
	for page in "$src"/doc/*.3; do
		grep -q '^\.SH EXAMPLES' "$page" || continue
		name=$(basename "$page" .3)
		# The .EX blocks of the EXAMPLES section, roff escapes undone.
		sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$page" | sed -n '/^\.EX/,/^\.EE/p' | grep -v '^\.E[XE]' |
			sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\e/\\/g' > "$work/$name.c"
		if "$cc" -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -I"$src/include" \
			-c "$work/$name.c" -o "$work/$name.o" 2>"$work/cc.err"; then
			pass
		else
			fail "the EXAMPLES of $name.3 do not compile:"; cat "$work/cc.err"
		fi
	done
	# The overview's options-in-a-variable example says C++ takes it too.
	if command -v c++ >/dev/null; then
		if c++ -x c++ -std=c++11 -Wall -Werror -I"$src/include" -c "$work/tempfile.c" -o "$work/cxx.o" 2>"$work/cxx.err"; then
			pass
		else
			fail "tempfile.3's example is not C++:"; cat "$work/cxx.err"
		fi
	fi
else
	echo "man: EXAMPLES not compiled (no $cc)"
fi

echo "man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
