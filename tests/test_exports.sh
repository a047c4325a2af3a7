#!/usr/bin/env bash
# The shared library exports exactly the functions the header documents
# (TEMPFILE_EXPORT), and carries a versioned SONAME.
set -euo pipefail
lib=${TF_SHARED_LIB:?}
header=${TF_SOURCE_DIR:?}/include/tempfile.h

documented=$(tr '\n' ' ' < "$header" | grep -oE 'TEMPFILE_EXPORT[^;(]*\(' |
	grep -oE 'tempfile_[a-z_0-9]+ *\($' | tr -d ' (' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TWDBR]$/ {print $3}' | sort -u)

status=0
if [ "$documented" != "$exported" ]; then
	echo "exported symbols differ from the header (< header, > library):"
	diff <(echo "$documented") <(echo "$exported") || true
	status=1
fi
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
case "$soname" in
libtempfile.so.[0-9]*) ;;
*) echo "unexpected SONAME '$soname'"; status=1 ;;
esac
n=$(echo "$documented" | wc -l)
echo "exports: $n documented functions, SONAME $soname"
if [ $status -eq 0 ]; then echo "exports: 1 passed, 0 failed"; else echo "exports: 0 passed, 1 failed"; fi
exit $status
