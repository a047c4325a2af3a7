/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32_atomic.c - what atomic.c asks of Windows (internal.h
 * documents each call). No directory descriptors and no O_TMPFILE: the
 * staging file is a hidden named file, published by MoveFileExW (with
 * MOVEFILE_REPLACE_EXISTING unless TEMPFILE_NOREPLACE, MOVEFILE_WRITE_THROUGH
 * for TEMPFILE_SYNC: tf_os_rename), every call by full path.
 */
#include "win32.h"

#include <errno.h>
#include <stdlib.h>

/* path's attributes as *attributes and path in UTF-16 as *w (NEW): 0, or
 * -errno and *w NULL. */
static int attributes_of(const char *path, wchar_t **w, DWORD *attributes)
{
	int rc = tf_win_wide(path, w);
	if (rc < 0)
		return rc;
	*attributes = GetFileAttributesW(*w);
	if (*attributes != INVALID_FILE_ATTRIBUTES)
		return 0;
	rc = tf_win_fail();
	free(*w);
	*w = NULL;
	return rc;
}

int tf_os_dir_open(const char *dir, bool for_sync)
{
	(void)for_sync;
	wchar_t *w;
	DWORD attributes;
	int rc = attributes_of(dir, &w, &attributes);
	if (rc < 0)
		return rc;
	free(w);
	return (attributes & FILE_ATTRIBUTE_DIRECTORY) ? 0 : -ENOTDIR;
}

void tf_os_dir_close(int dirfd)
{
	(void)dirfd;
}

int tf_os_dir_sync(int dirfd)
{
	(void)dirfd; /* MOVEFILE_WRITE_THROUGH made the rename durable */
	return 0;
}

int tf_os_lstat_in(int dirfd, const char *name, const char *path, struct stat *st)
{
	(void)dirfd;
	(void)name;
	return tf_os_lstat(path, st);
}

int tf_os_open_linkable_tmpfile(int dirfd, const char *dir, mode_t mode)
{
	(void)dirfd;
	(void)dir;
	(void)mode;
	return -EOPNOTSUPP;
}

int tf_os_link_tmpfile(int fd, int dirfd, const char *name, const char *path)
{
	(void)fd;
	(void)dirfd;
	(void)name;
	(void)path;
	return -EOPNOTSUPP;
}

int tf_os_rename_in(int dirfd, const char *from, const char *from_path, const char *to,
	const char *to_path, unsigned flags)
{
	(void)dirfd;
	(void)from;
	(void)to;
	return tf_os_rename(from_path, to_path, flags);
}

int tf_os_unlink_in(int dirfd, const char *name, const char *path)
{
	(void)dirfd;
	(void)name;
	return tf_os_unlink(path);
}

int tf_os_adopt_attributes(int fd, const struct stat *old)
{
	(void)fd;
	(void)old;
	return 0;
}

int tf_os_hide(const char *path)
{
	wchar_t *w;
	DWORD attributes;
	int rc = attributes_of(path, &w, &attributes);
	if (rc < 0)
		return rc;
	attributes = (attributes & ~(DWORD)FILE_ATTRIBUTE_NORMAL) | FILE_ATTRIBUTE_HIDDEN;
	rc = SetFileAttributesW(w, attributes) ? 0 : tf_win_fail();
	free(w);
	return rc;
}
