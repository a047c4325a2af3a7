/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_file.c - what file.c and spooled.c ask of a POSIX system
 * beyond ISO C: an O_TMPFILE open, a stream on a descriptor, seeking and
 * truncating a descriptor, and a stream whose I/O is ours (fopencookie).
 * internal.h documents each call.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int tf_os_open_tmpfile(const char *dir, mode_t mode, int open_flags)
{
#ifdef O_TMPFILE
	int fd;
	TF_RETRY_EINTR(fd, open(dir, O_TMPFILE | O_EXCL | O_CLOEXEC | open_flags, mode));
	return fd < 0 ? tf_neg_errno() : fd;
#else
	(void)dir;
	(void)mode;
	(void)open_flags;
	return -EOPNOTSUPP;
#endif
}

int tf_os_fdopen(int fd, const char *how, FILE **out)
{
	*out = fdopen(fd, how);
	return *out ? 0 : tf_neg_errno();
}

off_t tf_os_seek(int fd, off_t off, int whence)
{
	off_t at = lseek(fd, off, whence);
	return at < 0 ? tf_neg_errno() : at;
}

int tf_os_truncate(int fd, off_t size)
{
	int rc;
	TF_RETRY_EINTR(rc, ftruncate(fd, size));
	return rc < 0 ? tf_neg_errno() : 0;
}

/* fopencookie(3) is a GNU extension that glibc and musl (Linux) have.
 * Override with -DTF_HAVE_FOPENCOOKIE=0 or 1. */
#ifndef TF_HAVE_FOPENCOOKIE
#  if defined(__GLIBC__) || (defined(__linux__) && !defined(__ANDROID__))
#    define TF_HAVE_FOPENCOOKIE 1
#  else
#    define TF_HAVE_FOPENCOOKIE 0
#  endif
#endif

#if TF_HAVE_FOPENCOOKIE
#  ifdef __GLIBC__
typedef off64_t cookie_off;
#  else
typedef off_t cookie_off;
#  endif

/* stdio wants -1 and errno from read and seek (its convention, not
 * ours); write's short count is its failure. */
static ssize_t cookie_read(void *c, char *buf, size_t n)
{
	const struct tf_stream_cookie *k = c;
	ssize_t got = k->io->read(k->object, buf, n);
	if (got < 0) {
		errno = (int)-got;
		return -1;
	}
	return got;
}

static ssize_t cookie_write(void *c, const char *buf, size_t n)
{
	const struct tf_stream_cookie *k = c;
	return k->io->write(k->object, buf, n);
}

static int cookie_seek(void *c, cookie_off *off, int whence)
{
	const struct tf_stream_cookie *k = c;
	if ((cookie_off)(off_t)*off != *off) {
		errno = EOVERFLOW;
		return -1;
	}
	off_t at = k->io->seek(k->object, (off_t)*off, whence);
	if (at < 0) {
		errno = (int)-at;
		return -1;
	}
	*off = at;
	return 0;
}

int tf_os_cookie_stream(struct tf_stream_cookie *cookie, const char *mode, FILE **out)
{
	/* No close callback: the caller's object outlives its stream. */
	cookie_io_functions_t functions = {
		.read = cookie_read, .write = cookie_write, .seek = cookie_seek, .close = NULL
	};
	*out = fopencookie(cookie, mode, functions);
	if (!*out)
		return tf_neg_errno();
#  ifndef __GLIBC__
	/* musl's cookie streams ignore "a": ftello adds buffered bytes to the
	 * old position, though they will land at the end. Unbuffered, every
	 * write reaches the cookie (which appends) before ftello asks. */
	if (mode[0] == 'a' && setvbuf(*out, NULL, _IONBF, 0) != 0) {
		fclose(*out);
		*out = NULL;
		return -ENOMEM;
	}
#  endif
	return 0;
}
#else
int tf_os_cookie_stream(struct tf_stream_cookie *cookie, const char *mode, FILE **out)
{
	(void)cookie;
	(void)mode;
	*out = NULL;
	return -ENOSYS;
}
#endif
