/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32_file.c - what file.c and spooled.c ask of Windows beyond
 * ISO C (internal.h documents each call): the C runtime's descriptors, as
 * mingw-w64 and MSVC provide them. No O_TMPFILE and no fopencookie: file.c
 * and spooled.c take their fallbacks.
 */
#include "internal.h"

#include <errno.h>
#include <io.h>
#include <stdio.h>

int tf_os_open_tmpfile(const char *dir, mode_t mode, int open_flags)
{
	(void)dir;
	(void)mode;
	(void)open_flags;
	return -EOPNOTSUPP;
}

int tf_os_fdopen(int fd, const char *how, FILE **out)
{
	*out = _fdopen(fd, how);
	return *out ? 0 : tf_neg_errno();
}

off_t tf_os_seek(int fd, off_t off, int whence)
{
	off_t at = (off_t)_lseeki64(fd, (__int64)off, whence); /* off_t is 64-bit (doc/ABI.md) */
	return at < 0 ? tf_neg_errno() : at;
}

int tf_os_truncate(int fd, off_t size)
{
	int error = _chsize_s(fd, (__int64)size);
	return -error;
}

int tf_os_cookie_stream(struct tf_stream_cookie *cookie, const char *mode, FILE **out)
{
	(void)cookie;
	(void)mode;
	*out = NULL;
	return -ENOSYS;
}
