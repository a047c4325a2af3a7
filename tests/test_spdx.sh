#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# Every source, header, script, CMake file and man page names its licence
# (SPDX-License-Identifier: MIT) and its copyright (SPDX-FileCopyrightText)
# in its first five lines, and LICENSE is the MIT licence. Build trees, the
# fuzz corpus and debhelper's scratch are not the project's files; a man
# page that only says ".so other.3" is a link.
set -euo pipefail
src=${TF_SOURCE_DIR:?}
cd "$src"
grep -q '^MIT License$' LICENSE || { echo "LICENSE is not the MIT licence"; exit 1; }
missing=0 checked=0
while IFS= read -r -d '' f; do
	# A man page that is only a ".so" link to another has nothing to license.
	case $f in *.[1-8]) [ "$(head -c 4 "$f")" = ".so " ] && continue ;; esac
	checked=$((checked + 1))
	head -n 5 "$f" | grep -q 'SPDX-License-Identifier: MIT' &&
		head -n 5 "$f" | grep -q 'SPDX-FileCopyrightText: ' && continue
	echo "no SPDX-License-Identifier: MIT or SPDX-FileCopyrightText in the first lines of ${f#./}"
	missing=$((missing + 1))
done < <(find . \( -path './build*' -o -path './.git' -o -path './fuzz/corpus' \
		-o -path './debian/tmp' -o -path './debian/.debhelper' -o -path './debian/libtempfile*' \
		-o -path './debian/tmpf' -o -path './obj-*' \) -prune -o -type f \
	\( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.sh' -o -name '*.py' \
		-o -name '*.cmake' -o -name '*.cmake.in' -o -name '*.pc.in' -o -name '*.map' \
		-o -name 'CMakeLists.txt' -o -name '*.[1-8]' -o -path './.ci/run' -o -path './debian/rules' \) \
	-print0)
echo "spdx: $checked files, $missing without the licence line"
if [ "$missing" -eq 0 ]; then echo "spdx: 1 passed, 0 failed"; else echo "spdx: 0 passed, 1 failed"; exit 1; fi
