/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * rmtree.c - safe recursive removal, the portable front: tempfile_rmtree
 * and tf_rmtree_path, which tempfile_dir_cleanup and dir_persist use, both
 * on the platform's tf_remove_tree_pooled (threads for large trees:
 * platform/posix_rmtree_pool.c); and tf_rmtree_path_signal_safe, the exit
 * registry's, on the sequential tf_remove_tree only
 * (platform/posix_rmtree.c, platform/win32_rmtree.c).
 */
#include "internal.h"

#include <errno.h>

int tf_rmtree_path_signal_safe(const char *path, unsigned flags, const struct tf_file_id *expect)
{
	/* Signal handlers call this: the calls that fail inside write errno,
	 * and the interrupted code must find its own value there. */
	int saved_errno = errno;
	int err = tf_remove_tree(path, expect);
	errno = saved_errno;
	return (flags & TEMPFILE_IGNORE_CLEANUP_ERRORS) ? 0 : err;
}

int tf_rmtree_path(const char *path, unsigned flags, const struct tf_file_id *expect)
{
	int saved_errno = errno;
	int err = tf_remove_tree_pooled(path, expect);
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
	if (err < 0) {
		errno = -err;
		return -1;
	}
	return 0;
}
