/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32_dirpersist.c - the renames under tempfile_dir_persist
 * (directory.c) on Windows: MoveFileExW moves a directory to a free name;
 * there is no call that swaps two names, so directory.c renames the old
 * tree aside first.
 */
#include "win32.h"

#include <errno.h>

int tf_os_rename_dir_noreplace(const char *from, const char *to, unsigned flags)
{
	/* Without MOVEFILE_REPLACE_EXISTING: EEXIST if anything is at to. */
	return tf_os_rename(from, to, TEMPFILE_NOREPLACE | (flags & TEMPFILE_SYNC));
}

int tf_os_rename_exchange(const char *a, const char *b)
{
	(void)a;
	(void)b;
	return -ENOSYS;
}

int tf_os_fsync_dir(const char *path)
{
	/* A directory cannot be flushed through the Win32 API; with
	 * TEMPFILE_SYNC the rename writes through (MOVEFILE_WRITE_THROUGH). */
	(void)path;
	return 0;
}
