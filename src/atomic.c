/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * atomic.c - atomic replacement of a file: stage the new content in the
 * target's directory, then give it the target's name in one step.
 *
 * Two ways to stage, chosen per call: an O_TMPFILE file (no name until
 * commit, so a crash leaves nothing), published as systemd's link_tmpfile
 * does (linkat to a hidden random name, renameat over the target; with
 * TEMPFILE_NOREPLACE linkat straight to the target); or, where O_TMPFILE is
 * refused, a hidden named file registered for exit and signal cleanup,
 * published by renameat. With TEMPFILE_SYNC (whose fsync needs a
 * descriptor) and for a named staged file the directory is held open and
 * every step is relative to it, so the name goes where the file was made
 * and the directory synced is that one, even if another took its path
 * meanwhile. An O_TMPFILE file without SYNC holds nothing (two system
 * calls fewer) and each step names its full path.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Windows' C runtime has no symbolic links in its stat modes. */
#ifndef S_ISLNK
#  define S_ISLNK(m) false
#endif

#define TF_ATOMIC_FLAGS (TEMPFILE_NOREPLACE | TEMPFILE_SYNC)
/* The staged file's and the commit link's names: ".tmp" + random. */
#define TF_ATOMIC_PREFIX ".tmp"

#ifdef TEMPFILE_TEST_SEAMS
static bool test_no_o_tmpfile;
void tf_test_atomic_disable_o_tmpfile(bool disable)
{
	test_no_o_tmpfile = disable;
}
#  define O_TMPFILE_DISABLED() test_no_o_tmpfile
#else
#  define O_TMPFILE_DISABLED() false
#endif

struct tempfile_atomic {
	int fd;        /* the staged file, read/write                        */
	int dirfd;     /* target's directory, held, or -1 (Windows: 0)       */
	FILE *stream;  /* on fd, made by the first tempfile_atomic_stream()  */
	char *target;  /* NEW: absolute path of the target                   */
	const char *base; /* its last component, inside target               */
	char *link;    /* NEW: target's directory, room for a commit name    */
	size_t link_at; /* where that name goes in link                      */
	char *staged;  /* NEW: the named fallback's absolute path, or NULL   */
	const char *staged_base; /* its last component, inside staged        */
	unsigned flags;
	struct tf_registration *registration; /* the named fallback's        */
};

/* Refusals that mean "no O_TMPFILE here" (file system, kernel, emulator),
 * as opposed to errors the named file would meet the same way. */
static bool tmpfile_refused(int err)
{
	switch (err) {
	case EOPNOTSUPP:
#if ENOTSUP != EOPNOTSUPP
	case ENOTSUP:
#endif
	case EISDIR:
	case EINVAL:
	case ENOSYS:
	case ENOENT:
		return true;
	default:
		return false;
	}
}

/* Split a->target at its last separator: the directory (with its trailing
 * separator, so that a root stays a root) into a->link, with room after it
 * for a commit name. -EISDIR for a path that can only name a directory. */
static int split_target(struct tempfile_atomic *a, const char *path)
{
	size_t n = strlen(path);
	if (n > 0 && (tf_os_is_separator(path[n - 1]) ||
			     (path[n - 1] == '.' && (n == 1 || tf_os_is_separator(path[n - 2])))))
		return -EISDIR;
	int rc = tf_absolute(path, &a->target);
	if (rc < 0)
		return rc;
	size_t cut = strlen(a->target);
	while (cut > 0 && !tf_os_is_separator(a->target[cut - 1]))
		cut--;
	if (cut == 0 || a->target[cut] == '\0')
		return -EISDIR; /* a root, or what tf_absolute made of "x/.." */
	a->base = a->target + cut;
	a->link = malloc(cut + sizeof TF_ATOMIC_PREFIX + TF_NAME_LEN);
	if (!a->link)
		return -ENOMEM;
	memcpy(a->link, a->target, cut);
	a->link[cut] = '\0';
	a->link_at = cut;
	return 0;
}

/* The named fallback: a ".tmp" file made by the core's retry loop in dir,
 * held open, registered (TEMPFILE_AT_EXIT) until commit or discard. */
static int stage_named(struct tempfile_atomic *a, const char *dir, mode_t mode)
{
	if (a->dirfd < 0) {
		int dirfd = tf_os_dir_open(dir, false);
		if (dirfd < 0)
			return dirfd;
		a->dirfd = dirfd;
	}
	struct tempfile_opts o = {
		.dir = dir, .prefix = TF_ATOMIC_PREFIX, .mode = mode, .flags = TEMPFILE_AT_EXIT
	};
	struct tf_target t;
	int fd = tf_target_init(&t, &o, mode, TEMPFILE_AT_EXIT);
	if (fd == 0)
		fd = tf_create(&t, TF_CREATE_FILE, TF_FILE_OPEN_FLAGS);
	if (fd < 0) {
		tf_target_release(&t);
		return fd;
	}
	int rc = tf_os_hide(t.path);
	if (rc < 0) {
		(void)tf_os_close(fd);
		(void)tf_os_unlink(t.path);
		tf_unregister(t.registration);
		tf_target_release(&t);
		return rc;
	}
	a->staged = t.path; /* handed over */
	a->staged_base = t.path + t.random_at - (sizeof TF_ATOMIC_PREFIX - 1);
	a->registration = t.registration;
	return fd;
}

/* What mode 0 keeps: the old file's attributes, when path is one (not a
 * symbolic link, which has none of its own). */
static int adopt_old(struct tempfile_atomic *a, const struct stat *old, bool exists, unsigned mode)
{
	if (mode != 0 || !exists || S_ISLNK(old->st_mode))
		return 0;
	return tf_os_adopt_attributes(a->fd, old);
}

/* Remove the staged file (nothing published yet) and close everything
 * except the handle itself. 0 or the removal's -errno. */
static int drop(struct tempfile_atomic *a)
{
	int rc = 0;
	if (a->stream)
		(void)fclose(a->stream); /* closes fd */
	else if (a->fd >= 0)
		(void)tf_os_close(a->fd);
	a->stream = NULL;
	a->fd = -1;
	if (a->staged) {
		rc = tf_os_unlink_in(a->dirfd, a->staged_base, a->staged);
		if (rc == -ENOENT)
			rc = 0;
		/* Still there: left registered, so that exit removes it. */
		if (rc < 0)
			a->registration = NULL;
	}
	return rc;
}

static void release(struct tempfile_atomic *a)
{
	/* After the unlink: until then an exit must still remove the file. */
	tf_unregister(a->registration);
	if (a->dirfd >= 0)
		tf_os_dir_close(a->dirfd);
	free(a->staged);
	free(a->link);
	free(a->target);
	free(a);
}

static int open_atomic(const char *path, unsigned flags, unsigned mode,
	struct tempfile_atomic **out)
{
	if (!path || (flags & ~(unsigned)TF_ATOMIC_FLAGS) != 0 || mode > 07777)
		return -EINVAL;
	struct tempfile_atomic *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->fd = -1;
	a->dirfd = -1;
	a->flags = flags;
	int rc = split_target(a, path);
	const char *dir = a->link; /* NUL-terminated until a commit name */
	if (rc == 0 && (flags & TEMPFILE_SYNC))
		rc = a->dirfd = tf_os_dir_open(dir, true);
	/* Only mode 0 needs the old file; any other mode finds a directory
	 * at path at commit (EISDIR) and saves the system call. */
	struct stat old;
	bool exists = false;
	if (rc >= 0 && mode == 0) {
		rc = tf_os_lstat_in(a->dirfd, a->base, a->target, &old);
		exists = rc == 0;
		if (rc == -ENOENT)
			rc = 0;
		else if (rc == 0 && S_ISDIR(old.st_mode))
			rc = -EISDIR;
	}
	mode_t create_mode = (mode_t)(mode ? mode : 0666);
	if (rc >= 0) {
		rc = O_TMPFILE_DISABLED() ? -EOPNOTSUPP
					  : tf_os_open_linkable_tmpfile(a->dirfd, dir, create_mode);
		if (rc < 0 && tmpfile_refused(-rc))
			rc = stage_named(a, dir, create_mode);
	}
	if (rc >= 0) {
		a->fd = rc;
		rc = adopt_old(a, &old, exists, mode);
	}
	if (rc < 0) {
		(void)drop(a);
		release(a);
		return rc;
	}
	*out = a;
	return 0;
}

struct tempfile_atomic *tempfile_atomic_open(const char *path, unsigned flags, unsigned mode)
{
	struct tempfile_atomic *a = NULL;
	int rc = open_atomic(path, flags, mode, &a);
	return tf_public_pointer(rc, a);
}

int tempfile_atomic_fd(const struct tempfile_atomic *a)
{
	return a ? a->fd : tf_public_result(-EINVAL);
}

FILE *tempfile_atomic_stream(struct tempfile_atomic *a)
{
	if (!a)
		return tf_public_pointer(-EINVAL, NULL);
	int rc = a->stream ? 0 : tf_os_fdopen(a->fd, "r+", &a->stream); /* fd stays ours */
	return tf_public_pointer(rc, a->stream);
}

/* Publish the O_TMPFILE file: NOREPLACE links it at the target; replace
 * links it to a fresh random name and renames that over the target. */
static int publish_unnamed(struct tempfile_atomic *a)
{
	if (a->flags & TEMPFILE_NOREPLACE)
		return tf_os_link_tmpfile(a->fd, a->dirfd, a->base, a->target);
	char *name = a->link + a->link_at; /* the full path is a->link */
	memcpy(name, TF_ATOMIC_PREFIX, sizeof TF_ATOMIC_PREFIX - 1);
	name[sizeof TF_ATOMIC_PREFIX - 1 + TF_NAME_LEN] = '\0';
	int rc = -EEXIST;
	for (unsigned i = 0; i < TEMPFILE_TMP_MAX && rc == -EEXIST; i++) {
		rc = tf_random_name(name + sizeof TF_ATOMIC_PREFIX - 1);
		if (rc == 0)
			rc = tf_os_link_tmpfile(a->fd, a->dirfd, name, a->link);
	}
	if (rc < 0)
		return rc;
	rc = tf_os_rename_in(a->dirfd, name, a->link, a->base, a->target, 0);
	if (rc < 0)
		(void)tf_os_unlink_in(a->dirfd, name, a->link);
	return rc;
}

/* Flush, sync, publish, close. The handle is the caller's to free. */
static int commit(struct tempfile_atomic *a)
{
	int rc = 0;
	if (a->stream && fflush(a->stream) != 0)
		rc = tf_neg_errno();
	if (rc == 0 && (a->flags & TEMPFILE_SYNC))
		rc = tf_os_fsync(a->fd);
	if (rc < 0) {
		(void)drop(a);
		return rc;
	}
	if (!a->staged) {
		rc = publish_unnamed(a);
		(void)drop(a); /* unnamed: nothing to remove, only to close */
	} else {
		/* Closed first: Windows renames a closed file most reliably,
		 * and a close error (NFS reports write errors there) still
		 * fails the commit before anything is published. */
		FILE *f = a->stream;
		int fd = a->fd;
		a->stream = NULL;
		a->fd = -1;
		rc = f ? (fclose(f) == 0 ? 0 : tf_neg_errno()) : tf_os_close(fd);
		if (rc == -EINTR)
			rc = 0;
		if (rc == 0)
			rc = tf_os_rename_in(a->dirfd, a->staged_base, a->staged, a->base, a->target,
				a->flags);
		if (rc < 0) {
			(void)drop(a);
			return rc;
		}
	}
	if (rc == 0 && (a->flags & TEMPFILE_SYNC))
		rc = tf_os_dir_sync(a->dirfd);
	return rc;
}

int tempfile_atomic_commit(struct tempfile_atomic *a)
{
	if (!a)
		return tf_public_result(-EINVAL);
	int rc = commit(a);
	release(a);
	return tf_public_result(rc);
}

int tempfile_atomic_discard(struct tempfile_atomic *a)
{
	if (!a)
		return 0;
	int rc = drop(a);
	release(a);
	return tf_public_result(rc);
}

int tempfile_atomic_write(const char *path, const void *buf, size_t len, unsigned flags,
	unsigned mode)
{
	if (!buf && len > 0)
		return tf_public_result(-EINVAL);
	struct tempfile_atomic *a = NULL;
	int rc = open_atomic(path, flags, mode, &a);
	if (rc < 0)
		return tf_public_result(rc);
	rc = tf_write_all(a->fd, buf, len, NULL);
	if (rc == 0)
		rc = commit(a);
	else
		(void)drop(a);
	release(a);
	return tf_public_result(rc);
}
