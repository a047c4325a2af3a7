#!/usr/bin/env bash
# cmake --install gives a header, both libraries, tempfile.pc and a CMake
# package that a separate program compiles and links against.
set -euo pipefail
build=${TF_BINARY_DIR:?}
src=${TF_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
# A sanitized library needs a sanitized program.
cflags=""
[ -z "${TF_SANITIZE:-}" ] || cflags="-fsanitize=$TF_SANITIZE"

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -n1)
for f in include/tempfile.h; do test -f "$prefix/$f" || { echo "missing $f"; exit 1; }; done
test -f "$libdir/libtempfile.a" || { echo "missing libtempfile.a"; exit 1; }
ls "$libdir"/libtempfile.so.* >/dev/null || { echo "missing libtempfile.so.N"; exit 1; }
test -f "$libdir/pkgconfig/tempfile.pc" || { echo "missing tempfile.pc"; exit 1; }

# pkg-config alone.
flags=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs tempfile)
cc $cflags "$src/examples/basics.c" $flags -o "$work/by_pkgconfig"
TMPDIR=$work LD_LIBRARY_PATH=$libdir "$work/by_pkgconfig" > "$work/out.txt"
grep -q "gettempdir:  $work" "$work/out.txt" || { cat "$work/out.txt"; exit 1; }

# find_package.
cmake -S "$src/tests/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$cflags" >/dev/null
cmake --build "$work/consumer" >/dev/null
TMPDIR=$work LD_LIBRARY_PATH=$libdir "$work/consumer/consumer_shared" >/dev/null
TMPDIR=$work "$work/consumer/consumer_static" >/dev/null
echo "install: 1 passed, 0 failed"
