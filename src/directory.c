/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * directory.c - TemporaryDirectory: a directory made by the shared retry
 * loop, removed with its whole tree by tempfile_dir_cleanup, or published
 * under its final name by tempfile_dir_persist.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct tempfile_dir {
	char *path;                          /* absolute, NEW; the final name once persisted */
	unsigned flags;                      /* TEMPFILE_KEEP, _AT_EXIT, _IGNORE_CLEANUP_ERRORS */
	struct tf_registration *registration; /* with TEMPFILE_AT_EXIT, else NULL */
	struct tf_lease *lease;              /* with TEMPFILE_LEASE until persisted, else NULL */
	bool persisted;                      /* published: never removed by us */
};

#define TF_DIR_PERSIST_FLAGS (TEMPFILE_NOREPLACE | TEMPFILE_SYNC)

#ifdef TEMPFILE_TEST_SEAMS
static void (*test_before_old_tree_removal)(const char *old_at);

void tf_test_dir_persist_hook(void (*hook)(const char *old_at))
{
	test_before_old_tree_removal = hook;
}
#endif

static int dir_new(const struct tempfile_opts *o, struct tempfile_dir **out)
{
	struct tf_target t;
	int rc = tf_target_init(&t, o, 0700,
		TEMPFILE_KEEP | TEMPFILE_AT_EXIT | TEMPFILE_IGNORE_CLEANUP_ERRORS | TEMPFILE_LEASE);
	if (rc < 0)
		return rc;
	/* Allocated first, so that nothing can fail once the directory exists. */
	struct tempfile_dir *d = malloc(sizeof *d);
	rc = d ? tf_create(&t, TF_CREATE_DIR, 0) : -ENOMEM;
	if (rc < 0) {
		free(d);
		tf_target_release(&t);
		return rc;
	}
	d->path = t.path; /* handed over */
	d->flags = t.flags;
	d->registration = t.registration;
	d->lease = t.lease;
	d->persisted = false;
	*out = d;
	return 0;
}

struct tempfile_dir *tempfile_dir(const struct tempfile_opts *o)
{
	struct tempfile_dir *d = NULL;
	int rc = dir_new(o, &d);
	return tf_public_pointer(rc, d);
}

const char *tempfile_dir_path(const struct tempfile_dir *d)
{
	return tf_public_pointer(d ? 0 : -EINVAL, d ? d->path : NULL);
}

int tempfile_dir_cleanup(struct tempfile_dir *d)
{
	if (!d)
		return 0; /* like free(NULL) */
	int rc = 0;
	if (!(d->flags & TEMPFILE_KEEP) && !d->persisted) {
		rc = tf_rmtree_path(d->path, d->flags & TEMPFILE_IGNORE_CLEANUP_ERRORS, NULL);
		/* Removed by someone else already: what cleanup wanted. Python's
		 * cleanup ignores FileNotFoundError the same way. */
		if (rc == -ENOENT)
			rc = 0;
	}
	/* Only now: a signal during the removal still finds it registered. */
	tf_unregister(d->registration);
	tf_lease_release(d->lease, (d->flags & TEMPFILE_KEEP) != 0);
	free(d->path);
	free(d);
	return tf_public_result(rc);
}

/* ---- tempfile_dir_persist ---------------------------------------------------- */

/* A final "." or ".." component: rename(2) refuses it (EBUSY), and
 * tf_absolute() would drop a "." and publish at the parent's name. */
static bool ends_in_dot_component(const char *path)
{
	size_t n = strlen(path);
	while (n > 0 && tf_os_is_separator(path[n - 1]))
		n--;
	size_t start = n;
	while (start > 0 && !tf_os_is_separator(path[start - 1]))
		start--;
	size_t len = n - start;
	return (len == 1 || len == 2) && strncmp(path + start, "..", len) == 0;
}

/* "out/" names "out": Windows' full path keeps the separator (POSIX's
 * tf_absolute drops it), and the handle's path must not. A root ("/",
 * "C:\\") keeps its own. */
static void drop_trailing_separators(char *path)
{
	size_t n = strlen(path);
	while (n > 1 && tf_os_is_separator(path[n - 1]) && path[n - 2] != ':' &&
		!tf_os_is_separator(path[n - 2]))
		path[--n] = '\0';
}

/* ancestor is a directory above path, lexically (both absolute). */
static bool is_above(const char *ancestor, const char *path)
{
	size_t n = strlen(ancestor);
	while (n > 0 && tf_os_is_separator(ancestor[n - 1]))
		n--; /* the root "/" */
	return strncmp(ancestor, path, n) == 0 && tf_os_is_separator(path[n]) && path[n + 1];
}

/* A free name beside target for the old tree: "<target>.old-XXXXXXXX". */
static int aside_name(const char *target, char **out)
{
	static const char tag[] = ".old-";
	size_t n = strlen(target);
	char *name = malloc(n + sizeof tag - 1 + TF_NAME_LEN + 1);
	if (!name)
		return -ENOMEM;
	memcpy(name, target, n);
	memcpy(name + n, tag, sizeof tag - 1);
	int rc = tf_random_name(name + n + sizeof tag - 1);
	name[n + sizeof tag - 1 + TF_NAME_LEN] = '\0';
	if (rc < 0) {
		free(name);
		return rc;
	}
	*out = name;
	return 0;
}

/* What publishing over an existing entry left to do. */
struct replaced {
	char *old_at;           /* where the old tree is now: NEW, or NULL */
	struct tf_file_id old;  /* the old tree's identity, checked before removal */
};

/* Where RENAME_EXCHANGE is missing: the old tree aside, the new one in,
 * the old one back if that fails. Not atomic: target is missing between
 * the two renames. */
static int replace_by_two_renames(const struct tempfile_dir *d, const char *target,
	unsigned flags, struct replaced *r)
{
	char *aside = NULL;
	int rc = -EEXIST;
	/* A random name taken already: another one, a few times. */
	for (int tries = 0; rc == -EEXIST && tries < 4; tries++) {
		free(aside);
		rc = aside_name(target, &aside);
		if (rc < 0)
			return rc;
		rc = tf_os_rename_dir_noreplace(target, aside, 0);
	}
	if (rc == 0) {
		rc = tf_os_rename_dir_noreplace(d->path, target, flags);
		if (rc < 0)
			(void)tf_os_rename_dir_noreplace(aside, target, 0);
	}
	if (rc < 0) {
		free(aside);
		return rc;
	}
	r->old_at = aside;
	return 0;
}

/* Put d's directory at target in place of the directory there. -ENOENT:
 * target vanished meanwhile (the caller tries the free-name rename again);
 * -ENOTDIR: something else than a directory is there (a symbolic link to
 * one included), left alone. */
static int replace_existing(const struct tempfile_dir *d, const char *target, unsigned flags,
	struct replaced *r)
{
	struct stat st;
	int rc = tf_os_lstat(target, &st);
	if (rc < 0)
		return rc;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	struct tf_file_id mine;
	rc = tf_os_file_id(-1, d->path, &mine);
	if (rc == 0)
		rc = tf_os_file_id(-1, target, &r->old);
	if (rc < 0)
		return rc;
	if (tf_same_file(&mine, &r->old))
		return 0; /* another name of d's directory: as rename(2), nothing to do */
	rc = tf_os_rename_exchange(d->path, target);
	if (rc == -ENOSYS || rc == -EINVAL)
		return replace_by_two_renames(d, target, flags, r);
	if (rc == 0)
		r->old_at = d->path; /* the old tree has our temporary name now */
	return rc;
}

/* Remove the replaced tree, only while it is the one that was at target.
 * If that fails and it was renamed aside, it is moved to the name the new
 * tree had, the one the caller knows (tempfile_dir_path before the call). */
static int remove_old_tree(const struct tempfile_dir *d, struct replaced *r, const char *former)
{
#ifdef TEMPFILE_TEST_SEAMS
	if (test_before_old_tree_removal)
		test_before_old_tree_removal(r->old_at);
#endif
	int rc = tf_rmtree_path(r->old_at, 0, &r->old);
	if (rc == -ENOENT)
		rc = 0; /* someone removed it already */
	if (rc < 0 && r->old_at != former)
		(void)tf_os_rename_dir_noreplace(r->old_at, former, 0);
	return (d->flags & TEMPFILE_IGNORE_CLEANUP_ERRORS) ? 0 : rc;
}

/* Every failure before the publishing rename leaves d as it was. After
 * it the handle says where the tree is and never removes it, whatever
 * follows: the fsync of TEMPFILE_SYNC, the old tree's removal. */
static int dir_persist(struct tempfile_dir *d, const char *path, unsigned flags)
{
	if (!d || !path || (flags & ~(unsigned)TF_DIR_PERSIST_FLAGS) != 0 ||
		ends_in_dot_component(path))
		return -EINVAL;
	char *target;
	int rc = tf_absolute(path, &target);
	if (rc < 0)
		return rc;
	drop_trailing_separators(target);
	struct replaced r = { .old_at = NULL };
	if (is_above(target, d->path) || is_above(d->path, target))
		rc = -EINVAL; /* a directory cannot hold itself */
	else if (strcmp(target, d->path) == 0)
		/* Its own name, as rename(2) sees it (Windows' MoveFileEx would
		 * call even a NOREPLACE move to the same name a success). */
		rc = (flags & TEMPFILE_NOREPLACE) ? -EEXIST : 0;
	else if (flags & TEMPFILE_SYNC)
		rc = tf_os_fsync_dir(d->path);
	/* An entry at target that vanishes between the attempts is taken as
	 * absent again, a few times; then it counts as there (EEXIST). */
	for (int round = 0; rc == 0 && strcmp(target, d->path) != 0; round++) {
		rc = tf_os_rename_dir_noreplace(d->path, target, flags);
		if (rc != -EEXIST || (flags & TEMPFILE_NOREPLACE))
			break;
		rc = replace_existing(d, target, flags, &r);
		if (rc == -ENOENT)
			rc = round < 3 ? 0 : -EEXIST;
		else
			break;
	}
	if (rc < 0) {
		free(target);
		return rc;
	}
	char *former = d->path;
	d->path = target;
	d->persisted = true;
	tf_unregister(d->registration);
	d->registration = NULL;
	tf_lease_release(d->lease, true); /* published: no temporary any more */
	d->lease = NULL;
	if (flags & TEMPFILE_SYNC)
		rc = tf_os_fsync_parent(target);
	if (r.old_at) {
		int removed = remove_old_tree(d, &r, former);
		if (rc == 0)
			rc = removed;
		if (r.old_at != former)
			free(r.old_at);
	}
	free(former);
	return rc;
}

int tempfile_dir_persist(struct tempfile_dir *d, const char *path, unsigned flags)
{
	return tf_public_result(dir_persist(d, path, flags));
}
