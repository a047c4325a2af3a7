/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * directory.c - TemporaryDirectory: a directory made by the shared retry
 * loop, removed with its whole tree by tempfile_dir_cleanup.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

struct tempfile_dir {
	char *path;                          /* absolute, NEW */
	unsigned flags;                      /* TEMPFILE_KEEP, _AT_EXIT, _IGNORE_CLEANUP_ERRORS */
	struct tf_registration *registration; /* with TEMPFILE_AT_EXIT, else NULL */
};

static int dir_new(const struct tempfile_opts *o, struct tempfile_dir **out)
{
	struct tf_target t;
	int rc = tf_target_init(&t, o, 0700,
		TEMPFILE_KEEP | TEMPFILE_AT_EXIT | TEMPFILE_IGNORE_CLEANUP_ERRORS);
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
	if (!(d->flags & TEMPFILE_KEEP)) {
		rc = tf_rmtree_path(d->path, d->flags & TEMPFILE_IGNORE_CLEANUP_ERRORS, NULL);
		/* Removed by someone else already: what cleanup wanted. Python's
		 * cleanup ignores FileNotFoundError the same way. */
		if (rc == -ENOENT)
			rc = 0;
	}
	/* Only now: a signal during the removal still finds it registered. */
	tf_unregister(d->registration);
	free(d->path);
	free(d);
	return tf_public_result(rc);
}
