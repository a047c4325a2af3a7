/*
 * rmtree_api.c - the parts of the safe removal that do not depend on the
 * platform: argument checks, errno handling and TEMPFILE_IGNORE_CLEANUP_ERRORS
 * around tf_remove_tree (src/rmtree.c on POSIX, src/platform/win32_rmtree.c
 * on Windows).
 */
#include "internal.h"

#include <errno.h>

int tf_rmtree_path(const char *path, unsigned flags, const struct tf_file_id *expect)
{
	int saved_errno = errno;
	int err = tf_remove_tree(path, expect);
	errno = saved_errno;
	return (flags & TEMPFILE_IGNORE_CLEANUP_ERRORS) ? 0 : err;
}

int tempfile_rmtree(const char *path, unsigned flags)
{
	if (!path || (flags & ~TEMPFILE_IGNORE_CLEANUP_ERRORS) != 0) {
		errno = EINVAL;
		return -1;
	}
	int err = tf_rmtree_path(path, flags, NULL);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
