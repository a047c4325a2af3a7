/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * cleanup.c - the exit and signal registry (TEMPFILE_AT_EXIT), the public
 * calls. The registry itself is the platform's: platform/posix_registry.c
 * and platform/posix_cleanup.c (slots safe in signal handlers, the fatal
 * signal handlers, the owner token), platform/win32_cleanup.c (a list and
 * a console handler). internal.h's cleanup section says what each does.
 */
#include "internal.h"

#include <errno.h>

int tempfile_cleanup_now(void)
{
	/* Programs call this from their signal handlers: on success the
	 * interrupted code finds its errno as it was, whatever the calls
	 * that failed inside (an object already gone) wrote there. */
	int saved_errno = errno;
	int r = tf_registry_clean_now();
	if (r < 0) {
		errno = -r;
		return -1;
	}
	errno = saved_errno;
	return 0;
}

int tempfile_forget(const char *path)
{
	if (!path) {
		errno = EINVAL;
		return -1;
	}
	int r = tf_registry_forget(path);
	if (tf_lease_forget(path) == 0)
		r = 0; /* a lease of path was held: released, the object left */
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}
