/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_lease.c - TEMPFILE_LEASE and tempfile_reap on POSIX.
 *
 * A lease is a descriptor of the object that the library keeps open (a
 * file's is a F_DUPFD_CLOEXEC duplicate of the creator's, a directory's an
 * open(O_DIRECTORY)) holding a shared BSD flock, plus a marker. The kernel
 * drops the lock when the last descriptor of that open file description
 * closes, however the process ends: a reaper's flock(LOCK_EX|LOCK_NB)
 * succeeds exactly when every holder is gone, and systemd-tmpfiles, which
 * takes the same lock on each directory it would clean, skips a held one.
 *
 * The marker says "this is a lease" so that a reaper never removes an
 * object that was never leased (those are unlocked too). Where the file
 * system has user extended attributes it is the attribute
 * user.tempfile.lease on the object, whose value is the object's name: it
 * lives and dies with the inode, so a new object handed the same inode
 * number has none, and a copy or rename under another name is no lease.
 * Elsewhere (tmpfs before Linux 6.6, some network file systems, a file
 * made without write permission) it is a symbolic link beside the object,
 * ".tempfile-lease." + name, whose target records the object's identity
 * (device, inode, birth time): one symlink(2), readable with one
 * readlink(2), never followed. Without a birth time (no statx) that
 * identity is not enough, and such leases are never reaped.
 *
 * Every decision of the reaper is taken on a descriptor it opened itself,
 * never through a link: the object is the caller's (its owner), carries
 * the marker, and is not locked; then it is removed only while the name
 * still leads to that very object (identity, as the exit registry checks
 * it). Directories go through tf_rmtree_path with that identity.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#  include <sys/xattr.h>
#  define TF_LEASE_HAVE_XATTR 1
#endif

#define MARKER_XATTR "user.tempfile.lease"
#define MARKER_PREFIX ".tempfile-lease."
#define MARKER_PREFIX_LEN (sizeof MARKER_PREFIX - 1)
/* "tfl1:" dev ":" ino ":" has_btime ":" sec ":" nsec */
#define MARKER_TARGET_MAX 96

#ifdef TEMPFILE_TEST_SEAMS
static bool test_no_xattr;
static void (*test_reap_hook)(const char *name, void *arg);
static void *test_reap_hook_arg;

void tf_test_lease_no_xattr(bool on)
{
	test_no_xattr = on;
}

void tf_test_reap_hook(void (*hook)(const char *name, void *arg), void *arg)
{
	test_reap_hook = hook;
	test_reap_hook_arg = arg;
}
#  define XATTR_DISABLED() test_no_xattr
#  define REAP_HOOK(name)                                           \
	do {                                                        \
		if (test_reap_hook)                                 \
			test_reap_hook((name), test_reap_hook_arg); \
	} while (0)
#else
#  define XATTR_DISABLED() false
#  define REAP_HOOK(name) ((void)0)
#endif

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void format_identity(char out[MARKER_TARGET_MAX], const struct tf_file_id *id)
{
	/* All unsigned, as read_marker reads them back (strtoumax); the casts
	 * back restore any value. */
	snprintf(out, MARKER_TARGET_MAX, "tfl1:%ju:%ju:%d:%ju:%" PRIu32, (uintmax_t)id->dev,
		(uintmax_t)id->ino, id->has_btime ? 1 : 0, (uintmax_t)id->btime_sec, id->btime_nsec);
}

/* ---- taking and dropping a lease --------------------------------------------- */

/* Errors that mean "no user attribute here": the file system has none, or
 * this file may not carry one (no write permission on it). */
static bool xattr_refused(int err)
{
	return err == ENOTSUP || err == EOPNOTSUPP || err == EPERM || err == EACCES || err == ENOSYS;
}

/* The fallback marker beside path: a symbolic link whose target is the
 * identity of the object open at fd. A marker left there by an object
 * that is gone (its name is free again, or we could not have created
 * ours) is replaced. */
static int mark_beside(const char *path, int fd, struct tf_os_lease *l)
{
	const char *name = base_name(path);
	if (MARKER_PREFIX_LEN + strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	struct tf_file_id id;
	int rc = tf_os_file_id(fd, NULL, &id);
	if (rc < 0)
		return rc;
	char target[MARKER_TARGET_MAX];
	format_identity(target, &id);
	size_t dir_len = (size_t)(name - path), name_len = strlen(name), target_len = strlen(target);
	/* marker path, NUL, target, NUL: drop checks the target is still ours. */
	char *marker = malloc(dir_len + MARKER_PREFIX_LEN + name_len + 1 + target_len + 1);
	if (!marker)
		return -ENOMEM;
	memcpy(marker, path, dir_len);
	memcpy(marker + dir_len, MARKER_PREFIX, MARKER_PREFIX_LEN);
	memcpy(marker + dir_len + MARKER_PREFIX_LEN, name, name_len + 1);
	memcpy(marker + dir_len + MARKER_PREFIX_LEN + name_len + 1, target, target_len + 1);
	rc = symlink(target, marker) == 0 ? 0 : tf_neg_errno();
	if (rc == -EEXIST && unlink(marker) == 0)
		rc = symlink(target, marker) == 0 ? 0 : tf_neg_errno();
	if (rc < 0) {
		free(marker);
		return rc;
	}
	l->marker = marker;
	return 0;
}

static int mark(const char *path, int fd, struct tf_os_lease *l)
{
#ifdef TF_LEASE_HAVE_XATTR
	if (!XATTR_DISABLED()) {
		const char *name = base_name(path);
		if (fsetxattr(fd, MARKER_XATTR, name, strlen(name), 0) == 0)
			return 0;
		if (!xattr_refused(errno))
			return tf_neg_errno();
	}
#endif
	return mark_beside(path, fd, l);
}

int tf_os_lease_take(const char *path, int fd, bool is_dir, struct tf_os_lease *l)
{
	l->fd = -1;
	l->marker = NULL;
	int lease_fd;
	if (is_dir) {
		TF_RETRY_EINTR(lease_fd, open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (lease_fd < 0)
			return tf_neg_errno();
	} else {
		lease_fd = tf_os_dup(fd); /* its own descriptor, the same open file */
		if (lease_fd < 0)
			return lease_fd;
	}
	/* Waits only while a reaper or systemd-tmpfiles holds the new object
	 * for the moment it takes to see that it is no abandoned lease. */
	int rc;
	TF_RETRY_EINTR(rc, flock(lease_fd, LOCK_SH));
	rc = rc == 0 ? mark(path, lease_fd, l) : tf_neg_errno();
	if (rc < 0) {
		close(lease_fd);
		return rc;
	}
	l->fd = lease_fd;
	return 0;
}

/* The fallback marker is removed only while it is still the one we made:
 * a new lease at the same name (ours was orphaned) has replaced it. */
static void unmark_beside(const char *marker)
{
	const char *target = marker + strlen(marker) + 1;
	char now[MARKER_TARGET_MAX];
	ssize_t n = readlink(marker, now, sizeof now - 1);
	if (n < 0)
		return;
	now[n] = '\0';
	if (strcmp(now, target) == 0)
		(void)unlink(marker);
}

void tf_os_lease_drop(struct tf_os_lease *l, bool kept)
{
	if (l->marker) {
		unmark_beside(l->marker);
		free(l->marker);
		l->marker = NULL;
	}
#ifdef TF_LEASE_HAVE_XATTR
	else if (kept)
		(void)fremovexattr(l->fd, MARKER_XATTR);
#else
	(void)kept;
#endif
	(void)close(l->fd);
	l->fd = -1;
}

/* ---- reaping ----------------------------------------------------------------- */

struct reaper {
	DIR *dir;
	int dirfd;
	const char *dir_path;
	uid_t uid;
	bool dry_run;
	tf_reap_visit_fn *visit;
	void *arg;
	int removed;
	int first_error;
	char path[PATH_MAX]; /* dir_path "/" the entry at hand */
};

static int entry_path(struct reaper *r, const char *name)
{
	int n = snprintf(r->path, sizeof r->path, "%s%s%s", r->dir_path,
		r->dir_path[strlen(r->dir_path) - 1] == '/' ? "" : "/", name);
	return n < 0 || (size_t)n >= sizeof r->path ? -ENAMETOOLONG : 0;
}

/* The entry this descriptor is open on: */
struct candidate {
	int fd;
	bool is_dir;
	struct tf_file_id id;
};

/* Open name in the reaped directory, never through a link, and keep it
 * if it is the caller's, a file or a directory, and (with want, the
 * fallback marker's record) that very object. 1 with c filled in, 0 if it
 * is not a candidate (gone, someone else's, another kind or object), or
 * -errno. */
static int open_candidate(struct reaper *r, const char *name, const struct tf_file_id *want,
	struct candidate *c)
{
	int fd;
	TF_RETRY_EINTR(fd, openat(r->dirfd, name,
				   O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP || errno == ENXIO ? 0 : tf_neg_errno();
	struct stat st;
	int rc = fstat(fd, &st) == 0 ? 0 : tf_neg_errno();
	if (rc == 0 && (st.st_uid != r->uid || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))))
		rc = 1; /* not ours to judge */
	if (rc == 0)
		rc = tf_os_file_id(fd, NULL, &c->id);
	if (rc == 0 && want && !tf_same_file(want, &c->id))
		rc = 1;
	if (rc != 0) {
		close(fd);
		return rc == 1 ? 0 : rc;
	}
	c->fd = fd;
	c->is_dir = S_ISDIR(st.st_mode);
	return 1;
}

/* Whether the lease on c has no holder left: its exclusive lock, taken
 * without waiting, succeeds (and is kept until c is closed, so that a
 * second reaper leaves it alone meanwhile). 1, 0 (held), or -errno. */
static int abandoned(const struct candidate *c)
{
	int rc;
	TF_RETRY_EINTR(rc, flock(c->fd, LOCK_EX | LOCK_NB));
	if (rc == 0)
		return 1;
	return errno == EWOULDBLOCK ? 0 : tf_neg_errno();
}

/* Remove name, only while it still is the object open in c. 0 (also when
 * it has gone or changed: skipped, 1), or -errno. */
static int remove_candidate(struct reaper *r, const char *name, const struct candidate *c)
{
	if (c->is_dir) {
		int rc = entry_path(r, name);
		if (rc == 0)
			rc = tf_rmtree_path(r->path, 0, &c->id);
		return rc == -ENOENT || rc == -ESTALE || rc == -ENOTDIR ? 1 : rc;
	}
	struct tf_os_stat now;
	int rc = tf_os_stat_at(r->dirfd, name, &now);
	if (rc < 0)
		return rc == -ENOENT ? 1 : rc;
	if (!tf_same_file(&now.id, &c->id))
		return 1;
	if (unlinkat(r->dirfd, name, 0) != 0)
		return errno == ENOENT ? 1 : tf_neg_errno();
	return 0;
}

/* An entry that could not be judged (EMFILE, EIO...): reported, left. */
static void judge_failed(struct reaper *r, const char *name, bool is_dir, int rc)
{
	if (r->first_error == 0)
		r->first_error = rc;
	if (r->visit)
		r->visit(r->arg, name, is_dir, -rc);
}

/* An abandoned lease found: removed (unless a dry run) and reported.
 * 0 removed (found), 1 changed under us (not the object judged: left,
 * not reported), or -errno (left, reported). */
static int reap_candidate(struct reaper *r, const char *name, const struct candidate *c)
{
	REAP_HOOK(name);
	int rc = r->dry_run ? 0 : remove_candidate(r, name, c);
	if (rc == 1)
		return rc;
	if (rc == 0)
		r->removed++;
	else if (r->first_error == 0)
		r->first_error = rc;
	if (r->visit)
		r->visit(r->arg, name, c->is_dir, -rc);
	return rc;
}

/* Whether the object open at fd carries our attribute for this name. */
static bool has_attribute(int fd, const char *name)
{
#ifdef TF_LEASE_HAVE_XATTR
	char value[NAME_MAX + 1];
	ssize_t n = fgetxattr(fd, MARKER_XATTR, value, sizeof value);
	return n >= 0 && (size_t)n == strlen(name) && memcmp(value, name, (size_t)n) == 0;
#else
	(void)fd;
	(void)name;
	return false;
#endif
}

/* A cheap first look by name (one system call, no descriptor): most
 * entries carry no attribute and end here. */
static bool may_have_attribute(struct reaper *r, const char *name)
{
#ifdef TF_LEASE_HAVE_XATTR
	char value[NAME_MAX + 1];
	return entry_path(r, name) == 0 &&
	       lgetxattr(r->path, MARKER_XATTR, value, sizeof value) >= 0;
#else
	(void)r;
	(void)name;
	return false;
#endif
}

static void reap_marked(struct reaper *r, const char *name, bool is_dir)
{
	if (!may_have_attribute(r, name))
		return;
	struct candidate c;
	int rc = open_candidate(r, name, NULL, &c);
	if (rc < 0)
		judge_failed(r, name, is_dir, rc);
	if (rc <= 0)
		return;
	rc = has_attribute(c.fd, name) ? abandoned(&c) : 0;
	if (rc == 1)
		reap_candidate(r, name, &c);
	else if (rc < 0)
		judge_failed(r, name, c.is_dir, rc);
	close(c.fd);
}

/* The record of a fallback marker (one of ours: a symbolic link owned by
 * the caller). 1 and *id, 0 if marker is none of ours, or -errno. */
static int read_marker(struct reaper *r, const char *marker, struct tf_file_id *id)
{
	struct stat st;
	if (fstatat(r->dirfd, marker, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : tf_neg_errno();
	if (!S_ISLNK(st.st_mode) || st.st_uid != r->uid)
		return 0;
	char target[MARKER_TARGET_MAX];
	ssize_t n = readlinkat(r->dirfd, marker, target, sizeof target - 1);
	if (n < 0)
		return errno == ENOENT || errno == EINVAL ? 0 : tf_neg_errno();
	target[n] = '\0';
	/* "tfl1:" then five numbers, each ended by ':' but the last. */
	if (strncmp(target, "tfl1:", 5) != 0)
		return 0;
	uintmax_t field[5];
	const char *p = target + 5;
	for (int i = 0; i < 5; i++) {
		char *end;
		errno = 0;
		field[i] = strtoumax(p, &end, 10);
		if (errno != 0 || end == p || *end != (i < 4 ? ':' : '\0'))
			return 0;
		p = end + (i < 4);
	}
	*id = (struct tf_file_id){ .dev = (dev_t)field[0], .ino = (ino_t)field[1],
		.has_btime = field[2] != 0, .btime_sec = (int64_t)field[3],
		.btime_nsec = (uint32_t)field[4] };
	return 1;
}

/* A fallback marker: its object, if abandoned, goes first, then the
 * marker. A marker whose object is gone or is another object now (a new
 * one at that name) is an orphan: it goes alone, the object is left. */
static void reap_beside(struct reaper *r, const char *marker)
{
	const char *name = marker + MARKER_PREFIX_LEN;
	struct tf_file_id want;
	int rc = *name == '\0' ? 0 : read_marker(r, marker, &want);
	if (rc < 0)
		judge_failed(r, name, false, rc);
	if (rc != 1)
		return;
	struct candidate c;
	rc = open_candidate(r, name, &want, &c);
	if (rc < 0) {
		judge_failed(r, name, false, rc);
		return;
	}
	/* Without a birth time on both sides (no statx: old kernels, musl
	 * before 1.2.5) device and inode cannot tell a new object handed the
	 * same inode number from the leased one: such a lease is never reaped. */
	if (rc == 1 && !(want.has_btime && c.id.has_btime)) {
		close(c.fd);
		return;
	}
	if (rc == 1) {
		rc = abandoned(&c);
		if (rc == 1)
			rc = reap_candidate(r, name, &c);
		else if (rc == 0)
			rc = -EWOULDBLOCK; /* held: the marker stays */
		else
			judge_failed(r, name, c.is_dir, rc);
		close(c.fd);
	}
	/* rc 0: removed, or no object of ours there (an orphan); 1: changed.
	 * A marker that cannot go is reported: it would be reaped again. */
	if ((rc == 0 || rc == 1) && !r->dry_run && unlinkat(r->dirfd, marker, 0) != 0 &&
		errno != ENOENT && r->first_error == 0)
		r->first_error = tf_neg_errno();
}

int tf_os_reap(const char *dir, bool dry_run, tf_reap_visit_fn *visit, void *arg)
{
	struct reaper *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	int rc = 0;
	r->dir = opendir(dir);
	if (!r->dir) {
		rc = tf_neg_errno();
		free(r);
		return rc;
	}
	r->dirfd = dirfd(r->dir);
	r->dir_path = dir;
	r->uid = geteuid();
	r->dry_run = dry_run;
	r->visit = visit;
	r->arg = arg;
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(r->dir);
		if (!e) {
			if (errno != 0)
				rc = tf_neg_errno();
			break;
		}
		const char *name = e->d_name;
		if (strncmp(name, MARKER_PREFIX, MARKER_PREFIX_LEN) == 0) {
			if (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN)
				reap_beside(r, name);
		} else if (e->d_type == DT_REG || e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) {
			if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
				reap_marked(r, name, e->d_type == DT_DIR);
		}
	}
	closedir(r->dir);
	if (rc == 0)
		rc = r->first_error < 0 ? r->first_error : r->removed;
	free(r);
	return rc;
}
