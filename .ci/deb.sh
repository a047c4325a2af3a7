#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# .ci/deb.sh - the Debian packages (issue 13 item 8), as a user of them
# would see them:
#   1. dpkg-buildpackage -us -uc -b in a copy of the tree (it writes the
#      .debs to the parent directory and leaves build files in debian/);
#      the test suite runs once, inside the build (dh_auto_test), and the
#      library's symbols must be debian/libtempfile0.symbols exactly;
#   2. lintian on the .changes and on the source package (dpkg-source -b):
#      any error or warning fails the stage;
#   3. tmpf's Depends names libtempfile0 (it is linked against the shared
#      library, not a static copy);
#   4. the three .debs unpacked with dpkg -x into a scratch root (nothing is
#      installed into the system), and against that root: every examples/*.c
#      (and *.cpp) compiled with pkg-config's flags, one also linked
#      statically (pkg-config --static), the CMake package found by
#      tests/consumer, an example and the staged tmpf run, and the manual
#      pages found by man -w.
# Installs what the build needs with apt-get when missing. Non-interactive.
# Work goes under $TF_CI_BUILD/deb (default: build-ci/deb in the source
# tree); DEB_BUILD_OPTIONS defaults to parallel=$TF_CI_JOBS (2).
set -euo pipefail
export CI=true DEBIAN_FRONTEND=noninteractive
exec </dev/null

src=$(cd "$(dirname "$0")/.." && pwd)
out=${TF_CI_BUILD:-$src/build-ci}/deb
jobs=${TF_CI_JOBS:-2}
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=$jobs}
# A symbol added to or gone from libtempfile.so.0 without the same change
# to debian/libtempfile0.symbols fails the build (dpkg-gensymbols -c4): a
# new function needs its version there, or programs get too weak a Depends.
export DPKG_GENSYMBOLS_CHECK_LEVEL=${DPKG_GENSYMBOLS_CHECK_LEVEL:-4}

say() { printf '\n=== %s\n' "$*"; }
fail() { echo "deb: $*" >&2; exit 1; }

# debian/control's Build-Depends (dpkg-checkbuilddeps below says if this
# list falls behind), and what the checks after the build use.
packages=(build-essential debhelper cmake groff-base libcriterion-dev man-db pkg-config python3 lintian)
need=()
for package in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' ||
		need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
(cd "$src" && dpkg-checkbuilddeps) || fail "Build-Depends unmet: add them to the list in $0"

version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
rm -rf "$out"
mkdir -p "$out"
tree=$out/libtempfile-$version
mkdir "$tree"
# The tree as it is, without git's data and build directories (.gitignore).
tar -C "$src" --exclude=./.git --exclude='./build*' --exclude=./out -cf - . | tar -C "$tree" -xf -

# The source package too, from the clean copy: for lintian's checks of
# debian/ itself (a few seconds).
say "dpkg-source -b"
(cd "$out" && dpkg-source -b "$(basename "$tree")") > "$out/source.log" 2>&1 || {
	cat "$out/source.log"
	fail "dpkg-source -b failed"
}

say "dpkg-buildpackage -us -uc -b ($DEB_BUILD_OPTIONS)"
start=$SECONDS
(cd "$tree" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
	tail -n 150 "$out/build.log"
	fail "dpkg-buildpackage failed (full log: $out/build.log)"
}
grep -E '^(dpkg-gensymbols|dpkg-shlibdeps): (warning|error)|tests passed|tests failed' "$out/build.log" || true
echo "built in $((SECONDS - start)) s:"
debs=()
for package in libtempfile0 libtempfile-dev tmpf; do
	deb=$out/${package}_${version}_${arch}.deb
	[ -f "$deb" ] || fail "missing $deb"
	debs+=("$deb")
	echo "  $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
done

say "lintian"
# Info tags are shown, not fatal; run as root, lintian says so on stderr.
lintian --display-info --fail-on error,warning "$out/libtempfile_${version}_${arch}.changes" \
	"$out/libtempfile_${version}.dsc" ||
	fail "lintian reports errors or warnings"

say "tmpf depends on libtempfile0"
dpkg-deb -f "$out/tmpf_${version}_${arch}.deb" Depends | grep -qE '(^|, )libtempfile0( |,|$)' ||
	fail "tmpf does not depend on libtempfile0: not linked against the shared library?"

say "the packages unpacked into a scratch root"
root=$out/root
for deb in "${debs[@]}"; do dpkg -x "$deb" "$root"; done
libdir=$root/usr/lib/$multiarch
work=$out/work
mkdir "$work"
# pkg-config as on a system with the -dev package installed, paths moved
# into the scratch root; the library found there at run time.
export PKG_CONFIG_LIBDIR=$libdir/pkgconfig:$root/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
cflags=$(pkg-config --cflags tempfile)
libs=$(pkg-config --libs tempfile)
echo "pkg-config: $cflags $libs"

say "examples/ against the staged libtempfile-dev"
built=0
for example in "$src"/examples/*.c "$src"/examples/*.cpp; do
	[ -f "$example" ] || continue
	name=$(basename "$example")
	case $name in
	*.cpp) compiler=${CXX:-c++} ;;
	*) compiler=${CC:-cc} ;;
	esac
	# shellcheck disable=SC2086 # pkg-config's flags are words
	"$compiler" -Wall -Wextra -Werror $cflags "$example" $libs -o "$work/${name%.*}" ||
		fail "$name does not build against the package"
	built=$((built + 1))
done
[ "$built" -gt 0 ] || fail "no examples/*.c"
echo "$built examples built"
# A static link with what pkg-config --static gives: libtempfile.a and
# what it needs.
static_libs=$(pkg-config --static --libs tempfile)
# shellcheck disable=SC2086
"${CC:-cc}" -static $cflags "$src/examples/basics.c" $static_libs \
	-o "$work/basics_static" || fail "basics.c does not link statically with pkg-config --static"
mkdir "$work/tmp"
TMPDIR=$work/tmp LD_LIBRARY_PATH=$libdir "$work/basics" > "$work/basics.out" ||
	fail "basics failed: $(cat "$work/basics.out")"
grep -q "$work/tmp" "$work/basics.out" || fail "basics did not use \$TMPDIR: $(cat "$work/basics.out")"
TMPDIR=$work/tmp "$work/basics_static" > /dev/null || fail "basics_static failed"
echo "basics ran, shared and static"

say "find_package(tempfile) in the staged CMake package"
if ! { cmake -S "$src/tests/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$root/usr" &&
	cmake --build "$work/consumer"; } > "$work/consumer.log" 2>&1; then
	cat "$work/consumer.log"
	fail "tests/consumer does not build against the package"
fi
TMPDIR=$work/tmp LD_LIBRARY_PATH=$libdir "$work/consumer/consumer_shared" > /dev/null ||
	fail "consumer_shared failed"
echo "tests/consumer built and ran"

say "the staged tmpf"
tmpf=$root/usr/bin/tmpf
LD_LIBRARY_PATH=$libdir ldd "$tmpf" | grep -q "libtempfile\.so\.0 => $libdir/" ||
	fail "the staged tmpf does not load the staged libtempfile.so.0"
LD_LIBRARY_PATH=$libdir "$tmpf" --version > "$work/version.out" || fail "tmpf --version failed"
head -n 1 "$work/version.out"
dir=$(TMPDIR=$work/tmp LD_LIBRARY_PATH=$libdir "$tmpf" -d)
if [ ! -d "$dir" ] || [ "$(stat -c %a "$dir")" != 700 ]; then
	fail "tmpf -d did not create a 0700 directory: $dir"
fi
case $dir in "$work/tmp/"*) ;; *) fail "tmpf -d ignored \$TMPDIR: $dir" ;; esac
rmdir "$dir"
echo "tmpf -d: made and removed $dir"

say "man -w in the staged root"
for page in "1 tmpf" "3 tempfile" "3 tempfile_mkstemp"; do
	# shellcheck disable=SC2086 # section and name
	found=$(MANPATH=$root/usr/share/man man -w $page) || fail "man -w $page: not found in the packages"
	case $found in "$root"/*) ;; *) fail "man -w $page found $found, outside the packages" ;; esac
	echo "man -w $page: ${found#"$root"}"
done

say "Debian packages built, lint-clean and usable: $out"
