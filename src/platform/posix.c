/*
 * platform/posix.c - the OS primitives that differ between platforms, for
 * POSIX systems. Everything Linux-specific is guarded and has a fallback.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#if defined(__has_include)
#  if __has_include(<sys/random.h>)
#    include <sys/random.h>
#    define TF_HAVE_GETRANDOM 1
#  endif
#endif

/* Read all of n bytes from /dev/urandom: for kernels before 3.17 and C
 * libraries without getrandom. */
static int read_urandom(unsigned char *buf, size_t n)
{
	int fd;
	TF_RETRY_EINTR(fd, open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY));
	if (fd < 0)
		return -1;
	while (n > 0) {
		ssize_t got = read(fd, buf, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			int saved = got < 0 ? errno : EIO;
			close(fd);
			errno = saved;
			return -1;
		}
		buf += got;
		n -= (size_t)got;
	}
	close(fd);
	return 0;
}

int tf_os_random(void *buf, size_t n)
{
	unsigned char *p = buf;
#ifdef TF_HAVE_GETRANDOM
	while (n > 0) {
		/* GRND_NONBLOCK: early in boot the pool may not be ready and a
		 * blocking call can stall for minutes; /dev/urandom never blocks. */
		ssize_t got = getrandom(p, n, GRND_NONBLOCK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == ENOSYS || errno == EAGAIN || errno == EPERM))
			return read_urandom(p, n); /* EPERM: seccomp filters */
		if (got < 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
#else
	return read_urandom(p, n);
#endif
}
