#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# What `cmake --install` gives: a header, both libraries, tempfile.pc and a
# CMake package, that a separate program compiles and links against, shared
# and static, through pkg-config and through find_package:
#   1. this build installed with --prefix into a plain directory;
#   2. a library-only build configured as a distribution does
#      (CMAKE_INSTALL_PREFIX=/usr: Debian's multiarch lib/x86_64-linux-gnu),
#      installed with DESTDIR staging, used through the staged tree, then
#      removed again by the uninstall target;
#   3. absolute CMAKE_INSTALL_LIBDIR and _INCLUDEDIR, written as they are.
set -euo pipefail
build=${TF_BINARY_DIR:?}
# shellcheck source=consumer/env.sh
. "$(dirname "$0")/consumer/env.sh"
example=$src/examples/basics.c

passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAILED: $*"; failed=$((failed + 1)); }
have() { # file...
	local f
	for f; do [ -e "$f" ] || { fail "missing $f"; return 1; }; done
}
# Runs a built example; its first line of output names the directory used.
runs_in_work() { # program [env...]
	local program=$1
	shift
	env TMPDIR="$work" "$@" "$program" > "$work/out.txt" 2>&1 &&
		grep -q "gettempdir:  $work" "$work/out.txt" && return 0
	cat "$work/out.txt"
	return 1
}
no_libtempfile_needed() { # program
	if readelf -d "$1" | grep -q 'NEEDED.*libtempfile'; then
		readelf -d "$1" | grep NEEDED
		return 1
	fi
}
consumer() { # name, then cmake arguments: tests/consumer against an install
	local name=$1
	shift
	cmake -S "$src/tests/consumer" -B "$work/$name" -DCMAKE_C_COMPILER="$cc" \
		-DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$cflags" "$@" > "$work/$name.log" 2>&1 &&
		cmake --build "$work/$name" >> "$work/$name.log" 2>&1 && return 0
	cat "$work/$name.log"
	return 1
}

# ---- 1. a plain prefix --------------------------------------------------------
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
# The build's own library directory: lib, lib64, or lib/<multiarch> when
# configured so (as Debian's dh does for any prefix).
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
if have "$prefix/include/tempfile.h" "$libdir/libtempfile.a" "$libdir/pkgconfig/tempfile.pc" &&
	ls "$libdir"/libtempfile.so.* >/dev/null; then pass; fi
# tempfile.pc names the configured prefix; moved elsewhere, a user redefines it.
export PKG_CONFIG_LIBDIR=$libdir/pkgconfig
pc=(pkg-config --define-variable=prefix="$prefix")
flags=$("${pc[@]}" --cflags tempfile)
case " $flags " in
*" -I$prefix/include "*) pass ;;
*) fail "pkg-config --cflags gives '$flags', not -I$prefix/include" ;;
esac
# shellcheck disable=SC2046
if $cc $cflags "$example" $("${pc[@]}" --cflags --libs tempfile) -o "$work/plain_shared" &&
	runs_in_work "$work/plain_shared" LD_LIBRARY_PATH="$libdir"; then pass; else fail "plain prefix: pkg-config, shared"; fi
if consumer plain_consumer -DCMAKE_PREFIX_PATH="$prefix" &&
	runs_in_work "$work/plain_consumer/consumer_shared" LD_LIBRARY_PATH="$libdir" &&
	runs_in_work "$work/plain_consumer/consumer_static"; then pass; else fail "plain prefix: find_package"; fi
unset PKG_CONFIG_LIBDIR

# ---- 2. /usr, staged with DESTDIR ------------------------------------------------
usr_build=$work/usr-build
stage=$work/stage
if ! cmake -S "$src" -B "$usr_build" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${TF_C_FLAGS:-}" -DTEMPFILE_SANITIZE="${TF_SANITIZE:-}" -DTEMPFILE_BUILD_TESTS=OFF \
	-DTEMPFILE_BUILD_BENCH=OFF -DTEMPFILE_BUILD_CLI=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF \
	> "$work/usr-build.log" 2>&1 || ! cmake --build "$usr_build" -j2 >> "$work/usr-build.log" 2>&1; then
	cat "$work/usr-build.log"
	fail "the library-only build for /usr"
	echo "install: $passed passed, $failed failed"
	exit 1
fi
usr_libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$usr_build/CMakeCache.txt")
# Debian's multiarch directory, where CMake knows the architecture (always
# for the compiler's own target: -print-multiarch).
arch=$(sed -n 's/^set(CMAKE_C_LIBRARY_ARCHITECTURE "\(.*\)")/\1/p' "$usr_build"/CMakeFiles/*/CMakeCCompiler.cmake)
multiarch=$($cc -print-multiarch 2>/dev/null || true)
if [ -z "${TF_C_FLAGS:-}" ] && [ "$arch" != "$multiarch" ]; then
	fail "CMake's library architecture '$arch' is not the compiler's '$multiarch'"
elif [ -f /etc/debian_version ] && [ -n "$arch" ]; then
	if [ "$usr_libdir" = "lib/$arch" ]; then pass; else fail "libdir for /usr is $usr_libdir, not lib/$arch"; fi
fi
# Things already in the shared directories, which uninstall must leave.
mkdir -p "$stage/usr/$usr_libdir" "$stage/usr/share/man/man3"
echo other > "$stage/usr/$usr_libdir/libother.so"
echo other > "$stage/usr/share/man/man3/other.3"
DESTDIR=$stage cmake --install "$usr_build" >/dev/null
lib=$stage/usr/$usr_libdir
if have "$stage/usr/include/tempfile.h" "$lib/libtempfile.a" "$lib/libtempfile.so.0" \
	"$lib/pkgconfig/tempfile.pc" "$lib/cmake/tempfile/tempfileConfig.cmake"; then pass; fi

# tempfile.pc: plain paths, no ${pcfiledir}/.. detour.
pcfile=$lib/pkgconfig/tempfile.pc
if grep -qx 'prefix=/usr' "$pcfile" && grep -qx "libdir=\${prefix}/$usr_libdir" "$pcfile" &&
	grep -qx 'includedir=${prefix}/include' "$pcfile" && ! grep -q 'pcfiledir\|\.\.' "$pcfile"; then
	pass
else
	cat "$pcfile"
	fail "tempfile.pc is not in plain \${prefix} paths"
fi
# As seen on the target system: /usr's flags are the compiler's defaults.
export PKG_CONFIG_LIBDIR=$lib/pkgconfig
cflags_usr=$(pkg-config --cflags tempfile)
libs_usr=$(pkg-config --libs tempfile)
static_usr=$(pkg-config --static --libs tempfile)
# Nothing but the definition a 32-bit off_t needs (doc/ABI.md), if any.
lfs=-D_FILE_OFFSET_BITS=64
if [ -z "$(echo ${cflags_usr/$lfs/})" ] && [ "$(echo $libs_usr)" = "-ltempfile" ]; then pass; else
	fail "pkg-config for /usr gives cflags '$cflags_usr', libs '$libs_usr'"; fi
case " $static_usr " in
*" -pthread "*) pass ;;
*) fail "pkg-config --static --libs gives '$static_usr': no -pthread" ;;
esac
# And through the staging tree, as a cross or package build sees it.
export PKG_CONFIG_SYSROOT_DIR=$stage
# shellcheck disable=SC2046
if $cc $cflags "$example" $(pkg-config --cflags --libs tempfile) -o "$work/usr_shared" &&
	readelf -d "$work/usr_shared" | grep -q 'NEEDED.*libtempfile\.so\.0' &&
	runs_in_work "$work/usr_shared" LD_LIBRARY_PATH="$lib"; then pass; else fail "/usr: pkg-config, shared"; fi
# A static link: libtempfile.a and what Libs.private adds, no libtempfile.so.
# shellcheck disable=SC2046
if $cc $cflags "$example" $(pkg-config --cflags tempfile) \
	-Wl,-Bstatic $(pkg-config --static --libs tempfile) -Wl,-Bdynamic -o "$work/usr_static" &&
	no_libtempfile_needed "$work/usr_static" && runs_in_work "$work/usr_static"; then
	pass
else
	fail "/usr: pkg-config --static"
fi
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
if consumer usr_consumer -DCMAKE_PREFIX_PATH="$stage/usr" -DCMAKE_FIND_ROOT_PATH="$stage" \
	-DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY &&
	grep -q "$stage/usr/$usr_libdir/cmake/tempfile" "$work/usr_consumer/CMakeCache.txt" &&
	runs_in_work "$work/usr_consumer/consumer_shared" LD_LIBRARY_PATH="$lib" &&
	no_libtempfile_needed "$work/usr_consumer/consumer_static" &&
	runs_in_work "$work/usr_consumer/consumer_static"; then pass; else fail "/usr: find_package"; fi

# ---- absolute GNUInstallDirs paths: written as they are -------------------------
if cmake -S "$src" -B "$work/abs-build" -DCMAKE_INSTALL_PREFIX=/opt/tf -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_INSTALL_LIBDIR=/srv/lib64 -DCMAKE_INSTALL_INCLUDEDIR=/srv/include/tf \
	-DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_BENCH=OFF -DTEMPFILE_BUILD_CLI=OFF \
	-DTEMPFILE_BUILD_EXAMPLES=OFF > "$work/abs-build.log" 2>&1 &&
	grep -qx 'prefix=/opt/tf' "$work/abs-build/tempfile.pc" &&
	grep -qx 'libdir=/srv/lib64' "$work/abs-build/tempfile.pc" &&
	grep -qx 'includedir=/srv/include/tf' "$work/abs-build/tempfile.pc"; then
	pass
else
	cat "$work/abs-build.log" "$work/abs-build/tempfile.pc" 2>/dev/null | tail -20
	fail "tempfile.pc with an absolute CMAKE_INSTALL_LIBDIR and INCLUDEDIR"
fi

# ---- uninstall ------------------------------------------------------------------
cmake --build "$usr_build" --target uninstall >/dev/null
left=$(cd "$stage" && find . -mindepth 1 | sort)
expect=$(printf '%s\n' ./usr ./usr/lib "./usr/$usr_libdir" "./usr/$usr_libdir/libother.so" \
	./usr/share ./usr/share/man ./usr/share/man/man3 ./usr/share/man/man3/other.3 | sort -u)
if [ "$left" = "$expect" ]; then pass; else
	fail "uninstall left (< expected, > left):"
	diff <(echo "$expect") <(echo "$left") || true
fi

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
