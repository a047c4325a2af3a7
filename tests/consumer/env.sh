# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# Sourced by the tests that configure and build against libtempfile
# (test_install, test_subproject, test_no_criterion): the source tree, the
# build's compiler, a scratch directory removed at exit, and the flags a
# program needs to link with this build's library: the build's
# CMAKE_C_FLAGS (e.g. -m32), and its sanitizers (a sanitized library needs
# a sanitized program).
src=${TF_SOURCE_DIR:?}
cc=${TF_C_COMPILER:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cflags=${TF_C_FLAGS:-}
[ -z "${TF_SANITIZE:-}" ] || cflags="$cflags -fsanitize=$TF_SANITIZE"
