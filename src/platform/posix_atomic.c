/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_atomic.c - what atomic.c asks of a POSIX system: a
 * directory held open, an O_TMPFILE file that can be linked later, linkat,
 * renameat (RENAME_NOREPLACE), unlinkat and the old file's mode and owner,
 * relative to the directory's descriptor, or to the working directory with
 * full paths when none is held (dirfd -1). internal.h documents each call.
 */
#include "internal.h"
#include "posix.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_PATH
#  define O_PATH 0
#endif

#ifdef TEMPFILE_TEST_SEAMS
static bool test_no_empty_path;
void tf_test_atomic_no_empty_path(bool on)
{
	test_no_empty_path = on;
}
#  define EMPTY_PATH_DISABLED() test_no_empty_path
#else
#  define EMPTY_PATH_DISABLED() false
#endif

/* What the *_in calls act on: the name in the held directory, or the full
 * path where none is held. */
static int at_dir(int dirfd)
{
	return dirfd < 0 ? AT_FDCWD : dirfd;
}

static const char *in_dir(int dirfd, const char *name, const char *path)
{
	return dirfd < 0 ? path : name;
}

int tf_os_dir_open(const char *dir, bool for_sync)
{
	int fd;
	TF_RETRY_EINTR(fd, open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	/* A directory we may write but not list (0300) is still usable,
	 * except for an fsync, which an O_PATH descriptor cannot do: then
	 * fail here, before anything is made. */
	if (fd < 0 && errno == EACCES && O_PATH != 0 && !for_sync)
		TF_RETRY_EINTR(fd, open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
	return fd < 0 ? tf_neg_errno() : fd;
}

void tf_os_dir_close(int dirfd)
{
	(void)close(dirfd);
}

int tf_os_dir_sync(int dirfd)
{
	return tf_os_fsync(dirfd);
}

int tf_os_lstat_in(int dirfd, const char *name, const char *path, struct stat *st)
{
	return fstatat(at_dir(dirfd), in_dir(dirfd, name, path), st, AT_SYMLINK_NOFOLLOW) == 0
		? 0
		: tf_neg_errno();
}

int tf_os_open_linkable_tmpfile(int dirfd, const char *dir, mode_t mode)
{
#ifdef O_TMPFILE
	/* No O_EXCL: commit links it. */
	int fd;
	TF_RETRY_EINTR(fd, openat(at_dir(dirfd), in_dir(dirfd, ".", dir),
				   O_TMPFILE | O_RDWR | O_CLOEXEC, mode));
	return fd < 0 ? tf_neg_errno() : fd;
#else
	(void)dirfd;
	(void)dir;
	(void)mode;
	return -EOPNOTSUPP;
#endif
}

int tf_os_link_tmpfile(int fd, int dirfd, const char *name, const char *path)
{
	name = in_dir(dirfd, name, path);
	dirfd = at_dir(dirfd);
#ifdef AT_EMPTY_PATH
	if (!EMPTY_PATH_DISABLED()) {
		if (linkat(fd, "", dirfd, name, AT_EMPTY_PATH) == 0)
			return 0;
		/* Kernels before 6.10 want CAP_DAC_READ_SEARCH for AT_EMPTY_PATH
		 * and say ENOENT without it; anything else is the answer. */
		if (errno != ENOENT && errno != EPERM && errno != EINVAL)
			return tf_neg_errno();
	}
#endif
	char proc[TF_PROC_FD_PATH_MAX];
	tf_os_proc_fd_path(proc, "fd", fd);
	return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0 ? 0 : tf_neg_errno();
}

int tf_os_rename_in(int dirfd, const char *from, const char *from_path, const char *to,
	const char *to_path, unsigned flags)
{
	from = in_dir(dirfd, from, from_path);
	to = in_dir(dirfd, to, to_path);
	dirfd = at_dir(dirfd);
	if (!(flags & TEMPFILE_NOREPLACE))
		return renameat(dirfd, from, dirfd, to) == 0 ? 0 : tf_neg_errno();
	int r = tf_posix_renameat2(dirfd, from, dirfd, to, TF_RENAME_NOREPLACE);
	if (r != -ENOSYS && r != -EINVAL)
		return r;
	/* link never replaces: as exclusive as RENAME_NOREPLACE. */
	if (linkat(dirfd, from, dirfd, to, 0) != 0)
		return tf_neg_errno();
	if (unlinkat(dirfd, from, 0) != 0) {
		r = tf_neg_errno();
		(void)unlinkat(dirfd, to, 0);
		return r;
	}
	return 0;
}

int tf_os_unlink_in(int dirfd, const char *name, const char *path)
{
	return unlinkat(at_dir(dirfd), in_dir(dirfd, name, path), 0) == 0 ? 0 : tf_neg_errno();
}

int tf_os_adopt_attributes(int fd, const struct stat *old)
{
	if (old->st_uid != geteuid() || old->st_gid != getegid()) {
		/* EPERM: not ours to give; the group alone may still be. */
		if (fchown(fd, old->st_uid, old->st_gid) != 0) {
			if (errno != EPERM)
				return tf_neg_errno();
			if (fchown(fd, (uid_t)-1, old->st_gid) != 0 && errno != EPERM)
				return tf_neg_errno();
		}
	}
	return fchmod(fd, old->st_mode & 07777) == 0 ? 0 : tf_neg_errno();
}

int tf_os_hide(const char *path)
{
	(void)path;
	return 0;
}
