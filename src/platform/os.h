/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/os.h - the operating system's types the core needs, so that
 * the files of src/ outside platform/ include no OS header of their own:
 * mode_t, ssize_t, off_t, dev_t, ino_t, struct stat, the O_* open flags,
 * the state of a creation guard (a signal mask on POSIX), and what holds a
 * lease. Included by
 * internal.h only.
 */
#ifndef TEMPFILE_PLATFORM_OS_H
#define TEMPFILE_PLATFORM_OS_H

#include <fcntl.h>
#include <stddef.h> /* wchar_t */
#include <sys/stat.h>
#include <sys/types.h>

#ifdef _WIN32
/* No signals to block: the console handler is a thread of its own. */
struct tf_creation_guard {
	int unused;
};
#else
#  include <signal.h>

/* What tf_creation_begin leaves for tf_register and tf_creation_end:
 * this thread's signal mask before, and the owner token it took (0 and
 * error -errno if it could not). */
struct tf_creation_guard {
	sigset_t saved_mask;
	unsigned owner;
	int error;
};
#endif

/* A lease's hold on one object (platform/posix_lease.c, win32_lease.c):
 * the descriptor (Windows: the handle) that keeps it, and where the
 * fallback marker is, if the object carries none of its own (NEW, or
 * NULL). */
struct tf_os_lease {
#ifdef _WIN32
	void *handle;
	wchar_t *marker;
#else
	int fd;
	char *marker;
#endif
};

#endif
