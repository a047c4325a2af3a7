/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_dirpersist.c - the renames under tempfile_dir_persist
 * (directory.c): a directory moved to a name that must be free, two
 * directories' names swapped in one step, and a directory made durable.
 */
#include "internal.h"
#include "posix.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef TEMPFILE_TEST_SEAMS
static int test_fallback;

void tf_test_dir_rename_fallback(int level)
{
	test_fallback = level;
}
#  define FALLBACK_LEVEL() test_fallback
#else
#  define FALLBACK_LEVEL() 0
#endif

int tf_os_rename_dir_noreplace(const char *from, const char *to, unsigned flags)
{
	(void)flags; /* TEMPFILE_SYNC: the caller fsyncs the parent */
	int r = FALLBACK_LEVEL() >= 2
		? -ENOSYS
		: tf_posix_renameat2(AT_FDCWD, from, AT_FDCWD, to, TF_RENAME_NOREPLACE);
	if (r != -ENOSYS && r != -EINVAL)
		return r;
	/* No link(2) trick for directories: check, then rename(2), which
	 * refuses a file or a non-empty directory at to, and could replace
	 * only an empty directory made there in between. */
	struct stat st;
	if (lstat(to, &st) == 0 || errno == EOVERFLOW)
		return -EEXIST;
	if (errno != ENOENT)
		return tf_neg_errno();
	return rename(from, to) == 0 ? 0 : tf_neg_errno();
}

int tf_os_rename_exchange(const char *a, const char *b)
{
	if (FALLBACK_LEVEL() >= 1)
		return -ENOSYS;
	return tf_posix_renameat2(AT_FDCWD, a, AT_FDCWD, b, TF_RENAME_EXCHANGE);
}

int tf_os_fsync_dir(const char *path)
{
	return tf_posix_fsync_opened(path, O_DIRECTORY | O_NOFOLLOW);
}
