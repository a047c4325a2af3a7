/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * cxx_options.cpp - passing options from C++.
 *
 * C's idiom, `tempfile_mkstemp(&(struct tempfile_opts){ .suffix = ".json" }, ...)`,
 * takes the address of a compound literal, which C++ does not have: g++
 * and clang++ reject it ("taking the address of a temporary"). Name the
 * options instead: `tempfile_opts o{}` sets every member to zero, which
 * means the default, and then set only the members you need.
 *
 * Build: c++ -std=c++11 cxx_options.cpp $(pkg-config --cflags --libs tempfile)
 */
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#include <tempfile.h>

int main()
{
	tempfile_opts opts{}; // all zero: every option at its default
	opts.prefix = "report-";
	opts.suffix = ".json";

	tempfile *t = tempfile_named(&opts, "w");
	if (!t) {
		std::fprintf(stderr, "tempfile_named: %s\n", std::strerror(errno));
		return 1;
	}
	std::printf("created %s\n", tempfile_path(t));

	std::FILE *f = tempfile_stream(t);
	if (!f || std::fputs("{}\n", f) == EOF) {
		std::fprintf(stderr, "writing %s: %s\n", tempfile_path(t), std::strerror(errno));
		tempfile_close(t);
		return 1;
	}
	// Deletes the file (no TEMPFILE_KEEP in opts.flags) and frees t.
	if (tempfile_close(t) != 0) {
		std::fprintf(stderr, "tempfile_close: %s\n", std::strerror(errno));
		return 1;
	}

	// NULL (nullptr) options: all defaults, as in C.
	char *path = nullptr;
	int fd = tempfile_mkstemp(nullptr, &path);
	if (fd < 0) {
		std::fprintf(stderr, "tempfile_mkstemp: %s\n", std::strerror(errno));
		return 1;
	}
	std::printf("created %s\n", path);
	// mkstemp leaves the file to the caller: close it, remove it, free path.
	int status = 0;
	if (close(fd) != 0 || std::remove(path) != 0) {
		std::fprintf(stderr, "%s: %s\n", path, std::strerror(errno));
		status = 1;
	}
	std::free(path);
	return status;
}
