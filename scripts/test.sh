#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
# Install what the tests need (when missing) and run every test.
# Usage: bash scripts/test.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

need=()
[ -f /usr/include/criterion/criterion.h ] || need+=(libcriterion-dev)
command -v python3 >/dev/null || need+=(python3)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v man >/dev/null || need+=(man-db)      # test_man: man -w, man --warnings
command -v groff >/dev/null || need+=(groff-base)
command -v g++ >/dev/null || need+=(g++)         # the C++ example
command -v sponge >/dev/null || need+=(moreutils) # tmpf write against sponge
command -v strace >/dev/null || need+=(strace)   # tmpf write --sync's fsync calls
# test_lease runs systemd-tmpfiles --clean; the package installs and runs
# without systemd as init (a container).
[ -x /usr/bin/systemd-tmpfiles ] || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
	sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
	echo "installing: ${need[*]}"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

cmake -S . -B "$build" -DTEMPFILE_BUILD_TESTS=ON ${TEMPFILE_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
