/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_random.c - random bytes from the operating system:
 * getrandom(2) on Linux, falling back to /dev/urandom where it is missing
 * or filtered; arc4random_buf(3) on the BSDs and macOS, where it runs in
 * user space, is reseeded by the kernel and cannot fail.
 *
 * glibc >= 2.36 has arc4random_buf too, but there it is one getrandom call
 * per call (measured: the same cost) and it aborts the process when neither
 * getrandom nor /dev/urandom works; the library never aborts.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
	defined(__NetBSD__) || defined(__DragonFly__)
#  define TF_HAVE_ARC4RANDOM 1
#elif defined(__has_include)
#  if __has_include(<sys/random.h>)
#    include <sys/random.h>
#    define TF_HAVE_GETRANDOM 1
#  endif
#endif

#ifdef TF_HAVE_ARC4RANDOM
int tf_os_random(void *buf, size_t n)
{
	arc4random_buf(buf, n);
	return 0;
}
#else

#  ifdef TEMPFILE_TEST_SEAMS
static int test_getrandom_errno;
static const char *test_urandom_path;

void tf_test_os_random(int err, const char *urandom_path)
{
	test_getrandom_errno = err;
	test_urandom_path = urandom_path;
}
#    define TF_URANDOM_PATH (test_urandom_path ? test_urandom_path : "/dev/urandom")
#  else
#    define TF_URANDOM_PATH "/dev/urandom"
#  endif

/* Read all of n bytes from /dev/urandom: for kernels before 3.17, C
 * libraries without getrandom, and seccomp filters that refuse it. 0 or
 * -errno (-EIO: the file ended). */
static int read_urandom(unsigned char *buf, size_t n)
{
	int fd;
	TF_RETRY_EINTR(fd, open(TF_URANDOM_PATH, O_RDONLY | O_CLOEXEC | O_NOCTTY));
	if (fd < 0)
		return tf_neg_errno();
	int rc = 0;
	while (n > 0 && rc == 0) {
		ssize_t got;
		TF_RETRY_EINTR(got, read(fd, buf, n));
		if (got <= 0) {
			rc = got < 0 ? tf_neg_errno() : -EIO;
			break;
		}
		buf += got;
		n -= (size_t)got;
	}
	close(fd);
	return rc;
}

#  ifdef TF_HAVE_GETRANDOM
/* getrandom(2), or the failure a test asked for: the count or -errno. */
static ssize_t call_getrandom(void *buf, size_t n)
{
#    ifdef TEMPFILE_TEST_SEAMS
	if (test_getrandom_errno != 0)
		return -test_getrandom_errno;
#    endif
	/* GRND_NONBLOCK: early in boot the pool may not be ready and a
	 * blocking call can stall for minutes; /dev/urandom never blocks. */
	ssize_t got = getrandom(buf, n, GRND_NONBLOCK);
	return got < 0 ? tf_neg_errno() : got;
}
#  endif

int tf_os_random(void *buf, size_t n)
{
	unsigned char *p = buf;
#  ifdef TF_HAVE_GETRANDOM
	while (n > 0) {
		ssize_t got = call_getrandom(p, n);
		if (got == -EINTR)
			continue;
		/* EPERM: seccomp filters. */
		if (got == -ENOSYS || got == -EAGAIN || got == -EPERM)
			return read_urandom(p, n);
		if (got < 0)
			return (int)got;
		p += got;
		n -= (size_t)got;
	}
	return 0;
#  else
	return read_urandom(p, n);
#  endif
}
#endif
