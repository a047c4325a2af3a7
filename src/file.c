/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * file.c - TemporaryFile (no name: O_TMPFILE, or created and unlinked at
 * once), NamedTemporaryFile (a handle that deletes its file at close unless
 * kept), and tempfile_persist, the atomic rename that publishes one.
 *
 * Syscall budget, because these are called in loops: a TemporaryFile
 * descriptor costs one openat (plus close(2) by the caller); a stream adds
 * the one fcntl(F_GETFL) every fdopen(3) makes; a named file adds the
 * unlink at close. Nothing here stats, seeks or caches per call.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The flags each kind of call accepts. A file without a name vanishes at
 * exit, even on SIGKILL; TEMPFILE_AT_EXIT only matters on the fallback path,
 * for the moment between create and unlink. */
#define TF_TEMPORARY_FLAGS (TEMPFILE_TEXT | TEMPFILE_AT_EXIT)
#define TF_NAMED_FLAGS                                                                \
	(TEMPFILE_TEXT | TEMPFILE_KEEP | TEMPFILE_AT_EXIT | TEMPFILE_IGNORE_CLEANUP_ERRORS | \
	 TEMPFILE_LEASE)
#define TF_PERSIST_FLAGS (TEMPFILE_NOREPLACE | TEMPFILE_SYNC)

#ifdef TEMPFILE_TEST_SEAMS
static bool test_no_o_tmpfile;
void tf_test_disable_o_tmpfile(bool disable)
{
	test_no_o_tmpfile = disable;
}
#  define O_TMPFILE_DISABLED() test_no_o_tmpfile
#else
#  define O_TMPFILE_DISABLED() false
#endif

/* ---- fopen(3) modes ------------------------------------------------------ */

int tf_check_fopen_mode(const char *mode, bool *append_out)
{
	if (!mode)
		mode = "w+b";
	if (mode[0] != 'r' && mode[0] != 'w' && mode[0] != 'a')
		goto invalid;
	/* Each modifier at most once, like Python's open(): "w++" or "wbb"
	 * is a typo, not a request. */
	bool seen_plus = false, seen_b = false, seen_t = false, seen_x = false, seen_e = false;
	for (const char *p = mode + 1; *p; p++) {
		bool *seen;
		switch (*p) {
		case '+': seen = &seen_plus; break;
		case 'b': seen = &seen_b; break;
		case 't': seen = &seen_t; break;
		case 'x': seen = &seen_x; break;
		case 'e': seen = &seen_e; break;
		default: goto invalid;
		}
		if (*seen)
			goto invalid;
		*seen = true;
	}
	if (seen_b && seen_t)
		goto invalid;
	if (append_out)
		*append_out = mode[0] == 'a';
	return 0;
invalid:
	return -EINVAL;
}

int tf_fopen_mode_flags(const char *mode)
{
	if (!mode)
		mode = "w+b";
	if (strchr(mode, '+'))
		return O_RDWR | (mode[0] == 'a' ? O_APPEND : 0);
	if (mode[0] == 'r')
		return O_RDONLY;
	return O_WRONLY | (mode[0] == 'a' ? O_APPEND : 0);
}

/* The mode handed to fdopen(3): only the letter and '+', since the
 * descriptor already carries O_CLOEXEC (and O_APPEND), and "b"/"t"/"x" mean
 * nothing on an open descriptor. The caller checked mode. */
static void fdopen_mode(const char *mode, char out[3])
{
	if (!mode)
		mode = "w+b";
	out[0] = mode[0];
	out[1] = strchr(mode, '+') ? '+' : '\0';
	out[2] = '\0';
}

/* The stream on fd as *out: 0, or -errno with fd closed. */
static int stream_on(int fd, const char *mode, FILE **out)
{
	char how[3];
	fdopen_mode(mode, how);
	int rc = tf_os_fdopen(fd, how, out);
	if (rc < 0)
		(void)tf_os_close(fd);
	return rc;
}

/* ---- writing all of a buffer ------------------------------------------------ */

int tf_write_all(int fd, const void *buf, size_t n, size_t *written)
{
	const unsigned char *p = buf;
	size_t done = 0;
	int rc = 0;
	while (done < n && rc == 0) {
		ssize_t w = tf_os_write(fd, p + done, n - done);
		if (w > 0)
			done += (size_t)w;
		else
			rc = w == 0 ? -EIO : (int)w;
	}
	if (written)
		*written = done;
	return rc;
}

/* ---- TemporaryFile ----------------------------------------------------------- */

/* Errors that may mean "this file system (or kernel) has no O_TMPFILE":
 * EOPNOTSUPP (overlayfs, FUSE, NFS), EISDIR (kernels before 3.11 read it as
 * O_DIRECTORY), EINVAL, ENOSYS, and ENOENT, which some emulators and old
 * kernels answer (rustix treats it so too); a directory that really is
 * missing then costs one more failed open, on an error path. Errors the
 * fallback would meet the same way (EACCES, ENOTDIR, EROFS, EMFILE, ...)
 * are returned at once. */
static bool o_tmpfile_unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOTSUP || err == EISDIR || err == EINVAL ||
	       err == ENOSYS || err == ENOENT;
}

/* O_TMPFILE in dir: the fd, or -errno. open_flags: O_WRONLY or O_RDWR
 * (O_TMPFILE takes nothing else), optionally O_APPEND. Deliberately no
 * O_NOFOLLOW: dir may be a symbolic link to a directory (Python's
 * O_NOFOLLOW makes that case fail and silently take the slower named
 * path). O_EXCL: the inode can never be linked into the tree, so it never
 * gets a name. */
static int open_o_tmpfile(const char *dir, mode_t mode, int open_flags)
{
	if (O_TMPFILE_DISABLED())
		return -EOPNOTSUPP;
	return tf_os_open_tmpfile(dir, mode, open_flags);
}

/* The fallback: a named file made by the core's retry loop, unlinked at
 * once. With TEMPFILE_AT_EXIT the name is registered in between, so a fatal
 * signal in that window still removes it. If the unlink fails the
 * descriptor is closed and the unlink's error returned; the name then stays
 * registered, so that exit removes what could not be removed now. */
static int create_and_unlink(const struct tempfile_opts *o, int open_flags)
{
	struct tf_target t;
	int fd = tf_target_init(&t, o, 0600, TF_TEMPORARY_FLAGS);
	if (fd < 0)
		return fd;
	fd = tf_create(&t, TF_CREATE_FILE, (TF_FILE_OPEN_FLAGS & ~O_ACCMODE) | open_flags);
	int r = fd >= 0 ? tf_os_unlink(t.path) : 0;
	if (r < 0) {
		(void)tf_os_close(fd);
		fd = r;
	} else if (fd >= 0) {
		tf_unregister(t.registration);
	}
	tf_target_release(&t);
	return fd;
}

/* The decision to fall back is made per call, never remembered: O_TMPFILE
 * support is a property of each mounted file system (overlayfs, FUSE, NFS
 * lack it), and one odd mount must not slow every other down. On a file
 * system without it the cost is one failed open per call. A read-only file
 * always takes the fallback: O_TMPFILE needs write access. */
int tf_temporary_fd(const struct tempfile_opts *o, int open_flags)
{
	/* What the fallback's tf_target_init would reject, checked first, so
	 * the O_TMPFILE path fails on the same input. */
	int fd = tf_check_opts(o, TF_TEMPORARY_FLAGS);
	if (fd < 0)
		return fd;
	struct tempfile_opts resolved = o ? *o : (struct tempfile_opts){ 0 };
	/* The default directory as a copy (another thread's
	 * tempfile_settempdir() may free the borrowed string), and the same
	 * one for the fallback. */
	char *default_dir = NULL;
	if (!resolved.dir) {
		fd = tf_default_dir(&default_dir);
		if (fd < 0)
			return fd;
		resolved.dir = default_dir;
	}
	mode_t mode = (mode_t)(resolved.mode ? resolved.mode : 0600);
	fd = (open_flags & O_ACCMODE) == O_RDONLY ? -EOPNOTSUPP
						   : open_o_tmpfile(resolved.dir, mode, open_flags);
	if (fd < 0 && o_tmpfile_unsupported(-fd))
		fd = create_and_unlink(&resolved, open_flags);
	free(default_dir);
	return fd;
}

int tempfile_temporary_fd(const struct tempfile_opts *o)
{
	return tf_public_result(tf_temporary_fd(o, O_RDWR));
}

/* The descriptor gets the access the mode asks for and no more: glibc
 * reads a large request straight from the descriptor, even on a stream
 * opened "w". */
FILE *tempfile_temporary(const struct tempfile_opts *o, const char *mode)
{
	FILE *f = NULL;
	int rc = tf_check_fopen_mode(mode, NULL);
	if (rc == 0)
		rc = tf_temporary_fd(o, tf_fopen_mode_flags(mode));
	if (rc >= 0)
		rc = stream_on(rc, mode, &f);
	return tf_public_pointer(rc, f);
}

/* ---- NamedTemporaryFile ------------------------------------------------------- */

struct tempfile {
	int fd;         /* -1 once tempfile_close_stream() ran             */
	FILE *stream;   /* on fd, made by the first tempfile_stream() call:
	                   a caller who only needs the name or the
	                   descriptor never pays fdopen's fcntl           */
	char how[3];    /* the fdopen mode for it                          */
	char *path;     /* absolute; the final name after a persist       */
	unsigned flags; /* the creator's TEMPFILE_* flags                  */
	bool persisted; /* renamed into place: never deleted by us         */
	struct tf_registration *registration; /* TEMPFILE_AT_EXIT, or NULL */
	struct tf_lease *lease; /* TEMPFILE_LEASE until persisted, or NULL */
};

/* The handle for a new named file as *out: 0 or -errno, nothing left. */
static int named(const struct tempfile_opts *o, const char *mode, struct tempfile **out)
{
	struct tf_target target;
	int fd = tf_target_init(&target, o, 0600, TF_NAMED_FLAGS);
	if (fd < 0)
		return fd;
	/* Allocated before the file exists, so a failure here leaves
	 * nothing to undo on disk. */
	struct tempfile *t = calloc(1, sizeof *t);
	/* Opened with the mode's access only, as tempfile_temporary(). */
	fd = t ? tf_create(&target, TF_CREATE_FILE,
			 (TF_FILE_OPEN_FLAGS & ~O_ACCMODE) | tf_fopen_mode_flags(mode))
	       : -ENOMEM;
	if (fd < 0) {
		free(t);
		tf_target_release(&target);
		return fd;
	}
	t->fd = fd;
	fdopen_mode(mode, t->how);
	t->path = target.path; /* handed over */
	t->flags = target.flags;
	t->registration = target.registration;
	t->lease = target.lease;
	*out = t;
	return 0;
}

struct tempfile *tempfile_named(const struct tempfile_opts *o, const char *mode)
{
	struct tempfile *t = NULL;
	int rc = tf_check_fopen_mode(mode, NULL);
	if (rc == 0)
		rc = named(o, mode, &t);
	return tf_public_pointer(rc, t);
}

FILE *tempfile_stream(struct tempfile *t)
{
	if (!t || t->fd < 0) {
		errno = t ? EBADF : EINVAL;
		return NULL;
	}
	int rc = t->stream ? 0 : tf_os_fdopen(t->fd, t->how, &t->stream); /* fd stays ours */
	return tf_public_pointer(rc, t->stream);
}

int tempfile_fileno(const struct tempfile *t)
{
	if (!t || t->fd < 0) {
		errno = t ? EBADF : EINVAL;
		return -1;
	}
	return t->fd;
}

const char *tempfile_path(const struct tempfile *t)
{
	if (!t) {
		errno = EINVAL;
		return NULL;
	}
	return t->path;
}

/* Close the stream, or the descriptor if there is none: 0 or -errno.
 * fclose flushes, closes and frees even when the flush fails, and then
 * reports the write's errno (ENOSPC, EIO, EFBIG). close(2) is not retried
 * on EINTR: the descriptor is gone either way. */
static int close_stream(struct tempfile *t)
{
	if (t->fd < 0)
		return 0; /* closing twice is harmless, as in Python */
	FILE *f = t->stream;
	int fd = t->fd;
	t->stream = NULL;
	t->fd = -1;
	if (f)
		return fclose(f) == 0 ? 0 : tf_neg_errno();
	int rc = tf_os_close(fd);
	return rc == -EINTR ? 0 : rc;
}

int tempfile_close_stream(struct tempfile *t)
{
	return tf_public_result(t ? close_stream(t) : -EINVAL);
}

int tempfile_close(struct tempfile *t)
{
	if (!t)
		return 0;
	int rc = close_stream(t);
	int r = !(t->flags & TEMPFILE_KEEP) && !t->persisted ? tf_os_unlink(t->path) : 0;
	/* -ENOENT: someone removed it already, which is what we wanted. */
	if (r < 0 && r != -ENOENT && !(t->flags & TEMPFILE_IGNORE_CLEANUP_ERRORS) && rc == 0)
		rc = r;
	/* After the unlink: until then an exit must still remove the file. */
	tf_unregister(t->registration);
	tf_lease_release(t->lease, (t->flags & TEMPFILE_KEEP) != 0);
	free(t->path);
	free(t);
	return tf_public_result(rc);
}

/* ---- persist --------------------------------------------------------------------- */

/* Make the bytes written so far durable (TEMPFILE_SYNC) or at least
 * visible to other processes (always). 0 or -errno. */
static int flush_file(struct tempfile *t, unsigned flags)
{
	if (t->stream && fflush(t->stream) != 0)
		return tf_neg_errno();
	if (!(flags & TEMPFILE_SYNC))
		return 0;
	/* A read-only descriptor ("r") goes by the path: Windows flushes
	 * only through a handle with write access. */
	bool read_only = t->how[0] == 'r' && t->how[1] != '+';
	return t->fd >= 0 && !read_only ? tf_os_fsync(t->fd) : tf_os_fsync_path(t->path);
}

/* True when path can only name a directory: it ends in a separator or in
 * a "." component. rename(2) refuses to give a file such a name (ENOTDIR),
 * but tf_absolute() drops both, which would turn "final/" into "final". */
static bool names_a_directory(const char *path)
{
	size_t n = strlen(path);
	if (n > 0 && tf_os_is_separator(path[n - 1]))
		return true;
	return n > 0 && path[n - 1] == '.' && (n == 1 || tf_os_is_separator(path[n - 2]));
}

/* Persisting again is allowed: it moves the file from its current (already
 * final) name to the next one, with the same guarantees.
 * Every failure before the rename leaves the temporary file as it was and
 * owned by the handle. The one failure after it, TEMPFILE_SYNC's fsync of
 * the directory (EIO), returns -1 with the file already at its new name:
 * the handle then says so (tempfile_path) and no longer deletes it, since
 * deleting a file the caller has just published would be worse. */
static int persist(struct tempfile *t, const char *path, unsigned flags)
{
	if (!t || !path || (flags & ~(unsigned)TF_PERSIST_FLAGS) != 0)
		return -EINVAL;
	if (names_a_directory(path))
		return -ENOTDIR;
	char *target;
	int rc = tf_absolute(path, &target);
	if (rc < 0)
		return rc;
	rc = flush_file(t, flags);
	/* NOREPLACE: renameat2, or link + unlink (platform layer). */
	if (rc == 0)
		rc = tf_os_rename(t->path, target, flags);
	if (rc < 0) {
		free(target);
		return rc;
	}
	/* The file has its final name now: whatever follows, the handle
	 * must say where it is and never delete it. */
	free(t->path);
	t->path = target;
	t->persisted = true;
	tf_unregister(t->registration);
	t->registration = NULL;
	tf_lease_release(t->lease, true); /* published: no temporary any more */
	t->lease = NULL;
	return (flags & TEMPFILE_SYNC) ? tf_os_fsync_parent(t->path) : 0;
}

int tempfile_persist(struct tempfile *t, const char *path, unsigned flags)
{
	return tf_public_result(persist(t, path, flags));
}
